"""Reads for the staff side: the queue, a case and its tips, and the keys to open them."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

import envelope
from accounts.keys import vault_unit_key_name
from accounts.models import Membership, StaffMember
from cases.models import DUE_SOON_DAYS, NO_DEADLINE, Case, CaseEvent, Note, Recusal, open_deadline_before
from cases.permissions import CaseActionRefused
from cases.services import TriageScore, case_key_open, case_triage, tip_data_key_open
from cases.statuses import CaseStatus
from tipline.models import Tip
from tipline.selectors import TipContent, tip_content

T = TypeVar("T")

QUEUE_PAGE_SIZE = 50


def cases_visible_to(*, member: StaffMember) -> QuerySet[Case]:
    """Return the cases of the units this member reads, without those they are recused from."""
    if not member.can_read_tips:
        return Case.objects.none()
    # Plain id lists, not subqueries: with `unit_id = ANY(...)` PostgreSQL walks the
    # (unit, next_due, id) index in order and stops at the page size.
    unit_ids = sorted(set(Membership.objects.filter(member=member).values_list("unit_id", flat=True)))
    cases = Case.objects.filter(unit_id__in=unit_ids)
    recused = list(Recusal.objects.filter(member=member).values_list("case_id", flat=True))
    return cases.exclude(pk__in=recused) if recused else cases


def case_visible_to(*, member: StaffMember, public_id: uuid.UUID) -> Case | None:
    """Return the case if this member may read it, else None (callers answer 404)."""
    return (
        cases_visible_to(member=member)
        .select_related("unit", "unit_keypair", "facility", "assignee__user")
        .filter(public_id=public_id)
        .first()
    )


def case_visible_or_404(*, member: StaffMember, public_id: uuid.UUID) -> Case:
    """Return the case if this member may read it; raise Http404 otherwise (it does not exist, for them)."""
    case = case_visible_to(member=member, public_id=public_id)
    if case is None:
        raise Http404
    return case


def tips_visible_to(*, member: StaffMember) -> QuerySet[Tip]:
    """Return the tips in the cases this member may read, newest first."""
    return (
        Tip.objects.filter(case_link__case__in=cases_visible_to(member=member))
        .select_related("facility", "unit")
        .order_by("-received_on", "-id")
    )


def tip_visible_to(*, member: StaffMember, public_id: uuid.UUID) -> Tip | None:
    """Return the tip if this member may read it, else None (callers answer 404)."""
    return tips_visible_to(member=member).select_related("unit_keypair").filter(public_id=public_id).first()


def tip_data_key(*, tip: Tip, vault: dict[str, bytes]) -> bytes | None:
    """Open a tip's data key with the unit key held in this session's vault, or None if it is not there."""
    if vault_unit_key_name(tip.unit_keypair_id) not in vault:
        return None
    return tip_data_key_open(tip=tip, vault=vault)


# --- the queue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What a unit's queue is narrowed to; empty strings mean "any"."""

    status: str = ""
    facility: int | None = None
    category: str = ""
    smuggling_channel: str = ""
    priority: str = ""
    assignee: str = ""  # "", "me", "none", or a StaffMember id
    overdue: bool = False
    include_closed: bool = False
    unread: bool = False  # only cases with an unread whistleblower reply
    awaiting_action: bool = False  # "awaiting my action": see awaiting_action_of


@dataclass(frozen=True)
class QueueRow:
    case: Case
    title: str


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    status_counts: list[tuple[str, str, int]]  # (status, label, count), every status
    today: datetime.date
    awaiting_action: int = 0  # how many cases await the member's action (the tab above the queue), up to the cap

    @property
    def awaiting_action_shown(self) -> str:
        """The tab's count: exact below AWAITING_COUNT_CAP, "99+" from there."""
        return str(self.awaiting_action) if self.awaiting_action < AWAITING_COUNT_CAP else f"{AWAITING_COUNT_CAP - 1}+"


def _filtered(*, member: StaffMember, filters: QueueFilters, with_status: bool = True) -> QuerySet[Case]:
    cases = cases_visible_to(member=member)
    if with_status and filters.status:
        cases = cases.filter(status=filters.status)
    elif with_status and not filters.include_closed:
        cases = cases.filter(closed_on__isnull=True)
    if filters.facility:
        cases = cases.filter(facility_id=filters.facility)
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.smuggling_channel:
        cases = cases.filter(smuggling_channel=filters.smuggling_channel)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.assignee == "me":
        cases = cases.filter(assignee=member)
    elif filters.assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        cases = cases.filter(assignee_id=int(filters.assignee))
    if filters.overdue:
        cases = cases.filter(next_due__lt=timezone.localdate())
    if filters.unread:
        cases = cases.filter(unread_reply=True)
    if filters.awaiting_action:
        cases = cases.filter(awaiting_action_of(member=member, day=timezone.localdate()))
    return cases


def awaiting_action_of(*, member: StaffMember, day: datetime.date) -> Q:
    """Match the open cases that need `member` now.

    That is, in a case assigned to them: the whistleblower replied and nobody read it
    yet; a deadline is past or due within DUE_SOON_DAYS; the case was received and not
    acknowledged. And in any open case, theirs or a colleague's: one of the member's
    investigation tasks is open and past or due as soon (the colleague who was given a
    task learns it here). The tasks are read through their relation (`tasks`), so cases
    does not import the investigation app; a subquery, so a case with two such tasks is
    listed once.
    """
    after_soon = day + datetime.timedelta(days=DUE_SOON_DAYS + 1)
    # Two indexed lookups joined by UNION (the member's open cases by case_open_by_assignee, their open tasks
    # by task_open_by_assignee): an OR in the outer query would scan every open case of the member's units.
    assigned_and_waiting = (
        Case.objects.filter(assignee=member, closed_on__isnull=True)
        .filter(
            Q(unread_reply=True)
            | open_deadline_before(after_soon)
            | Q(status=CaseStatus.RECEIVED, acknowledged_on__isnull=True)
        )
        .values("pk")
    )
    tasks_due = Case.objects.filter(
        closed_on__isnull=True, tasks__assignee=member, tasks__done_on__isnull=True, tasks__due_on__lt=after_soon
    ).values("pk")
    return Q(pk__in=assigned_and_waiting.union(tasks_due))


MAX_ID = 2**63 - 1
# The tab counts up to this many ("99+" beyond): a count never scans more than a page's worth of matches.
AWAITING_COUNT_CAP = 100


def parse_cursor(cursor: str) -> tuple[datetime.date, int] | None:
    """Return the (next_due, id) position after which the next page starts, or None."""
    try:
        due, _sep, pk_text = cursor.partition("_")
        position = datetime.date.fromisoformat(due), int(pk_text)
    except ValueError:
        return None
    # A hand-edited id beyond a 64-bit column would make the database raise, not match nothing.
    return position if 0 <= position[1] <= MAX_ID else None


def case_queue(*, member: StaffMember, filters: QueueFilters, cursor: str = "", vault: dict[str, bytes]) -> QueuePage:
    """Return one page of a member's queue, ordered by next deadline, with keyset pagination.

    The position is (next_due, id): each page is one index range scan on
    (unit, next_due, id), as fast on page 1,000 as on page 1.
    """
    cases = _filtered(member=member, filters=filters)
    position = parse_cursor(cursor) if cursor else None
    if position is not None:
        due, pk = position
        # A row-value comparison is one range on the (…, next_due, id) indexes, so the scan
        # starts at the cursor even where next_due is equal for many rows (closed cases).
        cases = cases.filter(
            RawSQL(  # noqa: S611 - values are bound parameters; the table name comes from the model  # nosec B611
                f'("{Case._meta.db_table}"."next_due", "{Case._meta.db_table}"."id") > (%s, %s)',
                (due, pk),
                output_field=BooleanField(),
            )
        )
    rows = list(
        cases.select_related("facility", "assignee__user", "unit", "unit_keypair")
        .defer("case_key_for_escrow", "closing_reason_ct")
        .order_by("next_due", "id")[: QUEUE_PAGE_SIZE + 1]
    )
    has_more = len(rows) > QUEUE_PAGE_SIZE
    rows = rows[:QUEUE_PAGE_SIZE]
    last = rows[-1] if rows else None
    counts = _status_counts(member=member, filters=filters)
    return QueuePage(
        rows=[QueueRow(case=case, title=case_title(case, vault)) for case in rows],
        next_cursor=f"{last.next_due.isoformat()}_{last.pk}" if has_more and last else None,
        status_counts=[(value, str(label), counts.get(value, 0)) for value, label in CaseStatus.choices],
        today=timezone.localdate(),
        awaiting_action=_awaiting_action_count(member=member, day=timezone.localdate()),
    )


def _minute_cached(name: str, *, member: StaffMember, parts: object, compute: Callable[[], T]) -> T:
    """Return `compute()` for this member and these parts, cached for QUEUE_COUNTS_CACHE_SECONDS.

    The queue's counts scan the unit's cases (hundreds of thousands at scale); a
    minute-old count is good enough for the tabs above the queue, while the rows
    themselves are always current. The key names the member's units, so a change of
    membership is a new key.
    """
    if settings.QUEUE_COUNTS_CACHE_SECONDS <= 0:
        return compute()
    key = (
        f"{name}:"
        + hashlib.sha256(
            repr((sorted(member.memberships.values_list("unit_id", flat=True)), member.pk, parts)).encode()
        ).hexdigest()
    )
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.QUEUE_COUNTS_CACHE_SECONDS)
    return value


def _status_counts(*, member: StaffMember, filters: QueueFilters) -> dict[str, int]:
    """Count the member's cases per status under the filters, cached for a minute (_minute_cached)."""
    return _minute_cached(
        "queue-counts", member=member, parts=filters, compute=lambda: _count_by_status(member=member, filters=filters)
    )


def _awaiting_action_count(*, member: StaffMember, day: datetime.date) -> int:
    """Count the cases awaiting the member's action, up to AWAITING_COUNT_CAP, cached for a minute."""
    return _minute_cached(
        "queue-awaiting",
        member=member,
        parts=day,
        compute=lambda: (
            cases_visible_to(member=member)
            .filter(awaiting_action_of(member=member, day=day))[:AWAITING_COUNT_CAP]
            .count()
        ),
    )


def _count_by_status(*, member: StaffMember, filters: QueueFilters) -> dict[str, int]:
    return dict(
        _filtered(member=member, filters=filters, with_status=False)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def case_title(case: Case, vault: dict[str, bytes]) -> str:
    """Return the case's decrypted title, or "" if this session lacks its key (or the case was deleted)."""
    if case.erased_on is not None:
        return ""
    try:
        return str(
            envelope.open_field(envelope.CASE, "title", case, case.public_id, key=case_key_open(case=case, vault=vault))
        )
    except (CaseActionRefused, envelope.CryptoError):
        # A key this session lacks (e.g. granted after login): the row shows without a title.
        return ""


# --- a case ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteView:
    author: str
    body: str
    created_at: datetime.datetime


@dataclass(frozen=True)
class CaseTipView:
    tip: Tip
    content: TipContent


@dataclass
class CaseView:
    case: Case
    title: str
    closing_reason: str
    triage: TriageScore
    tips: list[CaseTipView] = field(default_factory=list)
    notes: list[NoteView] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    deadlines: dict[str, datetime.date] = field(default_factory=dict)
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def has_next_due(self) -> bool:
        return self.case.next_due != NO_DEADLINE


def case_view(*, case: Case, vault: dict[str, bytes]) -> CaseView:
    """Decrypt everything the case page shows: title, notes, each tip and its thread."""
    case_key = case_key_open(case=case, vault=vault)
    case_fields = envelope.open_fields(envelope.CASE, case, case.public_id, key=case_key)
    tips = [
        CaseTipView(tip=tip, content=tip_content(tip=tip, data_key=tip_data_key_open(tip=tip, vault=vault)))
        for tip in Tip.objects.filter(case_link__case=case).select_related("facility", "unit_keypair").order_by("id")
    ]
    notes = [
        NoteView(
            author=note.author.user.get_username(),
            body=envelope.open_field(envelope.NOTE, "body", note, case.public_id, note.public_id, key=case_key),
            created_at=note.created_at,
        )
        for note in Note.objects.filter(case=case).select_related("author__user")
    ]
    return CaseView(
        case=case,
        title=case_fields["title"],
        closing_reason=case_fields["closing_reason"],
        triage=case_triage(case),
        tips=tips,
        notes=notes,
        events=case_timeline(case=case),
        deadlines=case.open_deadlines(),
    )


def case_timeline(*, case: Case) -> list[CaseEvent]:
    """Return the case's events in the order they happened.

    A whistleblower's events are stored at midnight of their day (DESIGN.md section
    8), so ordering by `at` would put a reply before the question sent that
    afternoon. Within a day the rows' insertion order (id) is the order of events.
    """
    return list(case.events.select_related("actor__user").order_by(TruncDate("at"), "id"))


def link_candidates(*, case: Case, member: StaffMember) -> QuerySet[Case]:
    """Return the open cases of the same unit this case could be linked with (the search is linking.link_search).

    A filtered queryset for a form to validate the chosen case against, never listed whole.
    """
    return (
        cases_visible_to(member=member)
        .filter(unit_id=case.unit_id, closed_on__isnull=True)
        .exclude(pk=case.pk)
        .select_related("facility")
    )


def unit_workers(*, case: Case) -> QuerySet[StaffMember]:
    """Return who can be assigned the case: reading members of its unit, not recused."""
    recused = Recusal.objects.filter(case=case).values("member_id")
    return (
        StaffMember.objects.filter(memberships__unit_id=case.unit_id, role__in=["investigator", "supervisor"])
        .exclude(pk__in=recused)
        .distinct()
        .select_related("user")
        .order_by("user__username")
    )
