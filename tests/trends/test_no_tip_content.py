"""A manager never reaches a tip's content through the trends: no text, no receipt, no link to a case or a tip."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import Case
from envelope.primitives import format_receipt
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.trends.conftest import Desk
from tipline.models import Tip
from trends.selectors import EXPORT_NAMES
from trends.weeks import week_of

pytestmark = pytest.mark.django_db

DESCRIPTION = "CANARY-DESCRIPTION el técnico Quispe entra celulares en el pabellón B"
CONTACT = "CANARY-CONTACT +51 987 654 321"


@pytest.fixture
def secrets(desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> list[str]:
    found = [DESCRIPTION, CONTACT]
    for _ in range(6):
        with desk.capture(execute=True):
            tip, receipt = submit_tip(facility=facilities["lurigancho"], description=DESCRIPTION, contact=CONTACT)
        found += [receipt, format_receipt(receipt), str(tip.public_id), str(tip.case_link.case.public_id)]
    return found


def test_no_dashboard_page_or_export_holds_tip_content(cast: dict[str, StaffMember], secrets: list[str]) -> None:
    manager: Client = staff_client("manager")
    week = week_of(timezone.localdate()).isoformat()
    responses = [manager.get("/staff/trends/"), manager.get("/staff/trends/", {"period": "52"})]
    responses += [manager.get(f"/staff/trends/export/{name}.csv", {"date_from": week}) for name in EXPORT_NAMES]

    for response in responses:
        assert response.status_code == 200
        body = response.content.decode("utf-8-sig")
        for secret in secrets:
            assert secret not in body
        assert "/staff/cases/" not in body and "/staff/tips/" not in body, "the dashboard links to no case or tip"


def test_the_dashboard_reads_no_tip_and_no_case(cast: dict[str, StaffMember], secrets: list[str]) -> None:
    """Every number comes from the roll-ups: the page runs without touching the tips or cases tables."""
    manager = staff_client("manager")
    with CaptureQueriesContext(connection) as queries:
        assert manager.get("/staff/trends/").status_code == 200

    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert Tip._meta.db_table not in tables
    assert Case._meta.db_table not in tables
