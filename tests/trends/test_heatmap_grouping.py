"""The heat map starts at the latest period, and groups weeks by month when most weekly cells would be "<5"."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.trends.conftest import Desk
from trends.weeks import week_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def few_tips(desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> datetime.date:
    this_week = week_of(timezone.localdate())
    for _ in range(6):
        desk.submit(facilities["lurigancho"], on=this_week)
    return this_week


def _heatmap(page: str) -> str:
    start = page.index('id="chart-heatmap-title"')
    return page[start : page.index("</svg>", start)]


def _column_labels(heatmap: str) -> list[str]:
    # Column labels are the muted texts above the first row (y=30).
    return re.findall(r'<text x="[\d.]+" y="30\.0"[^>]*>([^<]*)</text>', heatmap)


def test_mostly_suppressed_weeks_are_grouped_by_month_the_latest_first(
    few_tips: datetime.date, cast: dict[str, StaffMember]
) -> None:
    page = staff_client("manager").get("/staff/trends/", {"period": "52"}).content.decode()

    heatmap = _heatmap(page)
    labels = _column_labels(heatmap)
    assert 12 <= len(labels) <= 14
    assert labels[0] == date_format((few_tips + datetime.timedelta(days=3)).replace(day=1), "M Y")


def test_weeks_on_request_the_latest_week_first(few_tips: datetime.date, cast: dict[str, StaffMember]) -> None:
    page = staff_client("manager").get("/staff/trends/", {"period": "12", "heat": "week"}).content.decode()

    heatmap = _heatmap(page)
    assert _column_labels(heatmap)[0] == date_format(few_tips, "j M")
    assert ">5</text>" in heatmap
