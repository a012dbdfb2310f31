"""A custodian approves a disclosure in a real browser (issue 14): the investigator asks with a reason, the
custodian reads it and approves, and the investigator then reads the contact the unit never saw before.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from accounts.models import StaffMember
from identity.models import DisclosureRequest, DisclosureStatus
from org.models import Facility
from tests.conftest import PASSWORD, totp_code
from tests.e2e.helpers import staff_login, submit
from tests.factories import submit_tip

pytestmark = pytest.mark.e2e

CONTACT = "Rosa, 987 654 321, llamar de noche"
REASON = "Necesitamos entrevistar a la testigo sobre la ruta de las visitas del domingo."


def test_a_custodian_approves_a_disclosure_and_the_investigator_reads_the_contact(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    cast: dict[str, StaffMember],
    custodian: StaffMember,
    facilities: dict[str, Facility],
    make_context: Callable[..., BrowserContext],
) -> None:
    base = live_server.url
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], contact=CONTACT)
    identity = tip.reserved_identities.get()
    case_path = f"/staff/cases/{tip.case_link.case.public_id}/"

    # The investigator sees the code, not the contact, and asks with a reason.
    investigator = make_context().new_page()
    staff_login(investigator, base, "lima_investigator")
    investigator.goto(f"{base}{case_path}")
    expect(investigator.locator(".identity-code").first).to_have_text(identity.code)
    assert CONTACT not in investigator.content()
    ask_action = f"/staff/identity/reserved/{identity.public_id}/ask/"
    investigator.locator(f"form[action='{ask_action}']").locator("xpath=..").locator("summary").click()
    investigator.fill(f"form[action='{ask_action}'] textarea[name=reason]", REASON)
    submit(investigator, ask_action)
    expect(investigator.locator(".disclosure-pending")).to_have_count(1)
    request = DisclosureRequest.objects.get()

    # The custodian logs in, lands on the requests, opens this one, reads the reason and approves.
    custodian_page = make_context().new_page()
    custodian_page.goto(f"{base}/staff/login/")
    custodian_page.fill("input[name=username]", "custodian")
    custodian_page.fill("input[name=password]", PASSWORD)
    custodian_page.fill("input[name=otp_token]", totp_code("custodian"))
    submit(custodian_page, "/staff/login/")
    custodian_page.wait_for_url(f"{base}/staff/identity/")
    assert CONTACT not in custodian_page.content()
    custodian_page.locator(f"a[href='/staff/identity/requests/{request.public_id}/']").click()
    expect(custodian_page.locator("#disclosure-reason")).to_have_text(REASON)
    submit(custodian_page, f"/staff/identity/requests/{request.public_id}/approve/")
    custodian_page.wait_for_url(re.compile(rf"/staff/identity/requests/{request.public_id}/$"))
    request.refresh_from_db()
    assert request.status == DisclosureStatus.APPROVED
    assert CONTACT not in custodian_page.content()

    # The investigator reloads the case and reads the contact.
    investigator.reload()
    expect(investigator.locator(".disclosed-contact")).to_have_text(CONTACT)
