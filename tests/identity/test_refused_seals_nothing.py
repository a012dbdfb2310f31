"""A refused disclosure seals the identity to nobody, and the requester still reads only the code."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from identity.models import DisclosureGrant, DisclosureRequest, DisclosureStatus
from identity.services import disclosure_refuse
from tests.conftest import staff_client
from tests.identity.conftest import CONTACT, Reserved

pytestmark = pytest.mark.django_db


def test_a_refusal_seals_nothing(asked: DisclosureRequest, reserved: Reserved, custodian: StaffMember) -> None:
    disclosure_refuse(request=asked, actor=custodian)
    asked.refresh_from_db()
    assert asked.status == DisclosureStatus.REFUSED
    assert not DisclosureGrant.objects.exists()
    page = staff_client("lima_investigator").get(f"/staff/cases/{reserved.case.public_id}/").content.decode()
    assert CONTACT not in page
    assert reserved.identity.code in page
    assert "disclosure-refused" in page
