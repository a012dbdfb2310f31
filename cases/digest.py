"""The unit's daily summary and the assignees' deadline reminders: counts, never content.

Nothing here reads a title, a note, a tip or a receipt: a mail can be forwarded,
printed or read over a shoulder, so it says only how many. The one exception is the
unit's open spike alerts (from the trends app, when installed): each names a
facility and a category with its counts, published like every trends count
("<5", or rounded down to a multiple of 5). What a count means is defined once, in
the selectors; the senders render them in Spanish and mail them at most once a day
per unit (or per assignee).

Trends builds on cases, so cases does not import it: trends gives its alerts to
`digest_spike_alerts_source` when it starts (trends/apps.py); without trends the
summary has no alerts section. Likewise the investigation app gives the tasks of
the cases' investigation plans to `digest_planned_tasks_source` (investigation/apps.py):
an assignee's reminder lists their tasks due soon or late, each as its due date and
a link to its case (what a task asks is encrypted and never mailed), and the unit's
summary counts its late tasks.

"At most once a day" is a claim row (DailyMailSent) with a unique constraint on kind,
unit (or staff member) and day: atomic across workers, and it survives a restart of
Redis, which keeps nothing on disk by default. Only the hint of when the unit's last
summary went out (for "new since") is kept in the cache.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import StaffMember
from cases.models import DUE_SOON_DAYS, Case, CaseEvent, DailyMailSent, open_deadline_before
from cases.statuses import CLOSED_STATUSES, OPEN_STATUSES
from org.models import Unit

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# How far back "new since the last summary" may reach when summaries were missed.
MAX_NEW_CASES_WINDOW_DAYS = 7
LAST_DIGEST_SECONDS = (MAX_NEW_CASES_WINDOW_DAYS + 1) * 24 * 60 * 60
MAIL_LANGUAGE = "es"

# --- selectors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitDigest:
    """What a unit's members are told each morning: numbers only."""

    unit_name: str
    day: datetime.date
    new_cases: int
    # Labels stay lazy: they are rendered in the mail's language.
    open_by_status: list[tuple[StrOrPromise, int]]
    acknowledge_due_soon: int
    acknowledge_overdue: int
    feedback_overdue: int
    protection_overdue: int
    unassigned: int
    # Open cases whose whistleblower answered and nobody who works them has opened them since.
    unread_replies: int = 0
    # Whistleblower replies received from `new_since` up to the day before the summary.
    replies_received: int = 0
    # From the spike alert source (trends.selectors.DigestAlert): facility, category and published counts.
    spike_alerts: tuple[Any, ...] = ()
    # From the planned task source: open tasks of the unit's open cases whose due date has passed.
    tasks_overdue: int = 0

    @property
    def open_total(self) -> int:
        return sum(count for _label, count in self.open_by_status)


@dataclass(frozen=True)
class TaskDue:
    """One open task of a case's investigation plan, as a reminder names it: its due date and its case only."""

    case_public_id: uuid.UUID
    due_on: datetime.date

    @property
    def case_path(self) -> str:
        return reverse("staff:case", kwargs={"public_id": self.case_public_id})


@dataclass(frozen=True)
class AssigneeDeadlines:
    """How many of one staff member's cases have a deadline passed, or due within DUE_SOON_DAYS; their tasks due."""

    member_id: int
    overdue: int
    due_soon: int
    unread_replies: int = 0
    # Their open tasks (of open cases) late or due within DUE_SOON_DAYS, earliest first.
    tasks: tuple[TaskDue, ...] = ()


def open_cases() -> QuerySet[Case]:
    return Case.objects.exclude(status__in=CLOSED_STATUSES)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def unit_digest(*, unit: Unit, day: datetime.date, new_since: datetime.date) -> UnitDigest:
    """Return the counts of a unit's morning summary for `day`.

    New cases are those received from `new_since` up to the day before `day`: cases
    carry the day they were received, not the time, so each day's cases are counted
    once, in the next morning's summary. Overdue means the deadline was before `day`.
    """
    soon = day + datetime.timedelta(days=DUE_SOON_DAYS)
    acknowledge_open = Q(acknowledged_on__isnull=True)
    counts = (
        open_cases()
        .filter(unit=unit)
        .aggregate(
            **{f"status_{status}": Count("pk", filter=Q(status=status)) for status in OPEN_STATUSES},
            acknowledge_due_soon=Count(
                "pk", filter=acknowledge_open & Q(acknowledge_due__gte=day, acknowledge_due__lte=soon)
            ),
            acknowledge_overdue=Count("pk", filter=acknowledge_open & Q(acknowledge_due__lt=day)),
            feedback_overdue=Count("pk", filter=Q(feedback_given_on__isnull=True, feedback_due__lt=day)),
            protection_overdue=Count("pk", filter=Q(protection_decided_on__isnull=True, protection_due__lt=day)),
            unassigned=Count("pk", filter=Q(assignee__isnull=True)),
            unread_replies=Count("pk", filter=Q(unread_reply=True)),
        )
    )
    return UnitDigest(
        unit_name=unit.name,
        day=day,
        # Closed ones too: a case received and closed the same day was still new.
        new_cases=Case.objects.filter(unit=unit, received_on__gte=new_since, received_on__lt=day).count(),
        open_by_status=[(status.label, counts[f"status_{status}"]) for status in OPEN_STATUSES],
        acknowledge_due_soon=counts["acknowledge_due_soon"],
        acknowledge_overdue=counts["acknowledge_overdue"],
        feedback_overdue=counts["feedback_overdue"],
        protection_overdue=counts["protection_overdue"],
        unassigned=counts["unassigned"],
        unread_replies=counts["unread_replies"],
        # Reply events are dated to their day's midnight, so whole days are counted, like new cases.
        replies_received=CaseEvent.objects.filter(
            case__unit=unit, kind=CaseEvent.Kind.REPLY_RECEIVED, at__gte=_midnight(new_since), at__lt=_midnight(day)
        ).count(),
        spike_alerts=_spike_alerts(unit=unit, day=day),
        tasks_overdue=_planned_task_source.unit_overdue(unit_id=unit.pk, day=day) if _planned_task_source else 0,
    )


class SpikeAlertSource(Protocol):
    """Return a unit's open spike alerts to list in its summary for `day` (trends.selectors.unit_spike_alerts)."""

    def __call__(self, *, unit_id: int, day: datetime.date) -> tuple[Any, ...]: ...


_spike_alert_source: SpikeAlertSource | None = None


def digest_spike_alerts_source(source: SpikeAlertSource | None) -> None:
    """Take the summaries' spike alerts from `source` from now on (None: no alerts section)."""
    global _spike_alert_source
    _spike_alert_source = source


def _spike_alerts(*, unit: Unit, day: datetime.date) -> tuple[Any, ...]:
    """Return the unit's open spike alerts of this week and last, if an app gives them (trends does)."""
    if _spike_alert_source is None:
        return ()
    return _spike_alert_source(unit_id=unit.pk, day=day)


class PlannedTaskSource(Protocol):
    """The open tasks of open cases' investigation plans, by assignee and by unit (investigation.selectors)."""

    def assignee_ids(self, *, due_before: datetime.date) -> list[int]:
        """Return the ids of the staff members with an open task due before `due_before`."""
        ...

    def assignee_tasks(self, *, member_id: int, due_before: datetime.date) -> tuple[TaskDue, ...]:
        """Return a staff member's open tasks due before `due_before`, earliest first."""
        ...

    def unit_overdue(self, *, unit_id: int, day: datetime.date) -> int:
        """Return how many open tasks of the unit's cases were due before `day`."""
        ...


_planned_task_source: PlannedTaskSource | None = None


def digest_planned_tasks_source(source: PlannedTaskSource | None) -> None:
    """Take the reminders' and summaries' planned tasks from `source` from now on (None: no tasks)."""
    global _planned_task_source
    _planned_task_source = source


def unit_digest_recipients(*, unit: Unit) -> list[str]:
    """Return the addresses of the unit's members (those holding its key) whose account is active."""
    addresses = (
        StaffMember.objects.filter(memberships__unit=unit, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    return sorted(addresses)


def _after_soon(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=DUE_SOON_DAYS + 1)


def assignees_with_deadlines(*, day: datetime.date) -> list[int]:
    """Return the ids of the staff members with an open case or a task overdue or due within DUE_SOON_DAYS of `day`,
    or an open case with an unread reply."""
    ids = set(
        open_cases()
        .filter(open_deadline_before(_after_soon(day)) | Q(unread_reply=True), assignee__isnull=False)
        .values_list("assignee", flat=True)
        .distinct()
        .order_by("assignee")
    )
    if _planned_task_source is not None:
        ids.update(_planned_task_source.assignee_ids(due_before=_after_soon(day)))
    return sorted(member_id for member_id in ids if member_id is not None)


def assignee_deadlines(*, member: StaffMember, day: datetime.date) -> AssigneeDeadlines:
    """Return how many of a staff member's assigned open cases are overdue, how many due soon, and their tasks due."""
    counts = (
        open_cases()
        .filter(assignee=member)
        .aggregate(
            overdue=Count("pk", filter=open_deadline_before(day)),
            due_by_soon=Count("pk", filter=open_deadline_before(_after_soon(day))),
            unread_replies=Count("pk", filter=Q(unread_reply=True)),
        )
    )
    # Every overdue case is also due by then; the others are due soon.
    tasks = (
        _planned_task_source.assignee_tasks(member_id=member.pk, due_before=_after_soon(day))
        if _planned_task_source
        else ()
    )
    return AssigneeDeadlines(
        member_id=member.pk,
        overdue=counts["overdue"],
        due_soon=counts["due_by_soon"] - counts["overdue"],
        unread_replies=counts["unread_replies"],
        tasks=tasks,
    )


# --- sending -----------------------------------------------------------------------------------------


@contextmanager
def _once_per_day(kind: str, owner_id: int, day: datetime.date) -> Iterator[bool]:
    """Yield whether this run is the first for (kind, owner, day); forget the claim if sending fails.

    The claim is a row with a unique constraint: of two runs at once, one inserts it.
    A run that fails releases its claim so a retry can send; a worker killed between
    the claim and the send keeps it, and that day's mail is lost rather than sent
    twice. Callers build the mail before claiming, so that window is the send alone.
    """
    claim = {"kind": kind, "owner_id": owner_id, "day": day}
    try:
        with transaction.atomic():
            DailyMailSent.objects.create(**claim)
        first = True
    except IntegrityError:
        first = False
    try:
        yield first
    except BaseException:
        if first:
            DailyMailSent.objects.filter(**claim).delete()
        raise


def _send_each(*, subject: str, body: str, recipients: Sequence[str]) -> int:
    # One message per person: members do not see each other's addresses.
    messages = [mail.EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
    return mail.get_connection().send_messages(messages) or 0


def unit_digest_send(*, unit: Unit, day: datetime.date) -> int:
    """Mail the unit's summary for `day` to each of its members, once; return how many mails were sent."""
    recipients = unit_digest_recipients(unit=unit)
    if (
        not recipients
        or DailyMailSent.objects.filter(kind=DailyMailSent.Kind.UNIT_DIGEST, owner_id=unit.pk, day=day).exists()
    ):
        return 0
    last_key = f"cases:digest:last:{unit.pk}"
    last = cache.get(last_key)
    earliest = day - datetime.timedelta(days=MAX_NEW_CASES_WINDOW_DAYS)
    new_since = max(datetime.date.fromisoformat(last), earliest) if last else day - datetime.timedelta(days=1)
    digest = unit_digest(unit=unit, day=day, new_since=new_since)
    with translation.override(MAIL_LANGUAGE):
        subject = _("[Tipline] Daily summary for %(unit)s") % {"unit": unit.name}
        body = render_to_string("cases/email/unit_digest.txt", {"digest": digest, "due_soon_days": DUE_SOON_DAYS})
    with _once_per_day(DailyMailSent.Kind.UNIT_DIGEST, unit.pk, day) as first:
        if not first:
            return 0
        sent = _send_each(subject=subject, body=body, recipients=recipients)
    if last is None or last < day.isoformat():
        cache.set(last_key, day.isoformat(), timeout=LAST_DIGEST_SECONDS)
    return sent


def assignee_reminder_send(*, member: StaffMember, day: datetime.date) -> int:
    """Mail a staff member how many of their cases are overdue or due soon, and their tasks due, once for `day`.

    Return 0 or 1.
    """
    address = member.user.email
    if not address or not member.user.is_active:
        return 0
    deadlines = assignee_deadlines(member=member, day=day)
    if deadlines.overdue == 0 and deadlines.due_soon == 0 and deadlines.unread_replies == 0 and not deadlines.tasks:
        return 0
    with translation.override(MAIL_LANGUAGE):
        subject = _("[Tipline] Your cases with deadlines")
        body = render_to_string(
            "cases/email/deadline_reminder.txt",
            {"deadlines": deadlines, "day": day, "due_soon_days": DUE_SOON_DAYS},
        )
    with _once_per_day(DailyMailSent.Kind.ASSIGNEE_REMINDER, member.pk, day) as first:
        if not first:
            return 0
        return _send_each(subject=subject, body=body, recipients=[address])
