"""The unit members page (supervisors of the unit only) and the password reset page (administrators only)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import security
from accounts.keys import membership_grant, staff_member_create, unit_private_key_from_escrow
from accounts.models import Membership, Role, StaffMember
from org.models import Facility, Unit
from tests.conftest import PASSWORD, staff_client, totp_code
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 77"
OWN = "only i know this one 31"


@pytest.fixture(autouse=True)
def own_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count this test's failed logins apart from every other test's (the cache may be a shared Redis)."""
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"test-{uuid.uuid4()}")


def new_staff(username: str, role: str) -> StaffMember:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    return staff_member_create(user=user, role=role, password=PASSWORD)


@pytest.fixture
def newcomer(cast: dict[str, StaffMember]) -> StaffMember:
    return new_staff("newcomer", Role.INVESTIGATOR)


@pytest.fixture
def norte_supervisor(cast: dict[str, StaffMember], units: dict[str, Unit], settings: LazySettings) -> StaffMember:
    """A supervisor of another unit, granted the Norte key through escrow."""
    member = new_staff("norte_supervisor", Role.SUPERVISOR)
    keypair = units["norte"].active_keypair()
    assert keypair is not None
    membership_grant(
        member=member,
        keypair=keypair,
        unit_private_key=unit_private_key_from_escrow(
            keypair=keypair, escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY
        ),
    )
    return member


LIMA = "/staff/units/lima/members/"
# What the confirmation page posts; the list's buttons only lead to that page.
CONFIRM = {"confirm": "yes"}


def english(client: Client) -> Client:
    """Choose English for the client (Spanish is the default), so the assertions read the source strings."""
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    return client


def test_the_supervisor_sees_the_members_and_the_keys_they_hold(cast: dict[str, StaffMember]) -> None:
    response = english(staff_client("lima_supervisor")).get(LIMA)
    assert response.status_code == 200
    page = response.content.decode()
    members_table = page.split("<table", 1)[1].split("</table>", 1)[0]
    assert "lima_investigator" in members_table and "lima_supervisor" in members_table
    assert "norte_investigator" not in members_table
    keypair = Membership.objects.filter(member=cast["lima_investigator"]).get().keypair
    assert f"key #{keypair.pk}" in members_table
    assert "Rotate the unit key" in page


def test_the_add_form_offers_only_reading_staff_not_yet_in_the_unit(
    cast: dict[str, StaffMember], newcomer: StaffMember
) -> None:
    page = staff_client("lima_supervisor").get(LIMA).content.decode()
    select = re.search(r'<select name="member".*?</select>', page, re.S)
    assert select is not None
    options = select.group(0)
    assert "newcomer" in options and "norte_investigator" in options and "national_investigator" in options
    for absent in ["lima_investigator", "lima_supervisor", "manager", "admin"]:
        assert f">{absent} " not in options, absent


@pytest.mark.parametrize(
    "username", ["lima_investigator", "norte_investigator", "national_investigator", "manager", "admin"]
)
def test_everyone_else_gets_404_on_the_members_page_and_its_actions(
    cast: dict[str, StaffMember], newcomer: StaffMember, username: str
) -> None:
    client = staff_client(username)
    assert client.get(LIMA).status_code == 404
    assert client.post(LIMA + "add/", {"member": newcomer.pk}).status_code == 404
    assert client.post(LIMA + f"{cast['lima_investigator'].pk}/remove/").status_code == 404
    assert client.post(LIMA + "rotate-key/").status_code == 404
    assert not Membership.objects.filter(member=newcomer).exists()
    assert Membership.objects.filter(member=cast["lima_investigator"]).exists()
    assert Unit.objects.get(slug="lima").keypairs.count() == 1


def test_a_supervisor_of_another_unit_gets_404_on_this_units_page(norte_supervisor: StaffMember) -> None:
    client = staff_client("norte_supervisor")
    assert client.get(LIMA).status_code == 404
    assert client.post(LIMA + "rotate-key/").status_code == 404
    assert client.get("/staff/units/norte/members/").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(cast: dict[str, StaffMember]) -> None:
    response = Client().get(LIMA)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_the_nav_links_supervisors_to_their_units_members(cast: dict[str, StaffMember]) -> None:
    assert LIMA in staff_client("lima_supervisor").get("/staff/").content.decode()
    assert LIMA not in staff_client("lima_investigator").get("/staff/").content.decode()


def test_a_member_added_on_the_page_reads_the_units_tips(
    cast: dict[str, StaffMember], newcomer: StaffMember, facilities: dict[str, Facility]
) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="older than the newcomer")
    response = english(staff_client("lima_supervisor")).post(LIMA + "add/", {"member": newcomer.pk}, follow=True)
    assert "newcomer is now a member of the unit" in response.content.decode()
    page = staff_client("newcomer").get(f"/staff/tips/{tip.public_id}/")
    assert page.status_code == 200
    assert "older than the newcomer" in page.content.decode()


def test_staff_without_a_reading_role_cannot_be_added_on_the_page(cast: dict[str, StaffMember]) -> None:
    response = english(staff_client("lima_supervisor")).post(LIMA + "add/", {"member": cast["manager"].pk}, follow=True)
    assert response.status_code == 200
    assert not Membership.objects.filter(member=cast["manager"]).exists()
    assert "Choose a staff member" in response.content.decode()


def test_removing_on_the_page_suggests_rotating_the_key(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="no longer for the investigator")
    investigator = staff_client("lima_investigator")
    supervisor = english(staff_client("lima_supervisor"))
    response = supervisor.post(LIMA + f"{cast['lima_investigator'].pk}/remove/", CONFIRM, follow=True)
    page = response.content.decode()
    assert "lima_investigator was removed from the unit" in page
    assert "Rotate the unit key now" in page
    # The suggestion stays on the page until the key is rotated.
    assert (
        "Someone was removed from the unit since its current key was created" in supervisor.get(LIMA).content.decode()
    )
    assert investigator.get(f"/staff/tips/{tip.public_id}/").status_code == 404
    assert investigator.get(f"/staff/cases/{tip.case_link.case.public_id}/").status_code == 404

    supervisor.post(LIMA + "rotate-key/", CONFIRM)
    assert "Someone was removed" not in supervisor.get(LIMA).content.decode()


def test_rotating_on_the_page_puts_the_new_key_in_the_supervisors_session(
    cast: dict[str, StaffMember], units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    supervisor = english(staff_client("lima_supervisor"))
    investigator = staff_client("lima_investigator")  # logged in before the rotation
    old_keypair = units["lima"].active_keypair()
    response = supervisor.post(LIMA + "rotate-key/", CONFIRM, follow=True)
    assert "The unit has a new key" in response.content.decode()
    new_keypair = units["lima"].active_keypair()
    assert new_keypair is not None and new_keypair != old_keypair

    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="sealed to the rotated key")
    assert tip.unit_keypair_id == new_keypair.pk
    # The supervisor's session reads it without logging in again ...
    page = supervisor.get(f"/staff/tips/{tip.public_id}/")
    assert page.status_code == 200 and "sealed to the rotated key" in page.content.decode()
    # ... the investigator's older session is sent to log in again, which unlocks the new key.
    assert investigator.get(f"/staff/tips/{tip.public_id}/").status_code == 302
    assert (
        "sealed to the rotated key"
        in staff_client("lima_investigator").get(f"/staff/tips/{tip.public_id}/").content.decode()
    )


def test_a_session_that_lost_its_keys_cannot_rotate(cast: dict[str, StaffMember], units: dict[str, Unit]) -> None:
    supervisor = english(staff_client("lima_supervisor"))
    supervisor.cookies.pop(settings.VAULT_COOKIE_NAME)
    response = supervisor.post(LIMA + "rotate-key/", CONFIRM, follow=True)
    assert "Log in again" in response.content.decode()
    assert units["lima"].keypairs.count() == 1


# --- password reset --------------------------------------------------------------------------------


def reset_url(member: StaffMember) -> str:
    return f"/staff/staff/{member.pk}/reset-password/"


def test_an_administrator_resets_a_forgotten_password(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="after the reset, only once re-added")
    investigator = cast["lima_investigator"]
    old_session = staff_client("lima_investigator")
    admin = english(staff_client("admin"))
    page = admin.get(reset_url(investigator)).content.decode()
    assert "lima_investigator" in page and "Lima IA" in page and "adds them again" in page

    response = admin.post(
        reset_url(investigator), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "The password of lima_investigator was reset" in page and "Lima IA" in page
    assert not Membership.objects.filter(member=investigator).exists()
    # Their sessions ended, the forgotten password is refused, and the new one opens no Lima tip.
    assert old_session.get("/staff/").status_code == 302
    old_login = {"username": "lima_investigator", "password": PASSWORD, "otp_token": totp_code("lima_investigator")}
    assert Client().post("/staff/login/", old_login).status_code == 200
    # The temporary password leads only to the page where the person chooses their own.
    client = english(Client())
    login = {"username": "lima_investigator", "password": NEW_PASSWORD, "otp_token": totp_code("lima_investigator")}
    assert client.post("/staff/login/", login)["Location"] == "/staff/account/own-password/"
    assert client.get(f"/staff/tips/{tip.public_id}/")["Location"] == "/staff/account/own-password/"
    assert "Choose your password" in client.get("/staff/account/own-password/").content.decode()
    same = client.post("/staff/account/own-password/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert same.status_code == 400 and "not the temporary one" in same.content.decode()
    chosen = client.post("/staff/account/own-password/", {"new_password1": OWN, "new_password2": OWN}, follow=True)
    assert "Your password was set and you have a new key" in chosen.content.decode()
    assert client.get(f"/staff/tips/{tip.public_id}/").status_code == 404

    staff_client("lima_supervisor").post(LIMA + "add/", {"member": investigator.pk})
    page = staff_client("lima_investigator", OWN).get(f"/staff/tips/{tip.public_id}/").content.decode()
    assert "after the reset, only once re-added" in page


def test_a_weak_new_password_is_refused(cast: dict[str, StaffMember]) -> None:
    investigator = cast["lima_investigator"]
    response = staff_client("admin").post(reset_url(investigator), {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 400
    assert Membership.objects.filter(member=investigator).exists()
    staff_client("lima_investigator")  # the old password still works


@pytest.mark.parametrize("username", ["lima_supervisor", "lima_investigator", "manager"])
def test_only_administrators_reach_the_reset_page(cast: dict[str, StaffMember], username: str) -> None:
    client = staff_client(username)
    url = reset_url(cast["norte_investigator"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 404
    staff_client("norte_investigator")  # unchanged


def test_an_unknown_member_is_a_404(cast: dict[str, StaffMember]) -> None:
    assert staff_client("admin").get("/staff/staff/999999/reset-password/").status_code == 404
