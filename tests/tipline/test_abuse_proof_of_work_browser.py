"""The proof-of-work script in a real browser with JavaScript on (Debian's chromium, as in tests/e2e).

It solves while the person writes, so a report goes through even when the bucket
is full; when it cannot solve in time it sends the report without a solution
after a few seconds, never blocking it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.conf import LazySettings
from playwright.sync_api import BrowserContext, Page

from accounts.models import StaffMember
from org.models import Facility
from tests.e2e.conftest import browser, make_context  # noqa: F401 - fixtures shared with the browser tests
from tests.e2e.helpers import RECEIPT_RE, submit
from tipline import abuse
from tipline.models import Tip

pytestmark = pytest.mark.e2e

DESCRIPTION = "Con JavaScript: el guardia del turno noche recibe paquetes por la ventana."


@pytest.fixture
def js_page(make_context: Callable[..., BrowserContext]) -> Page:  # noqa: F811 - the fixture imported above
    return make_context(java_script_enabled=True, locale="es-PE").new_page()


def fill_report(page: Page) -> None:
    page.select_option("select[name=facility]", label="E.P. Lurigancho (test)")
    page.check("input[name=category][value=phones]")
    page.select_option("select[name=when_period]", value="this_week")
    page.fill("textarea[name=description]", DESCRIPTION)
    page.check("input[name=staff_involved][value=no]")


def test_with_javascript_a_solved_report_goes_through_a_full_bucket(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    settings: LazySettings,
    fresh_cache: None,
    js_page: Page,
) -> None:
    settings.TIPLINE_POW_DIFFICULTY_BITS = 12
    # One budget of 2, split (TIPLINE_POW_LANE_PERCENT 50) into a common lane of 1 and a solved lane of 1.
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 1
    settings.TIPLINE_NEW_TIPS_BURST = 2
    settings.TIPLINE_POW_LANE_PERCENT = 50
    assert abuse.admit_new_tip().admission is abuse.Admission.AT_ONCE  # the common lane is empty now
    assert abuse.admit_new_tip().refused

    js_page.goto(f"{live_server.url}/report/")
    fill_report(js_page)
    submit(js_page, "/report/")

    assert RECEIPT_RE.match(js_page.locator("#receipt").inner_text().strip())
    assert Tip.objects.count() == 1
    assert abuse.counters_today()["new_tip_paid_with_work"] == 1


def test_with_javascript_an_unsolved_report_is_sent_without_a_solution_after_a_few_seconds(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    settings: LazySettings,
    fresh_cache: None,
    js_page: Page,
) -> None:
    settings.TIPLINE_POW_DIFFICULTY_BITS = 64  # out of reach
    js_page.goto(f"{live_server.url}/report/")
    fill_report(js_page)
    started = time.monotonic()
    submit(js_page, "/report/")

    assert time.monotonic() - started < 8
    assert RECEIPT_RE.match(js_page.locator("#receipt").inner_text().strip())
    assert Tip.objects.count() == 1
    assert abuse.counters_today()["new_tip_paid_with_work"] == 0
