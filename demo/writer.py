"""Write synthetic tips in bulk, in parallel (see demo/synthetic.py).

The rows are built by the same functions intake uses (`tip_build`,
`case_build_for_tip`, `message_build`): routing, sealing, triage, deadlines, the
case title and the acknowledgement text are theirs. This module only ages the cases
along their synthetic lifecycle and inserts the rows in bulk.
"""

from __future__ import annotations

import dataclasses
import datetime
import multiprocessing
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.utils import timezone

import envelope
from accounts.models import Role, StaffMember
from cases.models import Case, CaseEvent, CaseTip
from cases.services import acknowledgement_text, case_build_for_tip
from cases.statuses import CaseStatus
from demo.investigation import investigation_spec
from demo.investigation_writer import Rows, facts_of, investigation_build, routine_searches_ensure
from demo.mentions import MentionWriter, mention_writer
from demo.synthetic import TipSpec, World, build_world, facilities_ensure, tip_spec
from org.models import Unit, UnitKeyPair
from tipline.models import Message, ReservedIdentity, Tip
from tipline.services import TipSubmission, message_build, tip_build, tip_route

# --- sealing and writing --------------------------------------------------------------------------------------


@dataclass
class Keys:
    """Public keys and lookups the writer needs; built once per process."""

    mention_writer: MentionWriter | None
    _routes: dict[tuple[int, str, str], tuple[Unit, UnitKeyPair]] = field(default_factory=dict)
    _workers: dict[int, list[StaffMember]] = field(default_factory=dict)

    def route(self, spec: TipSpec) -> tuple[Unit, UnitKeyPair]:
        """Route as intake does (tip_route), once per facility, category and answer about staff."""
        key = (spec.facility.pk, spec.category, spec.staff_involved)
        if key not in self._routes:
            self._routes[key] = tip_route(submission=submission_of(spec))
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


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour=hour)))


@dataclass
class Batch:
    tips: list[Tip] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    links: list[CaseTip] = field(default_factory=list)
    opened: list[CaseEvent] = field(default_factory=list)
    data_keys: list[bytes] = field(default_factory=list)
    case_keys: list[bytes] = field(default_factory=list)
    specs: list[TipSpec] = field(default_factory=list)
    # The reserved identities of the tips that give a contact (tip_build seals them to the custodian).
    identities: list[ReservedIdentity] = field(default_factory=list)


def submission_of(spec: TipSpec) -> TipSubmission:
    """Return the submission a whistleblower would have made for this synthetic tip.

    Every field of TipSubmission the spec has; a field added to intake later keeps its default.
    """
    names = [f.name for f in dataclasses.fields(TipSubmission) if hasattr(spec, f.name)]
    return TipSubmission(**{name: getattr(spec, name) for name in names})


def _seal_one(spec: TipSpec, keys: Keys, batch: Batch) -> None:
    """Build the tip and its case exactly as intake does (tip_build, case_build_for_tip), then age them."""
    unit, _keypair = route = keys.route(spec)
    # No receipt exists for a synthetic tip: its receipt copy of the data key opens for nobody.
    built = tip_build(
        submission=submission_of(spec), route=route, receipt=envelope.no_receipt(), received_on=spec.received_on
    )
    life = spec.lifecycle
    tip = built.tip
    tip.status = life.status
    built_case = case_build_for_tip(tip=tip)
    case = built_case.case
    case.status = life.status
    case.assignee = keys.worker(unit, life.worker) if life.investigating_on or life.closed_on else None
    case.acknowledged_on = life.acknowledged_on
    case.feedback_given_on = life.feedback_given_on
    case.protection_decided_on = life.protection_decided_on
    case.closed_on = life.closed_on
    if life.closing_reason:
        case.closing_reason_ct = envelope.seal_field(
            envelope.CASE, "closing_reason", case.public_id, key=built_case.case_key, value=life.closing_reason
        )
    case.next_due = case.compute_next_due()
    batch.tips.append(tip)
    batch.cases.append(case)
    batch.links.append(built_case.link)
    batch.opened.append(built_case.opened)
    batch.data_keys.append(built.data_key)
    batch.case_keys.append(built_case.case_key)
    if built.identity is not None:
        batch.identities.append(built.identity)
    batch.specs.append(spec)


def _timeline(batch: Batch) -> tuple[list[CaseEvent], list[Message]]:
    """Return what the synthetic lifecycle adds after opening: the later events and the acknowledgement."""
    events: list[CaseEvent] = []
    messages: list[Message] = []
    acknowledgement = acknowledgement_text()
    for tip, case, data_key, spec in zip(batch.tips, batch.cases, batch.data_keys, batch.specs, strict=True):
        life = spec.lifecycle
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
            messages.append(
                message_build(
                    tip=tip,
                    data_key=data_key,
                    body=acknowledgement,
                    author_kind=Message.Author.STAFF,
                    author=actor.user if actor else None,
                    on=life.acknowledged_on,
                )
            )
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
    return events, messages


def write_batch(world: World, keys: Keys, indexes: range) -> int:
    """Build, seal and insert the tips with these indexes (and their cases); return how many."""
    return write_specs([tip_spec(world, index) for index in indexes], keys, world=world)


def _investigations(batch: Batch, keys: Keys, world: World) -> Rows:
    """Build the investigation of each case of the batch (demo/investigation.py), numbered by its tip's index."""
    rows = Rows()
    for tip, case, data_key, case_key, spec in zip(
        batch.tips, batch.cases, batch.data_keys, batch.case_keys, batch.specs, strict=True
    ):
        facts = facts_of(case, investigating_on=spec.lifecycle.investigating_on, end_date=world.end_date)
        investigation = investigation_spec(seed=world.seed, number=spec.index, facts=facts, pool=world.pool)
        investigation_build(
            rows, case=case, case_key=case_key, spec=investigation, keys=keys, tip=tip, data_key=data_key
        )
    return rows


def write_specs(specs: list[TipSpec], keys: Keys, *, world: World | None = None) -> int:
    """Build the tips of these specs and their cases as intake does, age them and insert them; return how many.

    With the world they come from, each case also gets its synthetic investigation.
    """
    batch = Batch()
    for spec in specs:
        _seal_one(spec, keys, batch)
    investigations = _investigations(batch, keys, world) if world is not None else None
    with transaction.atomic():
        Tip.objects.bulk_create(batch.tips)
        ReservedIdentity.objects.bulk_create(batch.identities)
        Case.objects.bulk_create(batch.cases)
        events, messages = _timeline(batch)
        CaseTip.objects.bulk_create(batch.links)
        CaseEvent.objects.bulk_create([*batch.opened, *events])
        Message.objects.bulk_create(messages)
        if keys.mention_writer is not None:
            keys.mention_writer.write(
                [
                    (tip, data_key, spec.lifecycle.acknowledged_on or spec.received_on, spec.mentions)
                    for tip, data_key, spec in zip(batch.tips, batch.data_keys, batch.specs, strict=True)
                ]
            )
        if investigations is not None:
            investigations.insert()
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
    keys = Keys(mention_writer=mention_writer(plan.escrow_private_key))
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
        _routine_searches(plan, world, keys)
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
    _routine_searches(plan, *_prepare(plan))
    return Result(count=done, seconds=time.perf_counter() - started)


def _routine_searches(plan: Plan, world: World, keys: Keys) -> None:
    """Write the searches no tip prompted, over the world's whole window, once (routine_searches_ensure)."""
    routine_searches_ensure(seed=plan.seed, first_day=world.first_day, end_date=world.end_date, keys=keys)
