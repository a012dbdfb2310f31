"""The custodian key is never granted to a member of a unit, nor to any role but the custodian's."""

from __future__ import annotations

import pytest

from accounts.keys import custodian_grant
from accounts.models import StaffMember
from org.models import CustodianKeyPair
from tests.conftest import CUSTODIAN_PRIVATE_KEYS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["lima_investigator", "lima_supervisor", "manager", "admin"])
def test_the_custodian_key_is_refused_to_other_roles_and_unit_members(cast: dict[str, StaffMember], name: str) -> None:
    keypair = CustodianKeyPair.active()
    assert keypair is not None
    with pytest.raises(ValueError):
        custodian_grant(member=cast[name], keypair=keypair, custodian_private_key=CUSTODIAN_PRIVATE_KEYS[keypair.pk])
    assert not cast[name].custodian_grants.exists()


def test_a_custodian_in_a_unit_cannot_hold_the_key(cast: dict[str, StaffMember], custodian: StaffMember) -> None:
    from accounts.keys import membership_grant, unit_keypair_create
    from org.models import Unit

    keypair, private_key = unit_keypair_create(unit=Unit.objects.get(slug="norte"))
    membership_grant(member=custodian, keypair=keypair, unit_private_key=private_key)
    custodian_keypair = CustodianKeyPair.active()
    assert custodian_keypair is not None
    with pytest.raises(ValueError):
        custodian_grant(
            member=custodian,
            keypair=custodian_keypair,
            custodian_private_key=CUSTODIAN_PRIVATE_KEYS[custodian_keypair.pk],
        )
