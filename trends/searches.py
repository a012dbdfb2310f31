"""Searches prompted by reports and what they found: the hit rate of tips, beside the tip counts.

Read straight from evidence_cellsearch with one grouped query (its `cell_search_by_day`
index covers the period): searches are thousands where tips are a million, and a
search's counts are clear metadata, never a tip's content. Scoped like the roll-ups:
the searches recorded by the member's units. Every count leaves as a `Published`,
and every hit rate is computed from published counts (trends/suppression.py).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from evidence.models import CellSearch
from tipline.models import SmugglingChannel
from trends.suppression import Published, publish, publish_share, rank
from trends.tables import Table, TableCell

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from trends.selectors import FacilityInfo, TrendFilters, TrendScope

PROMPTED = Q(prompted_by__isnull=False)
FOUND = (
    Q(phones_found__gt=0)
    | Q(sim_cards_found__gt=0)
    | Q(chargers_found__gt=0)
    | Q(drugs_found__gt=0)
    | Q(weapons_found__gt=0)
    | Q(other_found__gt=0)
)
# The exact tallies kept per group, in this order; only their published values leave the module.
MEASURES = {
    "prompted": Count("id", filter=PROMPTED),
    "prompted_found": Count("id", filter=PROMPTED & FOUND),
    "phones": Sum("phones_found", filter=PROMPTED),
    "sim_cards": Sum("sim_cards_found", filter=PROMPTED),
    "drugs": Sum("drugs_found", filter=PROMPTED),
    "weapons": Sum("weapons_found", filter=PROMPTED),
    "unprompted": Count("id", filter=~PROMPTED),
    "unprompted_found": Count("id", filter=~PROMPTED & FOUND),
}


@dataclass(frozen=True)
class SearchRow:
    """Searches prompted by a report, what they found, and the searches of the same rows no report prompted."""

    label: StrOrPromise
    prompted: Published
    prompted_found: Published
    prompted_hit_rate: Decimal | None
    phones: Published
    sim_cards: Published
    drugs: Published
    weapons: Published
    unprompted: Published
    unprompted_found: Published
    unprompted_hit_rate: Decimal | None


@dataclass(frozen=True)
class SearchResults:
    by_facility: list[SearchRow]
    by_channel: list[SearchRow]

    def tables(self) -> list[Table]:
        found = [_("Prompted by a report"), _("Found something"), _("Hit rate (%)")]
        items = [_("Phones found"), _("SIM cards found"), _("Drug seizures"), _("Weapons found")]
        return [
            Table(
                name="searches-by-facility",
                title=_("Searches prompted by reports, by facility"),
                columns=[
                    _("Facility"),
                    *found,
                    *items,
                    _("Not prompted by a report"),
                    _("Found something"),
                    _("Hit rate (%)"),
                ],
                rows=[
                    _cells(row) + [row.unprompted, row.unprompted_found, row.unprompted_hit_rate]
                    for row in self.by_facility
                ],
            ),
            Table(
                name="searches-by-channel",
                title=_("Searches prompted by reports, by the smuggling channel the report named"),
                columns=[_("Smuggling channel"), *found, *items],
                rows=[_cells(row) for row in self.by_channel],
            ),
        ]


def _cells(row: SearchRow) -> list[TableCell]:
    return [
        row.label,
        row.prompted,
        row.prompted_found,
        row.prompted_hit_rate,
        row.phones,
        row.sim_cards,
        row.drugs,
        row.weapons,
    ]


def _row(label: StrOrPromise, counts: dict[str, int]) -> SearchRow:
    published = {name: publish(counts.get(name, 0)) for name in MEASURES}
    return SearchRow(
        label=label,
        prompted_hit_rate=publish_share(published["prompted_found"], published["prompted"]),
        unprompted_hit_rate=publish_share(published["unprompted_found"], published["unprompted"]),
        **published,
    )


def _add(total: dict[str, int], row: dict[str, int | None]) -> None:
    for name in MEASURES:
        total[name] += row[name] or 0


def search_results(*, scope: TrendScope, filters: TrendFilters, facilities: Sequence[FacilityInfo]) -> SearchResults:
    """Return the searches held in the period, by facility and by channel, under the small-count rule.

    A chosen category narrows the prompted searches (their case's category); the
    searches no report prompted have no category and are all kept, as the comparison.
    """
    searches = CellSearch.objects.filter(
        held_on__range=(filters.week_from, filters.week_to + datetime.timedelta(days=6))
    )
    if scope.unit_ids is not None:
        searches = searches.filter(unit_id__in=sorted(scope.unit_ids))
    if filters.region_id is not None:
        searches = searches.filter(facility_id__in=[facility.id for facility in facilities])
    if filters.category:
        searches = searches.filter(~PROMPTED | Q(category=filters.category))
    by_facility: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_channel: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    everything: dict[str, int] = defaultdict(int)
    for row in searches.order_by().values("facility_id", "smuggling_channel").annotate(**MEASURES):
        _add(by_facility[row["facility_id"]], row)
        _add(by_channel[row["smuggling_channel"]], row)
        _add(everything, row)
    ranked = rank(
        facilities,
        count=lambda f: by_facility.get(f.id, {}).get("prompted", 0),
        name=lambda f: f.name,
        view=f"{filters.view}:searches",
    )
    return SearchResults(
        by_facility=[
            *(_row(facility.name, by_facility.get(facility.id, {})) for facility in ranked),
            _row(_("All"), everything),
        ],
        by_channel=[
            *(_row(label, by_channel.get(value, {})) for value, label in SmugglingChannel.choices),
            _row(_("All"), everything),
        ],
    )
