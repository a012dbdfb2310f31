"""CSV exports: every aggregate the dashboard shows, with the same suppression, safe to open in a spreadsheet, audited."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from org.models import Facility
from tests.conftest import staff_client
from tests.trends.conftest import Desk, es
from tipline.models import Category
from trends.selectors import EXPORT_NAMES
from trends.tables import csv_safe
from trends.weeks import week_of

pytestmark = pytest.mark.django_db


def rows_of(response: object) -> list[list[str]]:
    content = response.content  # type: ignore[attr-defined]
    assert content.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so that spreadsheets read it as UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def manager(cast: dict[str, StaffMember]) -> Client:
    return staff_client("manager")


@pytest.fixture
def tips(desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    this_week = week_of(timezone.localdate())
    for _ in range(13):
        desk.submit(facilities["lurigancho"], on=this_week)
    for _ in range(3):
        desk.submit(facilities["trujillo"], on=this_week, category=Category.ABUSE)


def test_the_facility_export_has_the_dashboards_suppressed_and_rounded_counts(manager: Client, tips: None) -> None:
    response = manager.get("/staff/trends/export/facilities.csv")

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="trends-facilities-')
    rows = rows_of(response)
    assert rows[0] == [es(text) for text in ("Facility", "Region", "Tips", "Population", "Tips per 1,000 inmates")]
    assert rows[1] == ["E.P. Lurigancho (test)", "Lima", "10", "6500", "1.5"]
    assert rows[2] == ["E.P. Trujillo (test)", "Norte", "<5", "3300", "—"]


@pytest.mark.parametrize("name", EXPORT_NAMES)
def test_every_export_matches_its_table_on_the_page(manager: Client, tips: None, name: str) -> None:
    page = manager.get("/staff/trends/").content.decode()
    rows = rows_of(manager.get(f"/staff/trends/export/{name}.csv"))

    assert len(rows) >= (1 if name == "alerts" else 2)  # no spike in these few tips
    # No count below the threshold is written as a number: every small count is "<5".
    for row in rows[1:]:
        for value in row:
            assert value not in {"1", "2", "3", "4"}, (name, row)
    if name not in ("heatmap", "alerts"):  # dates, localized on the page; the page's alert list is shorter
        for column in rows[0]:
            assert column.replace("&", "&amp;") in page.replace("&#x27;", "'"), (name, column)


def test_cells_that_a_spreadsheet_would_run_are_quoted(
    desk: Desk, manager: Client, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    dangerous = ['=HYPERLINK("http://example.org")', "+1+2", "-3", "@SUM(A1)"]
    region = facilities["lurigancho"].region
    for name in dangerous:
        Facility.objects.create(name=name, region=region, population=100)

    rows = rows_of(manager.get("/staff/trends/export/facilities.csv"))

    names = [row[0] for row in rows[1:]]
    for name in dangerous:
        assert f"'{name}" in names
        assert name not in names


def test_csv_safe_quotes_only_formula_starts() -> None:
    assert csv_safe("=1+1") == "'=1+1"
    assert csv_safe("<5") == "<5"
    assert csv_safe("E.P. Lurigancho") == "E.P. Lurigancho"
    assert csv_safe("\t=1") == "'\t=1"


def test_an_export_is_written_to_the_audit_log_with_its_filters(manager: Client, tips: None) -> None:
    manager.get("/staff/trends/export/channels.csv", {"category": Category.PHONES})

    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).get()
    assert event.actor.get_username() == "manager"
    assert event.target_id == "channels"
    assert event.details["category"] == Category.PHONES
    assert event.details["week_to"] == week_of(timezone.localdate()).isoformat()
    assert datetime.date.fromisoformat(event.details["week_from"]) < week_of(timezone.localdate())
