"""Who reaches the trends: managers (the whole country) and supervisors (their units); nobody else, not even by URL."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role, StaffMember
from org.models import Facility
from tests.conftest import _staff, staff_client
from tests.trends.conftest import Desk, summary_total
from tipline.models import StaffInvolved
from trends.weeks import week_of

pytestmark = pytest.mark.django_db

PAGES = ["/staff/trends/", "/staff/trends/export/facilities.csv", "/staff/trends/export/weekly.csv"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("actor", ["manager", "lima_supervisor"])
def test_managers_and_supervisors_get_the_trends(cast: dict[str, StaffMember], actor: str, page: str) -> None:
    assert staff_client(actor).get(page).status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("actor", ["lima_investigator", "norte_investigator", "national_investigator", "admin"])
def test_other_staff_get_a_404(cast: dict[str, StaffMember], actor: str, page: str) -> None:
    assert staff_client(actor).get(page).status_code == 404


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.AUDITOR])
def test_operators_and_auditors_get_a_404(cast: dict[str, StaffMember], role: str) -> None:
    _staff(f"a_{role}", role)

    assert staff_client(f"a_{role}").get("/staff/trends/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = Client().get("/staff/trends/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_an_unknown_export_is_a_404(cast: dict[str, StaffMember]) -> None:
    assert staff_client("manager").get("/staff/trends/export/tips.csv").status_code == 404


def test_a_supervisor_sees_only_what_was_routed_to_their_units(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    """A tip kept from the Lima unit (local staff involved: routed to the national unit) is not in Lima's counts."""
    this_week = week_of(timezone.localdate())
    for _ in range(5):
        desk.submit(facilities["lurigancho"], on=this_week)
    for _ in range(5):
        desk.submit(facilities["lurigancho"], on=this_week, staff_involved=StaffInvolved.YES)

    manager_page = staff_client("manager").get("/staff/trends/").content.decode()
    supervisor_page = staff_client("lima_supervisor").get("/staff/trends/").content.decode()

    assert summary_total(manager_page) == "10"
    assert summary_total(supervisor_page) == "5"
    assert 'id="pseudonyms-heading"' in manager_page
    assert 'id="pseudonyms-heading"' not in supervisor_page, "the pseudonym counts are country-wide: managers only"


def test_a_week_that_is_not_this_one_can_be_chosen(cast: dict[str, StaffMember]) -> None:
    start = week_of(timezone.localdate()) - datetime.timedelta(weeks=60)
    query = {
        "period": "custom",
        "date_from": start.isoformat(),
        "date_to": (start + datetime.timedelta(weeks=3)).isoformat(),
    }

    response = staff_client("manager").get("/staff/trends/export/weekly.csv", query)

    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").count("\r\n") == 1 + 4
