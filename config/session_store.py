"""Database sessions whose stored expiry is rounded up to the hour (SESSION_ENGINE).

`django_session.expire_date` is the moment of the session's last save plus
SESSION_COOKIE_AGE. For the whistleblower who opens their report with a tracking
code, that is the time of their visit to the microsecond, readable by anyone with
the database or a backup (DESIGN.md section 8). Rounded up to the hour, the row says
only the hour, and a session lives at least SESSION_COOKIE_AGE (at most an hour more).
The cookie is unchanged: a browser-session cookie without a date. Expired rows are
deleted every hour (tipline.delete_expired_sessions); leaving the report deletes its
row at once (tipline/views.py).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

EXPIRY_GRANULARITY = datetime.timedelta(hours=1)


def hour_ceiling(moment: datetime.datetime) -> datetime.datetime:
    """Return the first whole hour at or after `moment` (an aware datetime stays aware, in its zone)."""
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + EXPIRY_GRANULARITY


class SessionStore(DatabaseSessionStore):
    """Django's database session store, storing an expiry that says only the hour."""

    def get_expiry_date(self, **kwargs: Any) -> datetime.datetime:
        """Return the session's expiry, rounded up to the whole hour."""
        return hour_ceiling(super().get_expiry_date(**kwargs))
