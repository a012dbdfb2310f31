"""Fixtures for evidence: the suite's cast with index keys, a Lima case, and an exhibit its investigator holds."""

from __future__ import annotations

import datetime

import pytest

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case
from evidence.models import Exhibit, ExhibitKind
from evidence.services import exhibit_register
from linking.services import index_keys_create_missing
from org.models import Facility
from tests.conftest import PASSWORD
from tests.factories import submit_tip

DESCRIPTION = "Samsung negro con funda roja, hallado bajo el colchón"


@pytest.fixture
def cast(cast: dict[str, StaffMember]) -> dict[str, StaffMember]:
    """The suite's cast, and the index keys sealed to their units' keys."""
    index_keys_create_missing()
    return cast


def vault_of(member: StaffMember) -> dict[str, bytes]:
    """Return what a login puts in the member's session vault."""
    return staff_unlock_keys(member=member, password=PASSWORD)


@pytest.fixture
def case(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Case:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Un celular en la celda 12.")
    return tip.case_link.case


@pytest.fixture
def exhibit(case: Case, cast: dict[str, StaffMember]) -> Exhibit:
    """A phone registered by the Lima investigator, who holds it."""
    investigator = cast["lima_investigator"]
    return exhibit_register(
        case=case,
        kind=ExhibitKind.PHONE,
        description=DESCRIPTION,
        seized_on=datetime.date.today(),
        actor=investigator,
        vault=vault_of(investigator),
    )
