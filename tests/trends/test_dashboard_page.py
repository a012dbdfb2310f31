"""The managers' dashboard: charts drawn as inline SVG with their numbers, a data table behind each, working filters."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.trends.conftest import Desk, es, summary_total
from tipline.models import Category, SmugglingChannel
from trends.weeks import week_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def this_week() -> datetime.date:
    return week_of(timezone.localdate())


@pytest.fixture
def manager(cast: dict[str, StaffMember]) -> Client:
    return staff_client("manager")


@pytest.fixture
def some_tips(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], this_week: datetime.date
) -> None:
    for _ in range(12):
        desk.submit(facilities["lurigancho"], on=this_week)
    for _ in range(6):
        desk.submit(facilities["lurigancho"], on=this_week, smuggling_channel=SmugglingChannel.THROWN)
    for _ in range(2):
        desk.submit(facilities["trujillo"], on=this_week, category=Category.BRIBERY)


def test_the_dashboard_draws_every_chart_as_inline_svg(manager: Client, some_tips: None) -> None:
    page = manager.get("/staff/trends/").content.decode()

    assert page.count("<svg") == 6  # weekly lines, two rankings, channels, heat map, deadlines
    assert 'role="img"' in page and "<title id=" in page


def test_the_page_keeps_to_the_content_security_policy(manager: Client, some_tips: None) -> None:
    page = manager.get("/staff/trends/").content.decode()

    assert "<script" not in page
    assert "<style" not in page
    assert not re.search(r"\sstyle=", page), "no style attribute: style-src 'self' refuses them"
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_every_chart_has_its_numbers_and_a_data_table(manager: Client, some_tips: None) -> None:
    page = manager.get("/staff/trends/").content.decode()

    assert page.count("<details") >= 5
    # Lurigancho: 18 tips, shown as 15; 12 by visitors shown as 10, 6 thrown over the wall as 5; Trujillo: "<5".
    facilities_table = page[page.index(f"{es('Tips by facility')}</caption>") :]
    # Columns: facility, region, tips, ...
    assert re.search(r"E\.P\. Lurigancho \(test\)</th><td[^>]*>Lima</td><td[^>]*>15</td>", facilities_table)
    assert re.search(r"E\.P\. Trujillo \(test\)</th><td[^>]*>Norte</td><td[^>]*>&lt;5</td>", facilities_table)
    # The heat map's cells carry their numbers, in the SVG itself.
    heatmap = page[page.index('id="chart-heatmap-title"') :]
    heatmap = heatmap[: heatmap.index("</svg>")]
    assert ">15</text>" in heatmap and ">&lt;5</text>" in heatmap


def test_filters_narrow_the_numbers(
    manager: Client, some_tips: None, facilities: dict[str, Facility], this_week: datetime.date
) -> None:
    norte = facilities["trujillo"].region_id
    page = manager.get("/staff/trends/", {"region": norte}).content.decode()
    assert "Lurigancho" not in page
    assert "Trujillo" in page

    phones_only = manager.get("/staff/trends/", {"category": Category.PHONES}).content.decode()
    assert summary_total(phones_only) == "15"

    earlier = this_week - datetime.timedelta(weeks=30)
    custom = {
        "period": "custom",
        "date_from": earlier.isoformat(),
        "date_to": (earlier + datetime.timedelta(days=6)).isoformat(),
    }
    empty = manager.get("/staff/trends/", custom).content.decode()
    assert summary_total(empty) == "&lt;5"


def test_a_period_that_is_not_valid_falls_back_to_the_last_twelve_weeks(manager: Client, some_tips: None) -> None:
    response = manager.get("/staff/trends/", {"period": "custom", "date_from": "2026-05-01", "date_to": "2020-01-01"})

    assert response.status_code == 200
    assert es("The period must start before it ends.") in response.content.decode()
    assert summary_total(response.content.decode()) == "20"


def test_the_managers_home_is_the_dashboard(manager: Client) -> None:
    response = manager.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/trends/"
