"""The managers' dashboard in a real browser: charts drawn by the app, numbers behind them, no tip content.

A screenshot is kept under var/screenshots/ as a CI artifact.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import PASSWORD, totp_code
from tests.e2e.helpers import staff_login, submit
from tests.factories import submit_tip
from tipline.models import Category, SmugglingChannel, Tip

pytestmark = pytest.mark.e2e

CANARY = "DASHBOARD-CANARY-CONTENT"


def _spread_tips(facilities: dict[str, Facility]) -> None:
    """Twenty invented tips over the last weeks, with a canary in every description."""
    today = datetime.date.today()
    channels = [SmugglingChannel.VISITORS, SmugglingChannel.STAFF, SmugglingChannel.THROWN, SmugglingChannel.SUPPLIERS]
    for n in range(20):
        facility = facilities["lurigancho"] if n % 3 else facilities["trujillo"]
        tip, _receipt = submit_tip(
            facility=facility,
            category=Category.PHONES,
            smuggling_channel=channels[n % len(channels)],
            description=f"{CANARY} {n}",
        )
        Tip.objects.filter(pk=tip.pk).update(received_on=today - datetime.timedelta(days=7 * (n % 6)))


def test_a_manager_reads_the_dashboard_without_javascript(
    transactional_db: None,
    live_server: Any,
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    staff_page: Page,
    screenshot_dir: Path,
) -> None:
    _spread_tips(facilities)
    call_command("rebuild_rollups")
    # The manager's home is the dashboard: log in through the real form, then land there.
    staff_page.goto(f"{live_server.url}/staff/login/")
    staff_page.fill("input[name=username]", "manager")
    staff_page.fill("input[name=password]", PASSWORD)
    staff_page.fill("input[name=otp_token]", totp_code("manager"))
    submit(staff_page, "/staff/login/")
    staff_page.wait_for_url(f"{live_server.url}/staff/trends/")
    staff_page.goto(f"{live_server.url}/staff/trends/?period=12")
    expect(staff_page.locator("#trends-summary")).to_be_visible()
    # The first chart answers "where and how do phones get in": facilities by smuggling channel.
    expect(staff_page.locator("#channel-mix-heading")).to_be_visible()
    # Charts are inline SVG drawn by the server; each has a data table behind it.
    assert staff_page.locator("main svg").count() >= 3
    assert staff_page.locator("main details table").count() >= 3
    html = staff_page.content()
    assert CANARY not in html
    assert "/staff/cases/" not in html and "/staff/tips/" not in html
    # Nothing is loaded from another host (SVG's xmlns is a name, not a resource).
    assert not re.search(r'(src|href)="https?://', html.replace(live_server.url, ""))
    staff_page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)


def test_an_investigator_does_not_get_the_dashboard(
    transactional_db: None, live_server: Any, cast: dict[str, StaffMember], staff_page: Page
) -> None:
    staff_login(staff_page, live_server.url, "lima_investigator")
    response = staff_page.goto(f"{live_server.url}/staff/trends/")
    assert response is not None and response.status == 404
