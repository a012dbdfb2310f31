"""The dashboard's first chart: prison by smuggling channel for one category, ranked by exact counts, cells published."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.trends.conftest import Desk, es
from tipline.models import Category, SmugglingChannel
from trends.selectors import TrendFilters, TrendScope, trend_dashboard
from trends.weeks import week_of

pytestmark = pytest.mark.django_db
COUNTRY = TrendScope(unit_ids=None)


@pytest.fixture
def this_week() -> datetime.date:
    return week_of(timezone.localdate())


@pytest.fixture
def phones(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], this_week: datetime.date
) -> dict[str, Facility]:
    """Lurigancho: 7 by visitors and 3 by staff (10). Trujillo: 6 thrown over the wall, and one bribery tip."""
    lurigancho, trujillo = facilities["lurigancho"], facilities["trujillo"]
    for _ in range(7):
        desk.submit(lurigancho, on=this_week)
    for _ in range(3):
        desk.submit(lurigancho, on=this_week, smuggling_channel=SmugglingChannel.STAFF)
    for _ in range(6):
        desk.submit(trujillo, on=this_week, smuggling_channel=SmugglingChannel.THROWN)
    desk.submit(trujillo, on=this_week, category=Category.BRIBERY)
    return facilities


def _view(this_week: datetime.date, category: str = "") -> list[tuple[str, list[str], str]]:
    filters = TrendFilters(week_from=this_week, week_to=this_week, category=category)
    mix = trend_dashboard(scope=COUNTRY, filters=filters, today=timezone.localdate()).channel_mix
    return [(facility.name, [str(cell) for cell in cells], str(total)) for facility, cells, total in mix.rows]


def test_phones_by_default_facilities_ranked_and_small_cells_suppressed(
    phones: dict[str, Facility], this_week: datetime.date
) -> None:
    channels = [value for value, _label in SmugglingChannel.choices]
    rows = _view(this_week)

    assert [name for name, _cells, _total in rows] == ["E.P. Lurigancho (test)", "E.P. Trujillo (test)"]
    lurigancho, trujillo = dict(zip(channels, rows[0][1], strict=True)), dict(zip(channels, rows[1][1], strict=True))
    assert (lurigancho["visitors"], lurigancho["staff"], rows[0][2]) == ("5", "<5", "10")
    assert (trujillo["thrown"], trujillo["visitors"], rows[1][2]) == ("5", "<5", "5")  # the bribery tip is not a phone


def test_another_category_is_drawn_when_chosen(phones: dict[str, Facility], this_week: datetime.date) -> None:
    rows = _view(this_week, Category.BRIBERY)

    assert all(total == "<5" for _name, _cells, total in rows)


def test_facilities_that_show_the_same_rounded_count_keep_their_exact_order(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], this_week: datetime.date
) -> None:
    """6 and 9 tips both show "5"; the 9 comes first. 1 and 4 tips both show "<5": by name, their counts hidden."""
    lima = facilities["lurigancho"].region
    aucallama = Facility.objects.create(name="E.P. Aucallama (test)", region=lima, population=2000)
    ancon = Facility.objects.create(name="E.P. Ancón (test)", region=lima, population=2000)
    for facility, count in ((facilities["lurigancho"], 6), (facilities["trujillo"], 9), (aucallama, 4), (ancon, 1)):
        for _ in range(count):
            desk.submit(facility, on=this_week)

    filters = TrendFilters(week_from=this_week, week_to=this_week)
    dashboard = trend_dashboard(scope=COUNTRY, filters=filters, today=timezone.localdate())

    expected = ["E.P. Trujillo (test)", "E.P. Lurigancho (test)", "E.P. Ancón (test)", "E.P. Aucallama (test)"]
    assert [row.facility.name for row in dashboard.ranking] == expected
    assert [str(row.tips) for row in dashboard.ranking] == ["5", "5", "<5", "<5"]
    assert [facility.name for facility, _cells, _total in dashboard.channel_mix.rows] == expected


def test_the_page_shows_it_first_as_a_shaded_table(phones: dict[str, Facility], cast: dict[str, StaffMember]) -> None:
    page = staff_client("manager").get("/staff/trends/").content.decode()

    first_chart = page.index('id="channel-mix-heading"')
    assert first_chart < page.index('id="weekly-heading"') < page.index('id="heatmap-heading"')
    assert es(str(Category.PHONES.label)) in page[first_chart : first_chart + 200]
    table = page[first_chart : page.index('id="weekly-heading"')]
    # Columns: does not apply, visitors, staff, ...: the visitors' cell is shaded, the staff's "<5" is not.
    assert re.search(
        r'E\.P\. Lurigancho \(test\)</th><td class="text-end text-body-secondary">&lt;5</td>'
        r'<td class="text-end trends-heat-\d">5</td><td class="text-end text-body-secondary">&lt;5</td>',
        table,
    )


def test_no_chart_text_is_smaller_than_twelve_pixels(phones: dict[str, Facility], cast: dict[str, StaffMember]) -> None:
    page = staff_client("manager").get("/staff/trends/", {"period": "52"}).content.decode()

    sizes = {int(size) for size in re.findall(r'font-size="(\d+)"', page)}
    assert sizes and min(sizes) >= 12
