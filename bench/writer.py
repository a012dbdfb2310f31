"""Seal synthetic tips through the real envelope and write them in bulk, in parallel (see bench/synthetic.py)."""

from __future__ import annotations

import datetime
import functools
import multiprocessing
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import override

from bench import vocab
from bench.mentions import MentionWriter, mention_writer
from bench.synthetic import TipSpec, World, build_world, facilities_ensure, tip_spec
from cases.deadlines import add_days, add_working_days
from cases.models import Case, CaseEvent, CaseTip, Role, StaffMember
from cases.services import case_field_aad, case_key_info, triage_score
from cases.statuses import CaseStatus
from org.models import Unit, UnitKeyPair
from org.routing import route_tip
from tipline import crypto
from tipline.models import (
    Category,
    Message,
    Tip,
)
from tipline.services import (
    ESCROW_RECIPIENT,
    data_key_info,
    escrow_public_key,
    field_aad,
    message_aad,
    unit_recipient,
)

# --- sealing and writing --------------------------------------------------------------------------------------


@dataclass
class Keys:
    """Public keys and lookups the writer needs; built once per process."""

    escrow_public: bytes
    mention_writer: MentionWriter | None
    _routes: dict[tuple[int, str, str], tuple[Unit, UnitKeyPair]] = field(default_factory=dict)
    _workers: dict[int, list[StaffMember]] = field(default_factory=dict)

    def route(self, spec: TipSpec) -> tuple[Unit, UnitKeyPair]:
        key = (spec.facility.pk, spec.category, spec.staff_involved)
        if key not in self._routes:
            unit = route_tip(facility=spec.facility, category=spec.category, staff_involved=spec.staff_involved)
            keypair = unit.active_keypair()
            if keypair is None:
                raise ValueError(f"unit {unit.slug} has no key; create one (create_unit_keys) first")
            self._routes[key] = (unit, keypair)
        return self._routes[key]

    def worker(self, unit: Unit, pick: int) -> StaffMember | None:
        if unit.pk not in self._workers:
            self._workers[unit.pk] = list(
                StaffMember.objects.filter(memberships__unit=unit, role__in=[Role.INVESTIGATOR, Role.SUPERVISOR])
                .exclude(user__username__startswith="bench_")
                .select_related("user")
                .distinct()
                .order_by("pk")
            )
        workers = self._workers[unit.pk]
        return workers[pick % len(workers)] if workers else None


@functools.cache
def _protection_due(received: datetime.date, working_days: int) -> datetime.date:
    return add_working_days(received, working_days)


@functools.cache
def _category_label_es(category: str) -> str:
    with override("es"):
        return str(Category(category).label)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour=hour)))


@dataclass
class Batch:
    tips: list[Tip] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    data_keys: list[bytes] = field(default_factory=list)
    specs: list[TipSpec] = field(default_factory=list)


def _seal_one(spec: TipSpec, keys: Keys, batch: Batch) -> None:
    unit, keypair = keys.route(spec)
    unit_public = bytes(keypair.public_key)
    recipient = unit_recipient(keypair)
    public_id = uuid.uuid4()
    data_key = crypto.new_key()
    occurred_month = spec.occurred_on.replace(day=1) if spec.occurred_on else None
    life = spec.lifecycle
    tip = Tip(
        public_id=public_id,
        # No receipt exists for a synthetic tip: a random lookup id, and the receipt copy of the
        # data key wrapped under a random key that is never kept (see the module docstring).
        lookup_id=crypto.new_key(),
        facility=spec.facility,
        unit=unit,
        category=spec.category,
        smuggling_channel=spec.smuggling_channel,
        intake_channel=spec.intake_channel,
        staff_involved=spec.staff_involved,
        protection_requested=spec.protection_requested,
        when_period=spec.when_period,
        occurred_month=occurred_month,
        received_on=spec.received_on,
        status=life.status,
        unit_keypair=keypair,
        data_key_for_unit=crypto.seal(data_key, public_key=unit_public, info=data_key_info(public_id, recipient)),
        data_key_for_escrow=crypto.seal(
            data_key, public_key=keys.escrow_public, info=data_key_info(public_id, ESCROW_RECIPIENT)
        ),
        data_key_for_receipt=crypto.encrypt(data_key, key=crypto.new_key(), aad=data_key_info(public_id, "receipt")),
        description_ct=crypto.encrypt_text(spec.description, key=data_key, aad=field_aad(public_id, "description")),
        contact_ct=crypto.encrypt_text(spec.contact, key=data_key, aad=field_aad(public_id, "contact")),
        occurred_on_ct=crypto.encrypt_text(
            spec.occurred_on.isoformat() if spec.occurred_on else "",
            key=data_key,
            aad=field_aad(public_id, "occurred on"),
        ),
    )
    # The case, with the fields case_open_for_tip sets, then aged by the lifecycle.
    score = triage_score(
        category=spec.category,
        facility=spec.facility,
        staff_involved=spec.staff_involved,
        protection_requested=spec.protection_requested,
    )
    case_id = uuid.uuid4()
    case_key = crypto.new_key()
    received = spec.received_on
    worker = keys.worker(unit, life.worker) if life.investigating_on or life.closed_on else None
    case = Case(
        public_id=case_id,
        unit=unit,
        unit_keypair=keypair,
        facility=spec.facility,
        category=spec.category,
        smuggling_channel=spec.smuggling_channel,
        status=life.status,
        priority=score.priority,
        triage_score=score.score,
        assignee=worker,
        received_on=received,
        acknowledge_due=add_days(received, unit.acknowledge_days),
        acknowledged_on=life.acknowledged_on,
        feedback_due=add_days(received, unit.feedback_days),
        feedback_given_on=life.feedback_given_on,
        protection_due=_protection_due(received, unit.protection_working_days) if spec.protection_requested else None,
        protection_decided_on=life.protection_decided_on,
        closed_on=life.closed_on,
        case_key_for_unit=crypto.seal(case_key, public_key=unit_public, info=case_key_info(case_id, recipient)),
        case_key_for_escrow=crypto.seal(
            case_key, public_key=keys.escrow_public, info=case_key_info(case_id, ESCROW_RECIPIENT)
        ),
        title_ct=crypto.encrypt_text(
            f"{_category_label_es(spec.category)} · {spec.facility.name}",
            key=case_key,
            aad=case_field_aad(case_id, "title"),
        ),
    )
    if life.closing_reason:
        case.closing_reason_ct = crypto.encrypt_text(
            life.closing_reason, key=case_key, aad=case_field_aad(case_id, "closing reason")
        )
    case.next_due = case.compute_next_due()
    batch.tips.append(tip)
    batch.cases.append(case)
    batch.data_keys.append(data_key)
    batch.specs.append(spec)


def _timeline(batch: Batch) -> tuple[list[CaseTip], list[CaseEvent], list[Message]]:
    links, events, messages = [], [], []
    for tip, case, data_key, spec in zip(batch.tips, batch.cases, batch.data_keys, batch.specs, strict=True):
        life = spec.lifecycle
        links.append(CaseTip(case=case, tip=tip, added_on=spec.received_on))
        events.append(
            CaseEvent(
                case=case,
                kind=CaseEvent.Kind.OPENED,
                at=_midnight(spec.received_on),
                details={"intake_channel": spec.intake_channel},
            )
        )
        actor = case.assignee
        if life.acknowledged_on is not None:
            events.append(
                CaseEvent(
                    case=case,
                    kind=CaseEvent.Kind.ACKNOWLEDGED,
                    actor=actor,
                    at=_at(life.acknowledged_on, 10),
                    from_status=CaseStatus.RECEIVED,
                    to_status=CaseStatus.TRIAGE,
                )
            )
            message = Message(
                tip=tip,
                author_kind=Message.Author.STAFF,
                author=actor.user if actor else None,
                created_on=life.acknowledged_on,
            )
            message.body_ct = crypto.encrypt_text(
                vocab.ACKNOWLEDGEMENT, key=data_key, aad=message_aad(tip.public_id, message.public_id)
            )
            messages.append(message)
        if life.investigating_on is not None:
            events.append(
                CaseEvent(
                    case=case,
                    kind=CaseEvent.Kind.STATUS_CHANGED,
                    actor=actor,
                    at=_at(life.investigating_on, 11),
                    from_status=CaseStatus.TRIAGE,
                    to_status=CaseStatus.INVESTIGATING,
                )
            )
        if life.closed_on is not None:
            events.append(
                CaseEvent(
                    case=case,
                    kind=CaseEvent.Kind.STATUS_CHANGED,
                    actor=actor,
                    at=_at(life.closed_on, 12),
                    from_status=CaseStatus.INVESTIGATING if life.investigating_on else CaseStatus.TRIAGE,
                    to_status=life.status,
                )
            )
    return links, events, messages


def write_batch(world: World, keys: Keys, indexes: range) -> int:
    """Build, seal and insert the tips with these indexes (and their cases); return how many."""
    batch = Batch()
    for index in indexes:
        _seal_one(tip_spec(world, index), keys, batch)
    with transaction.atomic():
        Tip.objects.bulk_create(batch.tips)
        Case.objects.bulk_create(batch.cases)
        links, events, messages = _timeline(batch)
        CaseTip.objects.bulk_create(links)
        CaseEvent.objects.bulk_create(events)
        Message.objects.bulk_create(messages)
        if keys.mention_writer is not None:
            keys.mention_writer.write(
                [
                    (tip, data_key, spec.lifecycle.acknowledged_on or spec.received_on, spec.mentions)
                    for tip, data_key, spec in zip(batch.tips, batch.data_keys, batch.specs, strict=True)
                ]
            )
    return len(batch.tips)


# --- running --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    count: int
    seed: int
    start_index: int = 0
    batch: int = 1000
    workers: int = 1
    end_date: datetime.date | None = None
    escrow_private_key: bytes | None = None


@dataclass(frozen=True)
class Result:
    count: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


_process_state: tuple[World, Keys] | None = None


def _prepare(plan: Plan) -> tuple[World, Keys]:
    facilities = facilities_ensure()
    world = build_world(seed=plan.seed, end_date=plan.end_date or timezone.localdate(), facilities=facilities)
    keys = Keys(escrow_public=escrow_public_key(), mention_writer=mention_writer(plan.escrow_private_key))
    return world, keys


def _chunks(plan: Plan) -> Iterator[range]:
    end = plan.start_index + plan.count
    for start in range(plan.start_index, end, plan.batch):
        yield range(start, min(start + plan.batch, end))


def _worker_init(plan: Plan) -> None:
    global _process_state
    # The parent closed its connections before forking: each child opens its own.
    _process_state = _prepare(plan)


def _worker_batch(indexes: range) -> int:
    assert _process_state is not None
    world, keys = _process_state
    return write_batch(world, keys, indexes)


def generate(plan: Plan, *, progress: Callable[[int, float], None] | None = None) -> Result:
    """Generate `plan.count` tips from `plan.start_index` on; call `progress(done, seconds)` after each batch."""
    started = time.perf_counter()
    done = 0
    if plan.workers <= 1 or connections["default"].vendor == "sqlite":
        world, keys = _prepare(plan)
        for indexes in _chunks(plan):
            done += write_batch(world, keys, indexes)
            if progress:
                progress(done, time.perf_counter() - started)
        return Result(count=done, seconds=time.perf_counter() - started)
    # Once, before the workers race to create them: the synthetic facilities and the first index key.
    facilities_ensure()
    mention_writer(plan.escrow_private_key)
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(plan.workers, initializer=_worker_init, initargs=(plan,)) as pool:
        for written in pool.imap_unordered(_worker_batch, _chunks(plan)):
            done += written
            if progress:
                progress(done, time.perf_counter() - started)
    return Result(count=done, seconds=time.perf_counter() - started)
