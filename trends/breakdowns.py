"""The dashboard's breakdowns by facility: the heat map's periods and the first chart, prison by smuggling channel.

Built from exact counts the selectors hand in; every count leaves as a `Published` and
rows are ordered by `suppression.rank` (docs/patterns.md, "Rankings").
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tipline.models import Category, SmugglingChannel
from trends.suppression import Published, publish, rank

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from trends.selectors import FacilityInfo, RankRow, TrendFilters


@dataclass(frozen=True)
class Heatmap:
    """Facilities by periods, the latest period first: weeks (their Mondays) or months (their first days)."""

    by_month: bool
    periods: list[datetime.date]
    rows: list[tuple[FacilityInfo, list[Published]]]


@dataclass(frozen=True)
class ChannelMix:
    """Prison by smuggling channel for one category: rows ranked by their exact totals, cells published."""

    category: str
    channels: Sequence[tuple[str, StrOrPromise]]
    rows: list[tuple[FacilityInfo, list[Published], Published]]


def by_name(facility: FacilityInfo) -> str:
    return facility.name


# The heat map groups by month by default when more than this share of its weekly cells would show "<T".
MOSTLY_SUPPRESSED = 0.5


def month_of(week: datetime.date) -> datetime.date:
    """Return the first day of the month an ISO week belongs to: the month of its Thursday, as ISO 8601 counts weeks."""
    return (week + datetime.timedelta(days=3)).replace(day=1)


def heatmap_grouping(heat: str, by_cell: dict[tuple[int, datetime.date], int], cells: int) -> bool:
    """Return True to group the heat map by month: if asked, or if not asked and most weekly cells would be "<T"."""
    if heat in ("week", "month"):
        return heat == "month"
    shown = sum(1 for count in by_cell.values() if not publish(count).suppressed)
    return cells > 0 and (cells - shown) / cells > MOSTLY_SUPPRESSED


def heatmap_of(ranking: list[RankRow], by_cell: dict[tuple[int, datetime.date], int], filters: TrendFilters) -> Heatmap:
    by_month = heatmap_grouping(filters.heat, by_cell, len(ranking) * len(filters.weeks))
    if by_month:
        counts: dict[tuple[int, datetime.date], int] = defaultdict(int)
        for (facility_id, week), tips in by_cell.items():
            counts[(facility_id, month_of(week))] += tips
        periods = sorted({month_of(week) for week in filters.weeks}, reverse=True)
    else:
        counts = by_cell
        periods = list(reversed(filters.weeks))
    return Heatmap(
        by_month=by_month,
        periods=periods,
        rows=[(row.facility, [publish(counts.get((row.facility.id, p), 0)) for p in periods]) for row in ranking],
    )


# The category the first chart is drawn for when the filters do not choose one: how phones get in.
CHANNEL_MIX_DEFAULT = Category.PHONES


def channel_mix_of(
    facilities: list[FacilityInfo], counts: dict[tuple[int, str], int], category: str, view: str
) -> ChannelMix:
    """Return facilities by smuggling channel, facilities ranked by their exact totals for the category."""
    totals: dict[int, int] = defaultdict(int)
    for (facility_id, _channel), tips in counts.items():
        totals[facility_id] += tips
    ranked = rank(facilities, count=lambda f: totals.get(f.id, 0), name=by_name, view=view)
    channels = list(SmugglingChannel.choices)
    return ChannelMix(
        category=category,
        channels=channels,
        rows=[
            (
                facility,
                [publish(counts.get((facility.id, value), 0)) for value, _label in channels],
                publish(totals.get(facility.id, 0)),
            )
            for facility in ranked
        ],
    )
