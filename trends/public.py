"""The public figures (/results/): what reports led to, nationwide, by quarter, under the small-count rule.

Whistleblowers are more likely to report when they see that reporting leads somewhere.
The page shows, for the last four complete quarters and for the whole country (a
facility's figures would point at a small prison's staff and inmates): reports
received, of those reports the cases substantiated and the sanctions imposed so far,
and the phones seized in cell searches that a report prompted. Every figure is a
`Published` count (trends/suppression.py), exactly as the managers' dashboard shows it.

Reports, substantiated cases and sanctions are read from the roll-ups; a week belongs
to the quarter of its Thursday (ISO 8601's rule, as the dashboard's months). The phones
come from evidence_cellsearch, searches held in the quarter. The figures change once a
day at most: they are cached an hour per quarter set, once for both languages (they
hold numbers and dates only; the page itself is not cached, as it carries the language
form's CSRF token).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Sum

from evidence.models import CellSearch
from trends.models import CaseRollup, TipWeekRollup
from trends.suppression import Published, publish
from trends.weeks import week_of

QUARTERS_SHOWN = 4
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class QuarterFigures:
    """One quarter's figures, every one published."""

    first_day: datetime.date
    last_day: datetime.date
    reports: Published
    substantiated: Published
    sanctions: Published
    phones_seized: Published


def quarter_start(day: datetime.date) -> datetime.date:
    """Return the first day of the quarter `day` falls in."""
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _previous_quarter(start: datetime.date) -> datetime.date:
    return quarter_start(start - datetime.timedelta(days=1))


def complete_quarters(today: datetime.date, count: int = QUARTERS_SHOWN) -> list[tuple[datetime.date, datetime.date]]:
    """Return the first and last days of the `count` complete quarters before `today`, the latest first."""
    quarters = []
    start = quarter_start(today)
    for _ in range(count):
        previous = _previous_quarter(start)
        quarters.append((previous, start - datetime.timedelta(days=1)))
        start = previous
    return quarters


def _weeks_of(first_day: datetime.date, last_day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return the first and last Mondays of the weeks whose Thursday falls in the quarter."""
    thursday = datetime.timedelta(days=3)
    first = week_of(first_day)
    if first + thursday < first_day:
        first += datetime.timedelta(weeks=1)
    last = week_of(last_day)
    if last + thursday > last_day:
        last -= datetime.timedelta(weeks=1)
    return first, last


def _quarter(first_day: datetime.date, last_day: datetime.date) -> QuarterFigures:
    weeks = _weeks_of(first_day, last_day)
    reports = TipWeekRollup.objects.filter(week__range=weeks).order_by().aggregate(n=Sum("tips"))["n"]
    cases = (
        CaseRollup.objects.filter(week__range=weeks)
        .order_by()
        .aggregate(substantiated=Sum("substantiated"), sanctions=Sum("sanctions"))
    )
    phones = (
        CellSearch.objects.filter(held_on__range=(first_day, last_day), prompted_by__isnull=False)
        .order_by()
        .aggregate(n=Sum("phones_found"))["n"]
    )
    return QuarterFigures(
        first_day=first_day,
        last_day=last_day,
        reports=publish(reports or 0),
        substantiated=publish(cases["substantiated"] or 0),
        sanctions=publish(cases["sanctions"] or 0),
        phones_seized=publish(phones or 0),
    )


def public_figures(*, today: datetime.date) -> list[QuarterFigures]:
    """Return the figures of the last four complete quarters, the latest first, from the cache when fresh."""
    quarters = complete_quarters(today)
    key = f"trends:public-figures:{quarters[0][0].isoformat()}"
    figures: list[QuarterFigures] | None = cache.get(key)
    if figures is None:
        figures = [_quarter(first, last) for first, last in quarters]
        cache.set(key, figures, CACHE_SECONDS)
    return figures
