"""ISO weeks, named by their Monday: the time unit of every roll-up, chart and spike test."""

from __future__ import annotations

import datetime

WEEK = datetime.timedelta(weeks=1)


def week_of(day: datetime.date) -> datetime.date:
    """Return the Monday of the ISO week that `day` falls in."""
    return day - datetime.timedelta(days=day.weekday())


def week_end(week: datetime.date) -> datetime.date:
    """Return the Sunday of the week that starts on Monday `week`."""
    return week + datetime.timedelta(days=6)


def weeks_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Return the Mondays from the week of `first` to the week of `last`, both included."""
    start, stop = week_of(first), week_of(last)
    count = (stop - start).days // 7 + 1
    return [start + i * WEEK for i in range(max(0, count))]
