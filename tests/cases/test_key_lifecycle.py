"""The unit keys follow the people: who reads which tip after adding, removing, rotating and resetting."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

import envelope
from accounts import security
from accounts.keys import membership_grant, staff_member_create, staff_unlock_keys, unit_private_key_from_escrow
from accounts.models import Membership, Role, StaffMember
from accounts.services import staff_keys_choose
from audit.models import AuditAction, AuditEvent
from audit.services import audit_verify
from cases import members
from cases.models import Case
from cases.permissions import CaseActionRefused
from envelope import primitives as crypto
from org.models import Facility, Unit, UnitKeyPair
from tests.conftest import PASSWORD, staff_client, totp_code
from tests.factories import submit_tip
from tipline.models import Tip

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 77"
# What the person chooses after an administrator's reset (NEW_PASSWORD is then the temporary one).
OWN_PASSWORD = "only i know this one 31"


@pytest.fixture(autouse=True)
def own_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count this test's failed logins apart from every other test's (the cache may be a shared Redis)."""
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"test-{uuid.uuid4()}")


@pytest.fixture
def newcomer(cast: dict[str, StaffMember]) -> StaffMember:
    user = get_user_model().objects.create_user(username="newcomer", password=PASSWORD)
    return staff_member_create(user=user, role=Role.INVESTIGATOR, password=PASSWORD)


def vault_of(member: StaffMember) -> dict[str, bytes]:
    """Return what the member's session vault holds right after logging in."""
    return staff_unlock_keys(member=member, password=PASSWORD)


def tip_url(tip: Tip) -> str:
    return f"/staff/tips/{tip.public_id}/"


def case_url(tip: Tip) -> str:
    return f"/staff/cases/{tip.case_link.case.public_id}/"


def reads(client: Client, tip: Tip, text: str) -> bool:
    """Return whether the client reads the tip's text on its page and on its case's page."""
    pages = [client.get(tip_url(tip)), client.get(case_url(tip))]
    return all(page.status_code == 200 and text in page.content.decode() for page in pages)


def lima_tip(facilities: dict[str, Facility], description: str) -> Tip:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description=description)
    return tip


def escrow_key() -> bytes:
    key: bytes = settings.TEST_ESCROW_PRIVATE_KEY
    return key


# --- adding --------------------------------------------------------------------------------------------


def test_a_newcomer_added_by_the_supervisor_reads_the_units_earlier_tips(
    cast: dict[str, StaffMember], newcomer: StaffMember, facilities: dict[str, Facility]
) -> None:
    old_tip = lima_tip(facilities, "written before the newcomer joined")
    assert staff_client("newcomer").get(tip_url(old_tip)).status_code == 404

    supervisor = cast["lima_supervisor"]
    members.unit_member_add(unit=old_tip.unit, member=newcomer, actor=supervisor, vault=vault_of(supervisor))

    assert reads(staff_client("newcomer"), old_tip, "written before the newcomer joined")
    grant = Membership.objects.get(member=newcomer)
    assert grant.granted_by == supervisor
    assert grant.keypair_id == old_tip.unit_keypair_id


def test_adding_grants_every_key_the_supervisor_holds_old_and_current(
    cast: dict[str, StaffMember], newcomer: StaffMember, units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    supervisor = cast["lima_supervisor"]
    first_tip = lima_tip(facilities, "sealed to the first lima key")
    members.unit_key_rotate(unit=units["lima"], actor=supervisor, vault=vault_of(supervisor))
    second_tip = lima_tip(facilities, "sealed to the second lima key")

    members.unit_member_add(unit=units["lima"], member=newcomer, actor=supervisor, vault=vault_of(supervisor))

    held = set(Membership.objects.filter(member=newcomer).values_list("keypair_id", flat=True))
    assert held == set(units["lima"].keypairs.values_list("pk", flat=True))
    client = staff_client("newcomer")
    assert reads(client, first_tip, "sealed to the first lima key")
    assert reads(client, second_tip, "sealed to the second lima key")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMINISTRATOR, Role.AUDITOR, Role.OPERATOR])
def test_only_reading_roles_can_be_added(cast: dict[str, StaffMember], units: dict[str, Unit], role: str) -> None:
    user = get_user_model().objects.create_user(username=f"someone_{role}", password=PASSWORD)
    someone = staff_member_create(user=user, role=role, password=PASSWORD)
    supervisor = cast["lima_supervisor"]
    with pytest.raises(CaseActionRefused):
        members.unit_member_add(unit=units["lima"], member=someone, actor=supervisor, vault=vault_of(supervisor))
    assert not Membership.objects.filter(member=someone).exists()


@pytest.mark.parametrize("actor", ["lima_investigator", "norte_investigator", "manager", "admin"])
def test_only_a_supervisor_of_the_unit_adds_members(
    cast: dict[str, StaffMember], newcomer: StaffMember, units: dict[str, Unit], actor: str
) -> None:
    with pytest.raises(CaseActionRefused):
        members.unit_member_add(unit=units["lima"], member=newcomer, actor=cast[actor], vault=vault_of(cast[actor]))
    assert not Membership.objects.filter(member=newcomer).exists()


def test_a_supervisor_of_another_unit_cannot_add_members(
    cast: dict[str, StaffMember], newcomer: StaffMember, units: dict[str, Unit]
) -> None:
    user = get_user_model().objects.create_user(username="norte_supervisor", password=PASSWORD)
    norte_supervisor = staff_member_create(user=user, role=Role.SUPERVISOR, password=PASSWORD)
    keypair = units["norte"].active_keypair()
    assert keypair is not None
    membership_grant(
        member=norte_supervisor,
        keypair=keypair,
        unit_private_key=unit_private_key_from_escrow(keypair=keypair, escrow_private_key=escrow_key()),
    )
    with pytest.raises(CaseActionRefused):
        members.unit_member_add(
            unit=units["lima"], member=newcomer, actor=norte_supervisor, vault=vault_of(norte_supervisor)
        )


def test_a_session_without_the_units_current_key_cannot_add(
    cast: dict[str, StaffMember], newcomer: StaffMember, units: dict[str, Unit]
) -> None:
    supervisor = cast["lima_supervisor"]
    stale_vault = vault_of(supervisor)
    members.unit_key_rotate(unit=units["lima"], actor=supervisor, vault=stale_vault)
    with pytest.raises(CaseActionRefused):
        members.unit_member_add(unit=units["lima"], member=newcomer, actor=supervisor, vault=stale_vault)
    with pytest.raises(CaseActionRefused):
        members.unit_member_add(unit=units["lima"], member=newcomer, actor=supervisor, vault={})
    assert not Membership.objects.filter(member=newcomer).exists()


def test_adding_is_audited(cast: dict[str, StaffMember], newcomer: StaffMember, units: dict[str, Unit]) -> None:
    supervisor = cast["lima_supervisor"]
    members.unit_member_add(unit=units["lima"], member=newcomer, actor=supervisor, vault=vault_of(supervisor))
    actions = list(
        AuditEvent.objects.filter(target_type="staff", target_id=str(newcomer.pk)).values_list("action", flat=True)
    )
    assert sorted(actions) == sorted([AuditAction.KEY_GRANTED, AuditAction.MEMBER_ADDED])
    assert all(
        e.actor_username == "lima_supervisor" and e.unit_id == units["lima"].pk for e in AuditEvent.objects.all()
    )
    assert audit_verify().ok


# --- removing ------------------------------------------------------------------------------------------


def test_a_removed_investigator_loses_the_case_and_tip_pages_at_once(
    cast: dict[str, StaffMember], units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    tip = lima_tip(facilities, "the investigator read this before removal")
    client = staff_client("lima_investigator")
    assert reads(client, tip, "the investigator read this before removal")

    members.unit_member_remove(unit=units["lima"], member=cast["lima_investigator"], actor=cast["lima_supervisor"])

    # The same session, whose vault still holds the unit key, gets nothing.
    assert client.get(tip_url(tip)).status_code == 404
    assert client.get(case_url(tip)).status_code == 404
    assert str(tip.case_link.case.public_id) not in client.get("/staff/").content.decode()
    fresh = staff_client("lima_investigator")
    assert fresh.get(tip_url(tip)).status_code == 404
    assert fresh.get(case_url(tip)).status_code == 404
    assert not Membership.objects.filter(member=cast["lima_investigator"]).exists()


def test_removing_unassigns_the_member_from_the_units_open_cases(
    cast: dict[str, StaffMember], units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    case = lima_tip(facilities, "assigned to the investigator").case_link.case
    Case.objects.filter(pk=case.pk).update(assignee=cast["lima_investigator"])
    members.unit_member_remove(unit=units["lima"], member=cast["lima_investigator"], actor=cast["lima_supervisor"])
    case.refresh_from_db()
    assert case.assignee is None
    assert case.events.filter(kind="assigned", actor=cast["lima_supervisor"]).exists()


def test_removing_is_audited_and_refused_to_others(cast: dict[str, StaffMember], units: dict[str, Unit]) -> None:
    investigator = cast["lima_investigator"]
    with pytest.raises(CaseActionRefused):
        members.unit_member_remove(unit=units["lima"], member=cast["lima_supervisor"], actor=investigator)
    with pytest.raises(CaseActionRefused):  # not a member of Lima
        members.unit_member_remove(unit=units["lima"], member=cast["norte_investigator"], actor=cast["lima_supervisor"])
    with pytest.raises(CaseActionRefused):  # a supervisor does not lock themselves out
        members.unit_member_remove(unit=units["lima"], member=cast["lima_supervisor"], actor=cast["lima_supervisor"])
    members.unit_member_remove(unit=units["lima"], member=investigator, actor=cast["lima_supervisor"])
    actions = set(AuditEvent.objects.filter(target_id=str(investigator.pk)).values_list("action", flat=True))
    assert actions == {AuditAction.MEMBER_REMOVED, AuditAction.KEY_REVOKED}
    assert audit_verify().ok


# --- rotating ------------------------------------------------------------------------------------------


def test_after_rotation_new_tips_go_to_the_new_key_and_members_read_old_and_new(
    cast: dict[str, StaffMember], units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    old_tip = lima_tip(facilities, "before the rotation")
    supervisor = cast["lima_supervisor"]
    keypair, private_key = members.unit_key_rotate(unit=units["lima"], actor=supervisor, vault=vault_of(supervisor))
    new_tip = lima_tip(facilities, "after the rotation")

    assert new_tip.unit_keypair_id == keypair.pk != old_tip.unit_keypair_id
    assert crypto.public_key_of(private_key) == bytes(keypair.public_key)
    assert units["lima"].active_keypair() == keypair
    for username in ["lima_investigator", "lima_supervisor"]:
        client = staff_client(username)
        assert reads(client, old_tip, "before the rotation"), username
        assert reads(client, new_tip, "after the rotation"), username
    audit = AuditEvent.objects.get(action=AuditAction.UNIT_KEY_ROTATED)
    assert audit.details == {"keypair": keypair.pk, "previous_keypair": old_tip.unit_keypair_id, "granted_to": 2}


def test_a_member_removed_before_the_rotation_never_receives_the_new_key(
    cast: dict[str, StaffMember], units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    old_tip = lima_tip(facilities, "the removed investigator may have seen this")
    supervisor, removed = cast["lima_supervisor"], cast["lima_investigator"]
    members.unit_member_remove(unit=units["lima"], member=removed, actor=supervisor)
    new_keypair, _private_key = members.unit_key_rotate(
        unit=units["lima"], actor=supervisor, vault=vault_of(supervisor)
    )
    new_tip = lima_tip(facilities, "sealed after the removal")

    # Put back on the old key only (as if someone restored their old grant): the new key was never sealed to them.
    old_keypair = UnitKeyPair.objects.get(pk=old_tip.unit_keypair_id)
    membership_grant(
        member=removed,
        keypair=old_keypair,
        unit_private_key=unit_private_key_from_escrow(keypair=old_keypair, escrow_private_key=escrow_key()),
    )
    assert not Membership.objects.filter(member=removed, keypair=new_keypair).exists()
    client = staff_client("lima_investigator")
    assert reads(client, old_tip, "the removed investigator may have seen this")
    response = client.get(tip_url(new_tip))
    assert response.status_code == 302  # no key for it: sent to log in again, which cannot help
    assert "sealed after the removal" not in response.content.decode()
    assert not reads(client, new_tip, "sealed after the removal")


def test_investigators_cannot_rotate(cast: dict[str, StaffMember], units: dict[str, Unit]) -> None:
    investigator = cast["lima_investigator"]
    with pytest.raises(CaseActionRefused):
        members.unit_key_rotate(unit=units["lima"], actor=investigator, vault=vault_of(investigator))
    assert units["lima"].keypairs.count() == 1


def test_the_escrow_key_opens_every_unit_key_after_rotations(
    cast: dict[str, StaffMember], units: dict[str, Unit]
) -> None:
    supervisor = cast["lima_supervisor"]
    members.unit_key_rotate(unit=units["lima"], actor=supervisor, vault=vault_of(supervisor))
    members.unit_key_rotate(unit=units["lima"], actor=supervisor, vault=vault_of(supervisor))
    keypairs = list(UnitKeyPair.objects.all())
    assert len(keypairs) == 5  # national, norte, and three for Lima
    for keypair in keypairs:
        private_key = unit_private_key_from_escrow(keypair=keypair, escrow_private_key=escrow_key())
        assert crypto.public_key_of(private_key) == bytes(keypair.public_key)


# --- a forgotten password --------------------------------------------------------------------------------


def test_a_password_reset_takes_the_grants_away_until_a_supervisor_adds_the_person_again(
    cast: dict[str, StaffMember], units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    tip = lima_tip(facilities, "read again after the reset")
    investigator = cast["lima_investigator"]
    old_public_key = bytes(investigator.public_key)

    units_lost = members.staff_password_reset(member=investigator, new_password=NEW_PASSWORD, actor=cast["admin"])

    assert units_lost == [units["lima"]]
    investigator.refresh_from_db()
    assert not Membership.objects.filter(member=investigator).exists()
    old_login = {"username": "lima_investigator", "password": PASSWORD, "otp_token": totp_code("lima_investigator")}
    assert Client().post("/staff/login/", old_login).status_code == 200  # the forgotten password no longer works
    client = Client()
    response = client.post(
        "/staff/login/",
        {"username": "lima_investigator", "password": NEW_PASSWORD, "otp_token": totp_code("lima_investigator")},
    )
    assert response.status_code == 302 and response["Location"] == "/staff/account/own-password/"
    assert client.get(tip_url(tip)).status_code == 302  # no staff page before they choose their own password
    response = client.post(
        "/staff/account/own-password/", {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD}
    )
    assert response.status_code == 302
    investigator.refresh_from_db()
    assert bytes(investigator.public_key) and bytes(investigator.public_key) != old_public_key
    assert client.get(tip_url(tip)).status_code == 404
    assert client.get(case_url(tip)).status_code == 404

    supervisor = cast["lima_supervisor"]
    members.unit_member_add(unit=units["lima"], member=investigator, actor=supervisor, vault=vault_of(supervisor))
    assert reads(staff_client("lima_investigator", OWN_PASSWORD), tip, "read again after the reset")
    reset, chosen = AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED).order_by("pk")
    assert reset.details == {"member": "lima_investigator", "reset": True, "key_pair": "withdrawn"}
    assert reset.actor_username == "admin"
    assert chosen.details == {"chosen_after_reset": True, "key_pair": "new"}
    assert chosen.actor_username == "lima_investigator"
    assert audit_verify().ok


def test_no_key_is_ever_wrapped_under_the_password_an_administrator_set(
    cast: dict[str, StaffMember], units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    """The insider: an administrator resets a password, then tries every way to a key it opens."""
    tip = lima_tip(facilities, "not for the administrator")
    investigator = cast["lima_investigator"]
    members.staff_password_reset(member=investigator, new_password=NEW_PASSWORD, actor=cast["admin"])
    investigator.refresh_from_db()
    # Nothing is stored that the temporary password could open, and no supervisor can seal a unit key to it.
    assert investigator.awaiting_own_password
    assert bytes(investigator.public_key) == b"" and bytes(investigator.private_key_ct) == b""
    assert staff_unlock_keys(member=investigator, password=NEW_PASSWORD) == {}
    supervisor = cast["lima_supervisor"]
    with translation.override("en"), pytest.raises(CaseActionRefused, match="has not chosen a password"):
        members.unit_member_add(unit=units["lima"], member=investigator, actor=supervisor, vault=vault_of(supervisor))
    assert investigator not in members.unit_member_candidates(unit=units["lima"])
    # The member's own password, once chosen, opens the new key; the temporary one does not, and cannot be reused.
    with pytest.raises(ValueError, match="temporary"):
        staff_keys_choose(member=investigator, new_password=NEW_PASSWORD)
    staff_keys_choose(member=investigator, new_password=OWN_PASSWORD)
    investigator.refresh_from_db()
    assert not investigator.awaiting_own_password
    assert staff_unlock_keys(member=investigator, password=OWN_PASSWORD)
    with pytest.raises(envelope.CryptoError):
        staff_unlock_keys(member=investigator, password=NEW_PASSWORD)
    members.unit_member_add(unit=units["lima"], member=investigator, actor=supervisor, vault=vault_of(supervisor))
    assert reads(staff_client("lima_investigator", OWN_PASSWORD), tip, "not for the administrator")


@pytest.mark.parametrize("actor", ["lima_supervisor", "lima_investigator", "manager"])
def test_only_administrators_reset_passwords(cast: dict[str, StaffMember], actor: str) -> None:
    investigator = cast["norte_investigator"]
    with pytest.raises(CaseActionRefused):
        members.staff_password_reset(member=investigator, new_password=NEW_PASSWORD, actor=cast[actor])
    investigator.refresh_from_db()
    assert staff_unlock_keys(member=investigator, password=PASSWORD)
    assert Membership.objects.filter(member=investigator).exists()


# --- everyone at once ----------------------------------------------------------------------------------


def test_every_tip_is_read_by_those_who_should_and_by_no_one_else(
    cast: dict[str, StaffMember], newcomer: StaffMember, units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    supervisor = cast["lima_supervisor"]
    before = lima_tip(facilities, "lima tip before the changes")
    norte_tip, _receipt = submit_tip(facility=facilities["trujillo"], description="norte tip")

    members.unit_member_add(unit=units["lima"], member=newcomer, actor=supervisor, vault=vault_of(supervisor))
    members.unit_member_remove(unit=units["lima"], member=cast["lima_investigator"], actor=supervisor)
    members.unit_key_rotate(unit=units["lima"], actor=supervisor, vault=vault_of(supervisor))
    after = lima_tip(facilities, "lima tip after the changes")

    readers = {
        (before, "lima tip before the changes"): {"lima_supervisor", "newcomer"},
        (after, "lima tip after the changes"): {"lima_supervisor", "newcomer"},
        (norte_tip, "norte tip"): {"norte_investigator"},
    }
    clients = {username: staff_client(username) for username in [*cast, "newcomer"]}
    for (tip, text), expected in readers.items():
        for username, client in clients.items():
            if username in expected:
                assert reads(client, tip, text), (username, text)
            else:
                assert client.get(tip_url(tip)).status_code == 404, (username, text)
                assert client.get(case_url(tip)).status_code == 404, (username, text)
