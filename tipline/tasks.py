"""Background tasks of the public side.

Thin entry points with stable names; the beat schedule is in config/settings.py
(CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings

from tipline import storage

# A file that looks this old without an Attachment row is an orphan. The local store dates each file the
# start of its UTC day (tipline/storage.py), so it may look up to 24 hours older than it is: one day, plus a
# margin no request can outlast (a request saves a file and then its row, within seconds), leaves every file
# really six hours old at least. The nightly sweep (03:15 in Lima, 08:15 UTC) thus takes the orphans of the
# days before, and never a file from a request still running.
ORPHAN_AFTER_SECONDS = (24 + 6) * 60 * 60


@shared_task(name="tipline.sweep_orphan_attachments", time_limit=600, soft_time_limit=540)
def sweep_orphan_attachments() -> int:
    """Delete attachment files that no attachment names (left by aborted requests), once old; return how many.

    Then redate the day's uploads in a store that keeps each file's write time (an object store), so
    that none shows when it was sent (storage.upload_times_blur).
    """
    deleted = storage.orphans_delete(older_than_seconds=ORPHAN_AFTER_SECONDS)
    storage.upload_times_blur()
    return deleted


@shared_task(name="tipline.delete_expired_sessions", time_limit=300, soft_time_limit=240)
def delete_expired_sessions() -> None:
    """Delete expired sessions (Django's `clearsessions`): a follow-up session's row goes within the hour."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
