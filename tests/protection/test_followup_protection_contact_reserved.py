"""Contact details given when asking for protection at /followup/ are reserved for the identity custodian:
the unit's investigators see a code, never the details."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from cases.models import CaseTip
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.protection.followup import FOLLOWUP, open_followup, post_form
from tipline.models import ReservedIdentity

pytestmark = pytest.mark.django_db

CONTACT = "Rosa, celular 987 654 321, después de las 6"


def test_the_contact_is_reserved_and_the_investigator_does_not_see_it(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"])
    client = open_followup(code)
    page = client.get(FOLLOWUP).content.decode()
    assert "identity custodian" in page  # the person is told who can read it

    status, _html, _location = post_form(client, FOLLOWUP, "/followup/protection/", {"contact": CONTACT})

    assert status == 302
    identity = ReservedIdentity.objects.get(tip=tip)
    assert CONTACT.encode() not in bytes(identity.contact_ct)
    case = CaseTip.objects.get(tip=tip).case
    investigator = staff_client("lima_investigator")
    for url in (f"/staff/cases/{case.public_id}/", f"/staff/tips/{tip.public_id}/"):
        response = investigator.get(url)
        assert response.status_code == 200
        staff_page = response.content.decode()
        assert "987 654 321" not in staff_page
        assert "Rosa" not in staff_page
