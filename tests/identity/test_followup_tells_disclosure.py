"""The whistleblower reads at /followup/ their reserved code, and when and to whom (role and unit) it was disclosed."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from identity.services import disclosure_approve, disclosure_request
from org.models import Facility
from tests.factories import public_client, submit_tip
from tests.identity.conftest import CONTACT, REASON, vault_of

pytestmark = pytest.mark.django_db


def test_the_thread_tells_the_code_and_the_disclosure(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], custodian: StaffMember
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"], contact=CONTACT)
    identity = tip.reserved_identities.get()
    client = public_client("en")
    assert client.post("/followup/", {"receipt": receipt}).status_code == 302
    page = client.get("/followup/").content.decode()
    assert identity.code in page and "Your identity was disclosed" not in page

    request = disclosure_request(
        case=tip.case_link.case, identity=identity, actor=cast["lima_investigator"], reason=REASON
    )
    disclosure_approve(request=request, actor=custodian, vault=vault_of(custodian))
    page = client.get("/followup/").content.decode()
    assert "Your identity was disclosed on" in page
    assert "Investigator of Lima IA" in page
    assert "lima_investigator" not in page and CONTACT not in page
