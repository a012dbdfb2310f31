"""Background tasks of the staff side: the morning summaries and deadline reminders.

Thin entry points: they take ids and an ISO day, and call cases/digest.py. Names
are explicit and stable (a renamed task strands the messages already queued). The
beat schedule is in config/settings.py (CELERY_BEAT_SCHEDULE).

The fan-out tasks queue their per-unit and per-assignee tasks directly: they write
nothing before queuing, so there is no commit to wait for (transaction.on_commit
would run them at once). Each per-unit or per-assignee task sends at most once a
day, so a fan-out run twice, or retried, sends nothing twice.
"""

from __future__ import annotations

import datetime
import smtplib

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from accounts.models import StaffMember
from cases.digest import assignee_reminder_send, assignees_with_deadlines, unit_digest_send
from org.models import Unit

# Retry a mail server or database that is down or refusing for a while: 1, 2, 4 minutes (with jitter).
# A failed run releases its claim on the day (cases/digest.py), so the retry sends.
MAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError, OperationalError),
    "retry_backoff": 60,
    "max_retries": 3,
}


def _day(day_iso: str | None) -> datetime.date:
    return datetime.date.fromisoformat(day_iso) if day_iso else timezone.localdate()


@shared_task(name="cases.send_daily_digests", time_limit=120, soft_time_limit=90)
def send_daily_digests(day_iso: str | None = None) -> int:
    """Queue one summary per unit for `day_iso` (default: today in Lima); return how many were queued."""
    day = _day(day_iso).isoformat()
    unit_ids = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
    for unit_id in unit_ids:
        send_unit_digest.delay(unit_id, day)
    return len(unit_ids)


@shared_task(name="cases.send_unit_digest", time_limit=120, soft_time_limit=90, **MAIL_RETRY)
def send_unit_digest(unit_id: int, day_iso: str) -> int:
    """Mail a unit's members its summary for `day_iso`, once; return how many mails were sent."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        return 0
    return unit_digest_send(unit=unit, day=datetime.date.fromisoformat(day_iso))


@shared_task(name="cases.send_deadline_reminders", time_limit=120, soft_time_limit=90)
def send_deadline_reminders(day_iso: str | None = None) -> int:
    """Queue a reminder for each assignee with cases overdue or due soon; return how many were queued."""
    day = _day(day_iso)
    member_ids = assignees_with_deadlines(day=day)
    for member_id in member_ids:
        send_assignee_reminder.delay(member_id, day.isoformat())
    return len(member_ids)


@shared_task(name="cases.send_assignee_reminder", time_limit=60, soft_time_limit=45, **MAIL_RETRY)
def send_assignee_reminder(member_id: int, day_iso: str) -> int:
    """Mail a staff member the counts of their cases overdue or due soon on `day_iso`, once; return 0 or 1."""
    member = StaffMember.objects.select_related("user").filter(pk=member_id).first()
    if member is None:
        return 0
    return assignee_reminder_send(member=member, day=datetime.date.fromisoformat(day_iso))
