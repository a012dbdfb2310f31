"""The nightly deletion of cases past their retention schedule (beat: config/settings.py CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from retention.services import cases_erase_due


@shared_task(name="retention.erase_due_cases", time_limit=1800, soft_time_limit=1700)
def erase_due_cases(day_iso: str | None = None) -> int:
    """Delete every case due by `day_iso` (default: today in Lima); return how many were deleted.

    Idempotent: a deleted case is never due again, so a run sent twice deletes nothing twice.
    """
    day = datetime.date.fromisoformat(day_iso) if day_iso else timezone.localdate()
    return len(cases_erase_due(today=day))
