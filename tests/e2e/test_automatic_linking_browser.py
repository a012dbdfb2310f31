"""Automatic linking in a real browser: two whistleblowers, no JavaScript, one guard in two spellings.

Two reports name the same guard, written differently, through the public form ->
the Lima investigator opens the first case: the second is already suggested, with a
score and the evidence in words, and the guard is listed as found by the machine ->
they say "not the same" -> the pair is no longer suggested, and the verdict is in the
audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils.translation import gettext_lazy as _
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from linking.models import TipLink, Verdict
from linking.scoring import EVIDENCE_LABELS
from org.models import Facility
from tests.e2e.conftest import STAFF_LOCALE
from tests.e2e.helpers import as_shown, staff_login, submit
from tipline.models import Tip

pytestmark = pytest.mark.e2e

REPORTS = (
    "DEMO: el técnico Ramiro Ccori Huamán del pabellón 2 cobra cupo por dejar pasar celulares.",
    "DEMO: el agente RAMIRO CORI WAMAN recibe coimas por los celulares del pabellón 2.",
)


def _report(page: Page, base: str, text: str) -> None:
    page.goto(f"{base}/report/")
    page.select_option("select[name=facility]", label="E.P. Lurigancho (test)")
    page.check("input[name=category][value=bribery]")
    page.select_option("select[name=smuggling_channel]", value="staff")
    page.select_option("select[name=when_period]", value="this_month")
    page.fill("textarea[name=description]", text)
    page.check("input[name=staff_involved][value=unknown]")
    submit(page, "/report/")
    expect(page.locator("#receipt")).to_be_visible()


def test_two_spellings_of_one_guard_are_linked_without_a_click_and_judged(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    public_page: Page,
    make_context: Callable[..., BrowserContext],
    screenshot_dir: Path,
) -> None:
    base = live_server.url
    from linking.services import index_keys_create_missing

    index_keys_create_missing()
    for text in REPORTS:
        _report(public_page, base, text)
    first, second = Tip.objects.order_by("pk")
    first_case, second_case = first.case_link.case, second.case_link.case

    investigator = make_context(locale=STAFF_LOCALE).new_page()
    staff_login(investigator, base, "lima_investigator")
    investigator.goto(f"{base}/staff/cases/{first_case.public_id}/")

    links = investigator.locator("#links-by-entity")
    expect(links.locator(f"a[href='/staff/cases/{second_case.public_id}/']")).to_have_count(1)
    expect(links.locator(".link-evidence")).to_contain_text(as_shown(investigator, EVIDENCE_LABELS["same_first_name"]))
    expect(links.locator(".link-evidence")).to_contain_text(
        as_shown(investigator, EVIDENCE_LABELS["different_spelling"])
    )
    expect(investigator.locator(".entity-machine").first).to_contain_text(
        as_shown(investigator, _("found by the machine"))
    )
    investigator.screenshot(path=str(screenshot_dir / "automatic-link.png"), full_page=True)

    verdict = links.locator("form.link-verdict")
    verdict.locator("button[value=not_same]").click()
    investigator.wait_for_url(f"{base}/staff/cases/{first_case.public_id}/")
    expect(investigator.locator(".alert-success")).to_contain_text(
        as_shown(investigator, _("Recorded: not the same matter. This pair will not be suggested again."))
    )
    expect(investigator.locator(f"a[href='/staff/cases/{second_case.public_id}/']")).to_have_count(0)
    assert TipLink.objects.get(tip_low=first, tip_high=second).verdict == Verdict.NOT_SAME
    assert AuditEvent.objects.filter(action=AuditAction.LINK_JUDGED, target_id=str(first_case.public_id)).exists()
