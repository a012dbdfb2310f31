"""Protection in a real browser with JavaScript off: open a report with its code, ask for protection, see the
decision once internal affairs records it, and report retaliation to get a new code."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import StaffMember
from cases.models import Case, CaseTip
from org.models import Facility
from protection.models import MeasureKind, ProtectionDecision, ProtectionMeasure
from tests.e2e.helpers import RECEIPT_RE, submit
from tests.factories import submit_tip
from tipline.models import Tip

pytestmark = pytest.mark.e2e


def _decide(tip: Tip, supervisor: StaffMember) -> None:
    """Record a granted decision with one measure, as the staff side would."""
    case = CaseTip.objects.get(tip=tip).case
    today = timezone.localdate()
    assert case.protection_due is not None
    Case.objects.filter(pk=case.pk).update(protection_decided_on=today)
    decision = ProtectionDecision.objects.create(
        case=case, granted=True, decided_by=supervisor, decided_on=today, due_on=case.protection_due
    )
    ProtectionMeasure.objects.create(
        case=case,
        decision=decision,
        kind=MeasureKind.DUTIES_CHANGED,
        granted_by=supervisor,
        granted_on=today,
        until=today + datetime.timedelta(days=90),
    )


def test_ask_for_protection_see_the_decision_and_report_retaliation(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    public_page: Page,
    screenshot_dir: Path,
) -> None:
    base = live_server.url
    tip, code = submit_tip(facility=facilities["lurigancho"])
    page = public_page

    page.goto(f"{base}/followup/")
    page.fill("input[name=receipt]", code)
    submit(page, "/followup/")
    expect(page.locator("#protection")).to_be_visible()

    page.fill("#protection textarea[name=contact]", "Rosa, 987 654 321")
    submit(page, "/followup/protection/")
    expect(page.locator("#protection-pending")).to_be_visible()
    tip.refresh_from_db()
    assert tip.protection_requested

    _decide(tip, cast["lima_supervisor"])
    page.reload()
    expect(page.locator("#protection-decision .protection-measures li")).to_have_count(1)

    page.locator("#report-retaliation").click()
    page.wait_for_url(f"{base}/followup/retaliation/")
    page.fill("textarea[name=description]", "Desde la denuncia me cambiaron de turno y me amenazan.")
    page.check("input[name=staff_involved][value=yes]")
    submit(page, "/followup/retaliation/")
    new_code = page.locator("#receipt").inner_text().strip()
    assert RECEIPT_RE.match(new_code) and new_code != code
    page.screenshot(path=str(screenshot_dir / "protection-retaliation-receipt.png"))

    page.goto(f"{base}/followup/")
    expect(page.locator("#retaliation-reports li")).to_have_count(1)
    assert Tip.objects.get(retaliation_for=tip).unit.kind == "national"
