"""create_custodian_key makes a new active custodian key and grants it to the named custodians only."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, StaffMember
from org.models import CustodianKeyPair, Unit
from tests.conftest import _staff

pytestmark = pytest.mark.django_db


def test_the_command_grants_a_new_key_to_a_custodian(units: dict[str, Unit]) -> None:
    before = CustodianKeyPair.active()
    rosa = _staff("rosa", Role.CUSTODIAN)
    call_command("create_custodian_key", grant_to=["rosa"], stdout=io.StringIO())
    keypair = CustodianKeyPair.active()
    assert keypair is not None and keypair != before
    assert list(rosa.custodian_grants.values_list("keypair", flat=True)) == [keypair.pk]


def test_the_command_refuses_a_unit_member(cast: dict[str, StaffMember]) -> None:
    before = CustodianKeyPair.active()
    with pytest.raises(CommandError):
        call_command("create_custodian_key", grant_to=["lima_investigator"], stdout=io.StringIO())
    assert CustodianKeyPair.active() == before
