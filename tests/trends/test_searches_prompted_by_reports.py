"""Searches prompted by reports and what they found, beside the searches no report prompted, every cell published."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import Case
from evidence.models import CellSearch
from org.models import Facility
from tests.conftest import staff_client
from tests.trends.conftest import Desk, es
from tipline.models import Category, SmugglingChannel
from trends.searches import SearchRow
from trends.selectors import TrendFilters, TrendScope, trend_dashboard, trend_scope_for
from trends.weeks import week_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def searches(desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> datetime.date:
    """Lurigancho: 3 prompted (2 found something) and 6 not prompted (1 found). Trujillo: 10 prompted, 5 found, 12 phones."""
    day = week_of(timezone.localdate())
    lurigancho, trujillo = facilities["lurigancho"], facilities["trujillo"]
    lima_case = Case.objects.get(case_tips__tip=desk.submit(lurigancho, on=day))
    norte_case = Case.objects.get(
        case_tips__tip=desk.submit(trujillo, on=day, smuggling_channel=SmugglingChannel.THROWN)
    )
    recorder = cast["lima_supervisor"]

    def search(facility: Facility, case: Case | None, **found: Any) -> None:
        CellSearch.objects.create(
            unit=facility.region.unit,
            facility=facility,
            held_on=day,
            prompted_by=case,
            category=case.category if case else "",
            smuggling_channel=case.smuggling_channel if case else "",
            recorded_by=recorder,
            **found,
        )

    search(lurigancho, lima_case, phones_found=1)
    search(lurigancho, lima_case, drugs_found=1)
    search(lurigancho, lima_case)
    search(lurigancho, None, phones_found=2)
    for _ in range(5):
        search(lurigancho, None)
    for n in range(10):
        search(trujillo, norte_case, phones_found=3 if n < 4 else 0, sim_cards_found=1 if n == 4 else 0)
    return day


def _rows(actor: StaffMember, day: datetime.date) -> dict[str, SearchRow]:
    scope = trend_scope_for(member=actor)
    assert scope is not None
    dashboard = trend_dashboard(
        scope=scope, filters=TrendFilters(week_from=day, week_to=day), today=timezone.localdate()
    )
    return {str(row.label): row for row in dashboard.searches.by_facility}


def test_hit_rate_and_findings_by_facility(searches: datetime.date, cast: dict[str, StaffMember]) -> None:
    rows = _rows(cast["manager"], searches)

    trujillo = rows["E.P. Trujillo (test)"]
    assert (str(trujillo.prompted), str(trujillo.prompted_found), trujillo.prompted_hit_rate) == ("10", "5", 50)
    assert str(trujillo.phones) == "10"  # 12, rounded down like every count
    assert str(trujillo.sim_cards) == "<5"
    # A facility with 3 prompted searches shows "<5", and no hit rate that could be worked back.
    lurigancho = rows["E.P. Lurigancho (test)"]
    assert (str(lurigancho.prompted), str(lurigancho.prompted_found), lurigancho.prompted_hit_rate) == (
        "<5",
        "<5",
        None,
    )
    assert (str(lurigancho.unprompted), str(lurigancho.unprompted_found)) == ("5", "<5")
    assert list(rows)[0] == "E.P. Trujillo (test)", "ranked by prompted searches"


def test_by_channel_of_the_report(searches: datetime.date, cast: dict[str, StaffMember]) -> None:
    scope = TrendScope(unit_ids=None)
    dashboard = trend_dashboard(
        scope=scope, filters=TrendFilters(week_from=searches, week_to=searches), today=timezone.localdate()
    )
    by_channel = {str(row.label): row for row in dashboard.searches.by_channel}

    thrown = by_channel[str(SmugglingChannel.THROWN.label)]
    assert (str(thrown.prompted), thrown.prompted_hit_rate) == ("10", 50)
    assert str(by_channel[str(SmugglingChannel.VISITORS.label)].prompted) == "<5"


def test_a_supervisor_sees_only_the_searches_of_their_unit(
    searches: datetime.date, cast: dict[str, StaffMember]
) -> None:
    rows = _rows(cast["lima_supervisor"], searches)

    assert "E.P. Trujillo (test)" not in rows
    everything = list(rows.values())[-1]
    assert (str(everything.prompted), str(everything.unprompted)) == ("<5", "5")


def test_a_category_narrows_the_prompted_searches_only(searches: datetime.date, cast: dict[str, StaffMember]) -> None:
    filters = TrendFilters(week_from=searches, week_to=searches, category=Category.BRIBERY)
    dashboard = trend_dashboard(scope=TrendScope(unit_ids=None), filters=filters, today=timezone.localdate())
    everything = dashboard.searches.by_facility[-1]

    assert (str(everything.prompted), str(everything.unprompted)) == ("<5", "5")


def test_the_section_is_on_the_page(searches: datetime.date, cast: dict[str, StaffMember]) -> None:
    page = staff_client("manager").get("/staff/trends/").content.decode()

    section = page[page.index('id="searches-heading"') : page.index('id="indicators-heading"')]
    assert es("Searches prompted by reports, by facility") in section
    assert "E.P. Trujillo (test)" in section
    assert "50.0" in section or "50,0" in section
