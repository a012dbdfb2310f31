"""A Lima tip whose whistleblower gave a contact (a reserved identity), and the steps of its disclosure."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case
from identity.models import DisclosureRequest
from identity.services import disclosure_request
from org.models import Facility
from tests.conftest import PASSWORD
from tests.factories import submit_tip
from tipline.models import ReservedIdentity, Tip

CONTACT = "CONTACT-CANARY-rosa-987654321"
REASON = "We must interview the witness about the visitors' Sunday route."


@dataclass(frozen=True)
class Reserved:
    tip: Tip
    case: Case
    identity: ReservedIdentity


@pytest.fixture
def reserved(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Reserved:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], contact=CONTACT)
    return Reserved(tip=tip, case=tip.case_link.case, identity=tip.reserved_identities.get())


@pytest.fixture
def asked(reserved: Reserved, cast: dict[str, StaffMember]) -> DisclosureRequest:
    """The Lima investigator's pending request for the reserved identity."""
    return disclosure_request(
        case=reserved.case, identity=reserved.identity, actor=cast["lima_investigator"], reason=REASON
    )


def vault_of(member: StaffMember) -> dict[str, bytes]:
    """Return what a login of `member` unlocks into the session vault."""
    return staff_unlock_keys(member=member, password=PASSWORD)
