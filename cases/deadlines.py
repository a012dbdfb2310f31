"""Deadline arithmetic: calendar days, and working days with Peru's public holidays."""

from __future__ import annotations

import datetime
from functools import cache

import holidays

# Peru: INPE and D.Leg. 1327 count working days Monday to Friday, without national holidays.
COUNTRY = "PE"


@cache
def _holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays(COUNTRY, years=[year]).keys())


def is_working_day(day: datetime.date) -> bool:
    """Return whether `day` is a working day in Peru (Monday to Friday, not a public holiday)."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """Return the date `days` working days after `start` (the start day itself is not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def add_days(start: datetime.date, days: int) -> datetime.date:
    """Return the date `days` calendar days after `start`."""
    return start + datetime.timedelta(days=days)
