"""Only an identity custodian who belongs to no unit approves a disclosure; never the member who asked."""

from __future__ import annotations

import pytest

from accounts.keys import membership_grant, unit_keypair_create
from accounts.models import StaffMember
from cases.permissions import CaseActionRefused
from identity.models import DisclosureGrant, DisclosureRequest, DisclosureStatus
from identity.services import disclosure_approve, disclosure_refuse
from org.models import Unit
from tests.identity.conftest import vault_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["lima_investigator", "lima_supervisor", "national_investigator", "manager", "admin"])
def test_no_one_but_a_custodian_approves_or_refuses(
    asked: DisclosureRequest, cast: dict[str, StaffMember], custodian: StaffMember, name: str
) -> None:
    member = cast[name]
    with pytest.raises(CaseActionRefused):
        disclosure_approve(request=asked, actor=member, vault=vault_of(member))
    with pytest.raises(CaseActionRefused):
        disclosure_refuse(request=asked, actor=member)
    asked.refresh_from_db()
    assert asked.status == DisclosureStatus.PENDING
    assert not DisclosureGrant.objects.exists()


def test_a_custodian_approves_and_the_identity_is_sealed_to_the_requester_only(
    asked: DisclosureRequest, cast: dict[str, StaffMember], custodian: StaffMember
) -> None:
    disclosure_approve(request=asked, actor=custodian, vault=vault_of(custodian))
    asked.refresh_from_db()
    assert asked.status == DisclosureStatus.APPROVED
    assert asked.decided_by == custodian and asked.decided_on is not None
    assert list(DisclosureGrant.objects.values_list("member", flat=True)) == [cast["lima_investigator"].pk]


def test_a_decided_request_cannot_be_decided_again(asked: DisclosureRequest, custodian: StaffMember) -> None:
    disclosure_refuse(request=asked, actor=custodian)
    with pytest.raises(CaseActionRefused):
        disclosure_approve(request=asked, actor=custodian, vault=vault_of(custodian))
    assert not DisclosureGrant.objects.exists()


def test_a_custodian_who_joined_a_unit_decides_nothing(
    asked: DisclosureRequest, custodian: StaffMember, units: dict[str, Unit]
) -> None:
    keypair, private_key = unit_keypair_create(unit=units["norte"])
    membership_grant(member=custodian, keypair=keypair, unit_private_key=private_key)
    with pytest.raises(CaseActionRefused):
        disclosure_approve(request=asked, actor=custodian, vault=vault_of(custodian))
    assert not DisclosureGrant.objects.exists()


def test_the_requester_cannot_approve_their_own_request(
    asked: DisclosureRequest, cast: dict[str, StaffMember], custodian: StaffMember
) -> None:
    # Even were the requester's row turned into a custodian's, their own request is not theirs to decide.
    requester = cast["lima_investigator"]
    requester_as_custodian = StaffMember.objects.get(pk=requester.pk)
    requester_as_custodian.role = custodian.role
    with pytest.raises(CaseActionRefused):
        disclosure_approve(request=asked, actor=requester_as_custodian, vault=vault_of(requester))
    assert not DisclosureGrant.objects.exists()
