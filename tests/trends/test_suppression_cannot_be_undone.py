"""A suppressed count stays hidden: not derivable from a table's totals, nor by narrowing region, period or category.

Each test opens the dashboard the way a manager would, in several views, collects
every number shown, and asks (tests/trends/disclosure.py) which true counts are
consistent with all of them together. A suppressed count must keep at least two.
"""

from __future__ import annotations

import datetime

import pytest

from accounts.models import StaffMember
from cases.statuses import CaseStatus
from org.models import Facility, Region
from tests.trends.conftest import Desk
from tests.trends.disclosure import Constraint, disclosed
from tipline.models import Category
from trends.selectors import Dashboard, TrendFilters, TrendScope, trend_dashboard
from trends.suppression import Published

pytestmark = pytest.mark.django_db

W1 = datetime.date(2026, 3, 2)  # a Monday
W2 = W1 + datetime.timedelta(weeks=1)
COUNTRY = TrendScope(unit_ids=None, sees_pseudonyms=True)


def view(*, start: datetime.date, end: datetime.date, region: Region | None = None, category: str = "") -> Dashboard:
    filters = TrendFilters(
        week_from=start, week_to=end, region_id=region.pk if region else None, category=category, heat="week"
    )
    return trend_dashboard(scope=COUNTRY, filters=filters, today=W2 + datetime.timedelta(days=30))


def ranked(dashboard: Dashboard, facility: Facility) -> Published:
    return next(row.tips for row in dashboard.ranking if row.facility.id == facility.pk)


def cell(dashboard: Dashboard, facility: Facility, week: datetime.date) -> Published:
    values = next(values for info, values in dashboard.heatmap.rows if info.id == facility.pk)
    return values[dashboard.heatmap.periods.index(week)]


def weekly_total(dashboard: Dashboard, week: datetime.date) -> Published:
    return dashboard.weekly.totals[dashboard.weekly.weeks.index(week)]


def of(*cells: str) -> frozenset[str]:
    return frozenset(cells)


@pytest.fixture
def castro(facilities: dict[str, Facility]) -> Facility:
    """A second facility in the Lima region, so that Lima has two and Norte one."""
    return Facility.objects.create(
        name="E.P. Castro Castro (test)", region=facilities["lurigancho"].region, population=4400
    )


def test_a_facility_table_and_its_region_views_do_not_reveal_a_small_facility(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], castro: Facility
) -> None:
    lurigancho, trujillo = facilities["lurigancho"], facilities["trujillo"]
    truth = {"L": 7, "C": 7, "T": 4}
    for facility, name in ((lurigancho, "L"), (castro, "C"), (trujillo, "T")):
        for _ in range(truth[name]):
            desk.submit(facility, on=W1)
    country = view(start=W1, end=W1)
    lima = view(start=W1, end=W1, region=lurigancho.region)
    norte = view(start=W1, end=W1, region=trujillo.region)  # a region with one facility

    assert str(ranked(country, trujillo)) == "<5"
    assert str(norte.total) == "<5", "the one-facility region's total is that facility's count: suppressed too"
    constraints: list[Constraint] = [
        # The country: every facility's row, the total, the week's total, the heat map.
        (of("L"), ranked(country, lurigancho)),
        (of("C"), ranked(country, castro)),
        (of("T"), ranked(country, trujillo)),
        (of("L", "C", "T"), country.total),
        (of("L", "C", "T"), weekly_total(country, W1)),
        (of("L"), cell(country, lurigancho, W1)),
        (of("T"), cell(country, trujillo, W1)),
        # Narrowed to Lima, then to Norte.
        (of("L", "C"), lima.total),
        (of("L", "C"), weekly_total(lima, W1)),
        (of("L"), ranked(lima, lurigancho)),
        (of("C"), ranked(lima, castro)),
        (of("T"), norte.total),
        (of("T"), ranked(norte, trujillo)),
    ]

    assert disclosed(constraints, truth) == {}


def test_narrowing_the_period_does_not_reveal_a_small_week(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    lurigancho, trujillo = facilities["lurigancho"], facilities["trujillo"]
    truth = {"L1": 7, "L2": 6, "T1": 6, "T2": 3}
    for facility, week, name in (
        (lurigancho, W1, "L1"),
        (lurigancho, W2, "L2"),
        (trujillo, W1, "T1"),
        (trujillo, W2, "T2"),
    ):
        for _ in range(truth[name]):
            desk.submit(facility, on=week + datetime.timedelta(days=2))
    both = view(start=W1, end=W2)
    first = view(start=W1, end=W1)
    second = view(start=W2, end=W2)
    norte_both = view(start=W1, end=W2, region=trujillo.region)

    assert str(cell(both, trujillo, W2)) == "<5"
    constraints: list[Constraint] = [
        (of("L1"), cell(both, lurigancho, W1)),
        (of("L2"), cell(both, lurigancho, W2)),
        (of("T1"), cell(both, trujillo, W1)),
        (of("T2"), cell(both, trujillo, W2)),
        (of("L1", "L2"), ranked(both, lurigancho)),
        (of("T1", "T2"), ranked(both, trujillo)),
        (of("L1", "T1"), weekly_total(both, W1)),
        (of("L2", "T2"), weekly_total(both, W2)),
        (of("L1", "L2", "T1", "T2"), both.total),
        (of("L1"), ranked(first, lurigancho)),
        (of("T1"), ranked(first, trujillo)),
        (of("L1", "T1"), first.total),
        (of("L2"), ranked(second, lurigancho)),
        (of("T2"), ranked(second, trujillo)),
        (of("L2", "T2"), second.total),
        (of("T1", "T2"), norte_both.total),
        (of("T1", "T2"), ranked(norte_both, trujillo)),
    ]

    assert disclosed(constraints, truth) == {}


def test_narrowing_the_category_does_not_reveal_a_small_category(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    lurigancho = facilities["lurigancho"]
    truth = {"phones": 7, "bribery": 3}
    for category, name in ((Category.PHONES, "phones"), (Category.BRIBERY, "bribery")):
        for _ in range(truth[name]):
            desk.submit(lurigancho, on=W1, category=category)
    everything = view(start=W1, end=W1)
    phones = view(start=W1, end=W1, category=Category.PHONES)
    bribery = view(start=W1, end=W1, category=Category.BRIBERY)
    week_row = {series.label: series.values[0] for series in everything.weekly.series}

    assert str(week_row[Category.BRIBERY.label]) == "<5"
    constraints: list[Constraint] = [
        (of("phones"), week_row[Category.PHONES.label]),
        (of("bribery"), week_row[Category.BRIBERY.label]),
        (of("phones", "bribery"), everything.weekly.totals[0]),
        (of("phones", "bribery"), everything.total),
        (of("phones", "bribery"), ranked(everything, lurigancho)),
        (of("phones"), phones.total),
        (of("phones"), ranked(phones, lurigancho)),
        (of("bribery"), bribery.total),
    ]

    assert disclosed(constraints, truth) == {}


def test_an_outcome_table_does_not_reveal_a_small_outcome(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    lurigancho = facilities["lurigancho"]
    tips = [desk.submit(lurigancho, on=W1) for _ in range(8)]
    outcomes = [CaseStatus.SUBSTANTIATED] * 6 + [CaseStatus.REFERRED] * 2
    for tip, status in zip(tips, outcomes, strict=True):
        desk.update_case(tip.case_link.case, status=status, closed_on=W1 + datetime.timedelta(days=20))
    truth = {"substantiated": 6, "unsubstantiated": 0, "referred": 2, "not_actionable": 0}
    row = view(start=W1, end=W1).outcomes_by_category[0]

    assert str(row.referred) == "<5"
    assert row.substantiated_share is not None
    constraints: list[Constraint] = [
        (of("substantiated"), row.substantiated),
        (of("unsubstantiated"), row.unsubstantiated),
        (of("referred"), row.referred),
        (of("not_actionable"), row.not_actionable),
        (of("substantiated", "unsubstantiated", "referred", "not_actionable"), row.closed),
    ]

    assert disclosed(constraints, truth) == {}
