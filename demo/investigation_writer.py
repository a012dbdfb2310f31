"""Write the investigation of synthetic cases in bulk: with their tips, or later for cases already there.

The rows are those the investigation, evidence and outcomes services write, built in
memory and bulk-inserted: every encrypted field sealed under the case key with
`envelope.seal_field` and the records of envelope.schema (TASK, INTERVIEW, EXHIBIT,
CUSTODY_ENTRY, EXHIBIT_IDENTIFIER, PERSON_CONCERNED), as the writer seals a case's
closing reason; the whistleblower's messages under the tip's data key with
`tipline.services.message_build`. A seized phone's identifier gets the pseudonym
linking gives a tip naming that number (`MentionWriter.pseudonym`).

As for tips, no audit entries and no signals: a synthetic exhibit's custody chain is
chained by evidence.custody's own digests, but its page says the chain does not match
the audit log, since no audit entry vouches for it. The timeline gets one event per task
planned, interview, search, exhibit, proceeding, referral, platform code, question and
reply (not one per task done or custody change: the page shows those on the rows).

`backfill` adds the rows to the cases of an existing database (`manage.py
generate_investigation`): the case key and, for a reply, the tip's data key are
opened with the escrow private key, as an offline recovery would. A case that already
has one of the events above is skipped, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connections, transaction
from django.db.models import Max, Min, Model
from django.utils import timezone

import envelope
from accounts.models import StaffMember
from cases.models import Case, CaseEvent, CaseTip
from cases.statuses import CaseStatus
from demo.investigation import (
    CaseFacts,
    InvestigationSpec,
    SearchSpec,
    investigation_spec,
    routine_searches,
)
from demo.mentions import mention_writer
from demo.synthetic import Pool, build_pool, facilities_ensure
from evidence.custody import FIRST_PREV_DIGEST, entry_digest
from evidence.models import CellSearch, CustodyEntry, Exhibit, ExhibitIdentifier, ExhibitKind, ExhibitStatus
from investigation.models import Interview, Task
from org.models import Facility, Unit
from outcomes.models import PersonConcerned, PlatformFiling, Proceeding, Referral
from tipline.models import Message, Tip
from tipline.services import message_build

if TYPE_CHECKING:
    from demo.writer import Keys

# The timeline events the synthetic investigation writes: a case with one of them has its rows.
EVENT_KINDS = (
    CaseEvent.Kind.TASK_ADDED,
    CaseEvent.Kind.INTERVIEW_RECORDED,
    CaseEvent.Kind.SEARCH_RECORDED,
    CaseEvent.Kind.EXHIBIT_REGISTERED,
    CaseEvent.Kind.PROCEEDING_OPENED,
    CaseEvent.Kind.REFERRAL_SENT,
    CaseEvent.Kind.PLATFORM_CODE_RECORDED,
    CaseEvent.Kind.QUESTION_SENT,
)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour=hour)))


@dataclass
class Rows:
    """The unsaved rows of a batch of investigations, in the order they are inserted."""

    searches: list[CellSearch] = field(default_factory=list)
    exhibits: list[Exhibit] = field(default_factory=list)
    custody: list[CustodyEntry] = field(default_factory=list)
    identifiers: list[ExhibitIdentifier] = field(default_factory=list)
    persons: list[PersonConcerned] = field(default_factory=list)
    proceedings: list[Proceeding] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    interviews: list[Interview] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    filings: list[PlatformFiling] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    unread: list[Case] = field(default_factory=list)

    def insert(self) -> None:
        """Insert every row (inside the caller's transaction); related rows after the rows they point to.

        The rows other rows point to get their ids back from bulk_create; the others, most
        of them (events, tasks, interviews), are written by COPY on PostgreSQL.
        """
        CellSearch.objects.bulk_create(self.searches, batch_size=2000)
        Exhibit.objects.bulk_create(self.exhibits, batch_size=2000)
        PersonConcerned.objects.bulk_create(self.persons, batch_size=2000)
        for model, rows in (
            (CustodyEntry, self.custody),
            (ExhibitIdentifier, self.identifiers),
            (Proceeding, self.proceedings),
            (Task, self.tasks),
            (Interview, self.interviews),
            (Referral, self.referrals),
            (PlatformFiling, self.filings),
            (Message, self.messages),
            (CaseEvent, self.events),
        ):
            _copy(model, rows)
        if self.unread:
            Case.objects.filter(pk__in=[case.pk for case in self.unread]).update(unread_reply=True)


def _copy(model: type[Model], rows: Sequence[Model]) -> None:
    """Insert rows nothing points to yet: by COPY on PostgreSQL (no ids returned), else with bulk_create."""
    if not rows:
        return
    connection = connections["default"]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows, batch_size=2000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for row in rows:
        row._prepare_related_fields_for_save(operation_name="COPY")  # type: ignore[attr-defined]  # as bulk_create does
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(  # type: ignore[attr-defined]
            f"COPY {model._meta.db_table} ({', '.join(f.column for f in fields)}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row([f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields])


def facts_of(case: Case, *, investigating_on: datetime.date | None, end_date: datetime.date) -> CaseFacts:
    """Return the clear facts of a saved (or built) case that its investigation is drawn from."""
    return CaseFacts(
        status=case.status,
        category=case.category,
        smuggling_channel=case.smuggling_channel,
        received_on=case.received_on,
        acknowledged_on=case.acknowledged_on,
        investigating_on=investigating_on,
        closed_on=case.closed_on,
        end_date=end_date,
    )


def investigation_build(
    rows: Rows,
    *,
    case: Case,
    case_key: bytes,
    spec: InvestigationSpec,
    keys: Keys,
    tip: Tip | None = None,
    data_key: bytes | None = None,
) -> None:
    """Add the rows of one case's investigation to `rows`. The case is saved; the tip too, if given."""
    lead = case.assignee or keys.worker(case.unit, 0)
    if lead is None:
        return  # a unit with nobody to do the work: nothing to invent

    def member(pick: int) -> StaffMember:
        return keys.worker(case.unit, pick) or lead

    def event(kind: str, day: datetime.date, hour: int, actor: StaffMember | None = lead) -> None:
        rows.events.append(CaseEvent(case=case, kind=kind, actor=actor, at=_at(day, hour)))

    for task_spec in spec.tasks:
        task = Task(
            case=case,
            assignee=member(task_spec.worker),
            due_on=task_spec.due_on,
            done_on=task_spec.done_on,
            created_by=lead,
            created_at=_at(task_spec.created_on, 9),
        )
        task.what_ct = envelope.seal_field(
            envelope.TASK, "what", case.public_id, task.public_id, key=case_key, value=task_spec.what
        )
        if task_spec.result:
            task.result_ct = envelope.seal_field(
                envelope.TASK, "result", case.public_id, task.public_id, key=case_key, value=task_spec.result
            )
        rows.tasks.append(task)
        event(CaseEvent.Kind.TASK_ADDED, task_spec.created_on, 9)
    for interview_spec in spec.interviews:
        interview = Interview(
            case=case,
            held_on=interview_spec.held_on,
            conducted_by=member(interview_spec.worker),
            created_at=_at(interview_spec.held_on, 16),
        )
        sealed = envelope.seal_fields(
            envelope.INTERVIEW,
            case.public_id,
            interview.public_id,
            key=case_key,
            interviewee=interview_spec.interviewee,
            summary=interview_spec.summary,
        )
        for column, value in sealed.items():
            setattr(interview, column, value)
        rows.interviews.append(interview)
        event(CaseEvent.Kind.INTERVIEW_RECORDED, interview_spec.held_on, 16, interview.conducted_by)
    persons: dict[str, PersonConcerned] = {}
    for person_spec in spec.persons:
        person = PersonConcerned(
            case=case,
            code=person_spec.code,
            role=person_spec.role,
            outcome=person_spec.outcome,
            outcome_on=person_spec.outcome_on,
            created_at=_at(person_spec.added_on, 12),
        )
        sealed = envelope.seal_fields(
            envelope.PERSON_CONCERNED,
            case.public_id,
            person.public_id,
            key=case_key,
            name=person_spec.name,
            details=person_spec.details,
        )
        for column, value in sealed.items():
            setattr(person, column, value)
        persons[person.code] = person
        rows.persons.append(person)
    for proceeding_spec in spec.proceedings:
        rows.proceedings.append(
            Proceeding(
                case=case,
                person=persons.get(proceeding_spec.person_code),
                reference=proceeding_spec.reference,
                stage=proceeding_spec.stage,
                sanction=proceeding_spec.sanction,
                suspension_days=proceeding_spec.suspension_days,
                opened_on=proceeding_spec.opened_on,
                sanctioned_on=proceeding_spec.sanctioned_on,
                concluded_on=proceeding_spec.concluded_on,
            )
        )
        event(CaseEvent.Kind.PROCEEDING_OPENED, proceeding_spec.opened_on, 10)
    for referral_spec in spec.referrals:
        rows.referrals.append(
            Referral(
                case=case,
                authority=referral_spec.authority,
                reference=referral_spec.reference,
                status=referral_spec.status,
                sent_on=referral_spec.sent_on,
                updated_on=referral_spec.updated_on,
            )
        )
        event(CaseEvent.Kind.REFERRAL_SENT, referral_spec.sent_on, 13)
    if spec.platform_code and spec.platform_code_on is not None:
        rows.filings.append(PlatformFiling(case=case, code=spec.platform_code, recorded_on=spec.platform_code_on))
        event(CaseEvent.Kind.PLATFORM_CODE_RECORDED, spec.platform_code_on, 14)
    if spec.search is not None:
        search = _search_row(spec.search, unit=case.unit, facility_id=case.facility_id, recorded_by=lead)
        search.prompted_by = case
        search.category = case.category
        search.smuggling_channel = case.smuggling_channel
        rows.searches.append(search)
        event(CaseEvent.Kind.SEARCH_RECORDED, spec.search.held_on, 15)
        _exhibits_build(rows, case=case, case_key=case_key, spec=spec, search=search, keys=keys, member=member)
    if spec.exchange is not None and tip is not None and data_key is not None:
        exchange = spec.exchange
        rows.messages.append(
            message_build(
                tip=tip,
                data_key=data_key,
                body=exchange.question,
                author_kind=Message.Author.STAFF,
                author=lead.user,
                on=exchange.asked_on,
            )
        )
        rows.messages.append(
            message_build(
                tip=tip,
                data_key=data_key,
                body=exchange.reply,
                author_kind=Message.Author.WHISTLEBLOWER,
                author=None,
                on=exchange.replied_on,
            )
        )
        event(CaseEvent.Kind.QUESTION_SENT, exchange.asked_on, 11)
        # A whistleblower's event is stamped at midnight of its day (CaseEvent.at), without an actor.
        event(CaseEvent.Kind.REPLY_RECEIVED, exchange.replied_on, 0, None)
        if exchange.unread:
            case.unread_reply = True
            rows.unread.append(case)


def _search_row(spec: SearchSpec, *, unit: Unit, facility_id: int, recorded_by: StaffMember) -> CellSearch:
    return CellSearch(
        unit=unit,
        facility_id=facility_id,
        area=spec.area,
        held_on=spec.held_on,
        phones_found=spec.phones,
        sim_cards_found=spec.sim_cards,
        chargers_found=spec.chargers,
        drugs_found=spec.drugs,
        weapons_found=spec.weapons,
        other_found=spec.other,
        recorded_by=recorded_by,
        created_at=_at(spec.held_on, 15),
    )


def _exhibits_build(
    rows: Rows,
    *,
    case: Case,
    case_key: bytes,
    spec: InvestigationSpec,
    search: CellSearch,
    keys: Keys,
    member: Callable[[int], StaffMember],
) -> None:
    """Add the phones a search seized: each an exhibit with its custody chain and its number's pseudonym."""
    for exhibit_spec in spec.exhibits:
        registrar = member(exhibit_spec.worker)
        exhibit = Exhibit(
            case=case,
            search=search,
            kind=ExhibitKind.PHONE,
            seized_on=exhibit_spec.seized_on,
            registered_by=registrar,
            created_at=_at(exhibit_spec.seized_on, 17),
        )
        exhibit.description_ct = envelope.seal_field(
            envelope.EXHIBIT,
            "description",
            case.public_id,
            exhibit.public_id,
            key=case_key,
            value=exhibit_spec.description,
        )
        holder: StaffMember | None = registrar
        chain: list[tuple[str, datetime.date, StaffMember | None, StaffMember | None, str]] = [
            (CustodyEntry.Kind.REGISTERED, exhibit_spec.seized_on, None, holder, "")
        ]
        if exhibit_spec.transferred_on is not None:
            receiver = member(exhibit_spec.receiver)
            if receiver != holder:
                chain.append((CustodyEntry.Kind.TRANSFERRED, exhibit_spec.transferred_on, holder, receiver, ""))
                holder = receiver
        if exhibit_spec.handed_over_on is not None:
            chain.append((CustodyEntry.Kind.HANDED_OVER, exhibit_spec.handed_over_on, holder, None, "Fiscalía"))
            holder = None
        exhibit.holder = holder
        exhibit.status = ExhibitStatus.HANDED_OVER if holder is None else ExhibitStatus.IN_CUSTODY
        rows.exhibits.append(exhibit)
        event_actor = exhibit.registered_by
        rows.events.append(
            CaseEvent(
                case=case,
                kind=CaseEvent.Kind.EXHIBIT_REGISTERED,
                actor=event_actor,
                at=_at(exhibit_spec.seized_on, 17),
            )
        )
        previous = FIRST_PREV_DIGEST
        for seq, (kind, day, from_member, to_member, outside) in enumerate(chain, start=1):
            entry = CustodyEntry(
                exhibit=exhibit,
                seq=seq,
                kind=kind,
                from_member=from_member,
                to_member=to_member,
                signed_by=from_member or to_member,
                at=_at(day, 17),
                prev_digest=previous,
            )
            if outside:
                entry.to_outside_ct = envelope.seal_field(
                    envelope.CUSTODY_ENTRY,
                    "to_outside",
                    case.public_id,
                    exhibit.public_id,
                    entry.public_id,
                    key=case_key,
                    value=outside,
                )
            entry.digest = previous = entry_digest(entry, exhibit_id=exhibit.public_id)
            rows.custody.append(entry)
        pseudonym = (
            keys.mention_writer.pseudonym(
                unit_id=case.unit_id, kind="phone", value=exhibit_spec.phone, facility_id=case.facility_id
            )
            if keys.mention_writer is not None
            else None
        )
        if pseudonym is not None:
            index_key_id, value = pseudonym
            identifier = ExhibitIdentifier(exhibit=exhibit, kind="phone", pseudonym=value, index_key_id=index_key_id)
            identifier.value_ct = envelope.seal_field(
                envelope.EXHIBIT_IDENTIFIER,
                "value",
                case.public_id,
                exhibit.public_id,
                identifier.public_id,
                key=case_key,
                value=exhibit_spec.phone,
            )
            rows.identifiers.append(identifier)


def routine_searches_ensure(*, seed: int, first_day: datetime.date, end_date: datetime.date, keys: Keys) -> int:
    """Write the routine searches (prompted by no tip) once: none are written if any exist. Return how many."""
    if CellSearch.objects.filter(prompted_by__isnull=True).exists():
        return 0
    facilities = {f.pk: f for f in Facility.objects.select_related("region__unit").filter(is_active=True)}
    rows = []
    for number, (facility_id, spec) in enumerate(
        routine_searches(seed=seed, facility_ids=sorted(facilities), first_day=first_day, end_date=end_date)
    ):
        unit = facilities[facility_id].region.unit
        recorded_by = keys.worker(unit, number)
        if recorded_by is not None:
            rows.append(_search_row(spec, unit=unit, facility_id=facility_id, recorded_by=recorded_by))
    CellSearch.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- adding the investigations to an existing database ------------------------------------------------------


@dataclass(frozen=True)
class BackfillPlan:
    seed: int
    escrow_private_key: bytes
    batch: int = 1000
    workers: int = 1
    end_date: datetime.date | None = None


@dataclass(frozen=True)
class BackfillResult:
    cases: int
    seconds: float
    routine_searches: int


@dataclass(frozen=True)
class _Context:
    plan: BackfillPlan
    pool: Pool
    keys: Keys
    end_date: datetime.date


_process_context: _Context | None = None


def _context(plan: BackfillPlan) -> _Context:
    from demo.writer import Keys

    return _Context(
        plan=plan,
        pool=build_pool(plan.seed),
        keys=Keys(mention_writer=mention_writer(plan.escrow_private_key)),
        end_date=plan.end_date or timezone.localdate(),
    )


def _investigating_days(case_ids: Sequence[int]) -> dict[int, datetime.date]:
    """Return the day each case went under investigation, from its timeline."""
    events = CaseEvent.objects.filter(
        case_id__in=case_ids, kind=CaseEvent.Kind.STATUS_CHANGED, to_status=CaseStatus.INVESTIGATING
    ).values_list("case_id", "at")
    return {case_id: timezone.localdate(at) for case_id, at in events}


# Statuses that say a case was investigated even when its timeline does not (a hand-made case, say).
_INVESTIGATED = (CaseStatus.INVESTIGATING, CaseStatus.SUBSTANTIATED, CaseStatus.UNSUBSTANTIATED)


def backfill_range(context: _Context, ids: range) -> int:
    """Add the investigation of the cases with ids in this range that have none yet; return how many got rows."""
    done = CaseEvent.objects.filter(case_id__gte=ids.start, case_id__lt=ids.stop, kind__in=EVENT_KINDS)
    cases = list(
        Case.objects.filter(pk__gte=ids.start, pk__lt=ids.stop)
        .exclude(pk__in=done.values("case_id"))
        .select_related("unit", "assignee__user")
        .order_by("pk")
    )
    investigating = _investigating_days([case.pk for case in cases])
    specs = []
    for case in cases:
        started = investigating.get(case.pk)
        if started is None and case.status in _INVESTIGATED:
            started = case.acknowledged_on or case.received_on
        facts = facts_of(case, investigating_on=started, end_date=context.end_date)
        spec = investigation_spec(seed=context.plan.seed, number=case.pk, facts=facts, pool=context.pool)
        if not spec.is_empty:
            specs.append((case, spec))
    asking = [case for case, spec in specs if spec.exchange is not None]
    tips = {link.case_id: link.tip for link in CaseTip.objects.filter(case__in=asking).select_related("tip")}
    escrow = context.plan.escrow_private_key
    rows = Rows()
    for case, spec in specs:
        tip = tips.get(case.pk)
        investigation_build(
            rows,
            case=case,
            case_key=envelope.open_record_key_with_escrow(envelope.CASE, case, escrow_private_key=escrow),
            spec=spec,
            keys=context.keys,
            tip=tip,
            data_key=envelope.open_tip_with_escrow(tip, escrow_private_key=escrow) if tip is not None else None,
        )
    written = len(specs)
    with transaction.atomic():
        rows.insert()
    return written


def _chunks(lo: int, hi: int, batch: int) -> Iterator[range]:
    for start in range(lo, hi + 1, batch):
        yield range(start, min(start + batch, hi + 1))


def _worker_init(plan: BackfillPlan) -> None:
    global _process_context
    # The parent closed its connections before forking: each child opens its own.
    _process_context = _context(plan)


def _worker_range(ids: range) -> int:
    assert _process_context is not None
    return backfill_range(_process_context, ids)


def backfill(plan: BackfillPlan, *, progress: Callable[[int, float], None] | None = None) -> BackfillResult:
    """Add the synthetic investigation to every case that has none, in batches of case ids, in parallel.

    Call `progress(cases done, seconds)` after each batch. Also writes the routine
    searches once (routine_searches_ensure).
    """
    started = time.perf_counter()
    facilities_ensure()
    context = _context(plan)
    bounds = Case.objects.aggregate(lo=Min("pk"), hi=Max("pk"), first=Min("received_on"))
    routine = 0
    if bounds["first"] is not None:
        routine = routine_searches_ensure(
            seed=plan.seed, first_day=bounds["first"], end_date=context.end_date, keys=context.keys
        )
    done = 0
    if bounds["lo"] is None:
        return BackfillResult(cases=0, seconds=time.perf_counter() - started, routine_searches=routine)
    chunks = _chunks(bounds["lo"], bounds["hi"], plan.batch)
    if plan.workers <= 1 or connections["default"].vendor == "sqlite":
        for ids in chunks:
            done += backfill_range(context, ids)
            if progress:
                progress(done, time.perf_counter() - started)
    else:
        connections.close_all()
        pool_context = multiprocessing.get_context("fork")
        with pool_context.Pool(plan.workers, initializer=_worker_init, initargs=(plan,)) as pool:
            for written in pool.imap_unordered(_worker_range, chunks):
                done += written
                if progress:
                    progress(done, time.perf_counter() - started)
    return BackfillResult(cases=done, seconds=time.perf_counter() - started, routine_searches=routine)
