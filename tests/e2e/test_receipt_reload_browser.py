"""In a real browser without JavaScript: report -> reload -> the same receipt, and no second report.

A reload of the receipt page makes the browser send the report form again; on a
slow link that is what a person does when the answer does not come. The page must
come back with the same tracking code, and the report must be stored once.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import StaffMember
from org.models import Facility
from tests.e2e.helpers import RECEIPT_RE, submit
from tipline.models import Tip

pytestmark = pytest.mark.e2e


def test_a_reload_of_the_receipt_page_shows_the_same_code_and_stores_one_report(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    public_page: Page,
    public_context: BrowserContext,
) -> None:
    base = live_server.url
    page = public_page
    page.goto(f"{base}/report/")
    page.select_option("select[name=facility]", label="E.P. Lurigancho (test)")
    page.check("input[name=category][value=phones]")
    page.select_option("select[name=smuggling_channel]", value="visitors")
    page.select_option("select[name=when_period]", value="date")
    page.fill("input[name=occurred_on]", "2026-11-01")
    page.fill("textarea[name=description]", "Los domingos entran celulares en las ollas de comida.")
    page.check("input[name=staff_involved][value=no]")
    submit(page, "/report/")
    receipt = page.locator("#receipt").inner_text().strip()
    assert RECEIPT_RE.match(receipt), receipt
    assert page.locator("#receipt-again").count() == 0

    # The reload sends the form again; the page comes back with the same code, said to be the same report.
    page.reload()
    expect(page.locator("#receipt")).to_have_text(receipt)
    expect(page.locator("#receipt-again")).to_be_visible()
    expect(page.locator("textarea[name=description]")).to_have_count(0)

    # No cookie remembers the report (DESIGN.md section 8: only the CSRF cookie and the follow-up session).
    assert {c["name"] for c in public_context.cookies()} <= {settings.CSRF_COOKIE_NAME}
    assert Tip.objects.count() == 1

    # Another report is one link away, with an empty form.
    page.locator("main a[href='/report/']").click()
    expect(page.locator("textarea[name=description]")).to_have_value("")
