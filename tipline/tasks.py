"""Background tasks of the public side.

Thin entry points with stable names; the beat schedule is in config/settings.py
(CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

from celery import shared_task

from tipline import storage

# A request cannot still be writing a file this old, so one without an Attachment row is an orphan.
ORPHAN_AFTER_SECONDS = 24 * 60 * 60


@shared_task(name="tipline.sweep_orphan_attachments", time_limit=600, soft_time_limit=540)
def sweep_orphan_attachments() -> int:
    """Delete attachment files older than a day that no attachment names (left by aborted requests); return how many."""
    return storage.orphans_delete(older_than_seconds=ORPHAN_AFTER_SECONDS)
