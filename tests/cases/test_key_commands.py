"""The key management commands: unit keys, grants by a supervisor or the escrow key, the demo loader."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts.keys import staff_member_create
from accounts.models import Membership, Role, StaffMember
from org.models import Facility, Unit
from tests.conftest import PASSWORD, staff_client, totp_code
from tests.factories import submit_tip
from tipline.models import Tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(cast: dict[str, StaffMember]) -> StaffMember:
    user = get_user_model().objects.create_user(username="newcomer", password=PASSWORD)
    return staff_member_create(user=user, role=Role.INVESTIGATOR, password=PASSWORD)


def test_a_supervisor_grants_the_unit_key_to_a_new_member(
    newcomer: StaffMember, facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="tip before the newcomer joined")
    assert staff_client("newcomer").get(f"/staff/tips/{tip.public_id}/").status_code == 404
    monkeypatch.setenv("TIPLINE_GRANTOR_PASSWORD", PASSWORD)
    call_command("add_staff_to_unit", username="newcomer", unit="lima", grantor="lima_supervisor", stdout=StringIO())
    page = staff_client("newcomer").get(f"/staff/tips/{tip.public_id}/").content.decode()
    assert "tip before the newcomer joined" in page
    assert Membership.objects.get(member=newcomer).granted_by.user.username == "lima_supervisor"


def test_a_wrong_grantor_password_grants_nothing(newcomer: StaffMember, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_GRANTOR_PASSWORD", "not the password")
    with pytest.raises(CommandError):
        call_command("add_staff_to_unit", username="newcomer", unit="lima", grantor="lima_supervisor")
    assert not Membership.objects.filter(member=newcomer).exists()


def test_a_grantor_from_another_unit_cannot_grant(newcomer: StaffMember, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_GRANTOR_PASSWORD", PASSWORD)
    with pytest.raises(CommandError):
        call_command("add_staff_to_unit", username="newcomer", unit="lima", grantor="norte_investigator")


def test_the_offline_escrow_key_recovers_a_unit(
    newcomer: StaffMember, facilities: dict[str, Facility], settings: LazySettings, tmp_path: Path
) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="recovered through escrow")
    escrow_file = tmp_path / "escrow.key"
    escrow_file.write_bytes(settings.TEST_ESCROW_PRIVATE_KEY)
    call_command(
        "add_staff_to_unit", username="newcomer", unit="lima", escrow_private_key=escrow_file, stdout=StringIO()
    )
    assert "recovered through escrow" in staff_client("newcomer").get(f"/staff/tips/{tip.public_id}/").content.decode()


def test_a_new_unit_key_receives_new_tips_and_old_tips_stay_readable(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    old_tip, _ = submit_tip(facility=facilities["lurigancho"], description="sealed to the first key")
    call_command("create_unit_keys", unit="lima", grant_to=["lima_investigator"], stdout=StringIO())
    new_tip, _ = submit_tip(facility=facilities["lurigancho"], description="sealed to the second key")
    assert new_tip.unit_keypair_id != old_tip.unit_keypair_id
    investigator = staff_client("lima_investigator")
    assert "sealed to the first key" in investigator.get(f"/staff/tips/{old_tip.public_id}/").content.decode()
    assert "sealed to the second key" in investigator.get(f"/staff/tips/{new_tip.public_id}/").content.decode()
    # The supervisor was not granted the new key: the new tip is listed for the unit but cannot be opened.
    supervisor = staff_client("lima_supervisor")
    assert supervisor.get(f"/staff/tips/{new_tip.public_id}/").status_code == 302


def test_create_staff_wraps_a_new_key_pair(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_NEW_PASSWORD", PASSWORD)
    call_command("create_staff", username="nueva", role="investigator", stdout=StringIO())
    member = StaffMember.objects.get(user__username="nueva")
    assert len(bytes(member.public_key)) == 1 + 1184 + 32
    assert PASSWORD.encode() not in bytes(member.private_key_ct)


def test_load_demo_creates_a_working_demo(settings: LazySettings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE = tmp_path / "escrow" / "escrow.pub"
    settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE.unlink(missing_ok=True)
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", synthetic=200, stdout=out)
    assert settings.TIPLINE_DEMO_PASSWORD in out.getvalue()
    assert set(Unit.objects.values_list("slug", flat=True)) == {"national", "lima", "norte"}
    assert Facility.objects.filter(is_illustrative=False).count() == 0
    client = Client()
    assert (
        client.post(
            "/staff/login/",
            {
                "username": "investigator",
                "password": settings.TIPLINE_DEMO_PASSWORD,
                "otp_token": totp_code("investigator"),
            },
        ).status_code
        == 302
    )
    tip = Tip.objects.filter(unit__slug="lima").order_by("id").first()
    assert tip is not None
    assert "DEMO (inventado)" in client.get(f"/staff/tips/{tip.public_id}/").content.decode()
    # The two invented reports about "el Flaco" are linked without a click; the managers' roll-ups are built.
    from linking.models import TipLink
    from trends.models import TipRollup

    samples = list(Tip.objects.order_by("id").values_list("pk", flat=True)[:8])
    assert TipLink.objects.filter(tip_low_id=samples[1], tip_high_id=samples[2]).exists()
    assert TipRollup.objects.exists()
    call_command("load_demo", stdout=StringIO())  # idempotent
    assert Unit.objects.count() == 3


def test_the_smallest_demo_has_an_index_key_and_an_entity_can_be_recorded(
    settings: LazySettings, tmp_path: Path
) -> None:
    """`load_demo --synthetic 0` (the chaos run, a quick demo) still lets an investigator record an entity."""
    from linking.models import EntityMention, IndexKey, IndexKeySeal, IndexScope, MentionOrigin

    settings.VAR_DIR = tmp_path
    settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE = tmp_path / "escrow" / "escrow.pub"
    settings.DEBUG = True
    call_command("load_demo", synthetic=0, stdout=StringIO())

    index_key = IndexKey.objects.get(is_active=True, scope=IndexScope.REGIONAL)
    assert IndexKeySeal.objects.filter(index_key=index_key).count() == 3  # one per demo unit
    national = IndexKey.objects.get(is_active=True, scope=IndexScope.NATIONAL)
    assert list(IndexKeySeal.objects.filter(index_key=national).values_list("unit_keypair__unit__kind", flat=True)) == [
        "national"
    ]
    client = Client()
    login = {"username": "investigator", "password": settings.TIPLINE_DEMO_PASSWORD}
    assert client.post("/staff/login/", {**login, "otp_token": totp_code("investigator")}).status_code == 302
    tip = Tip.objects.filter(unit__slug="lima").order_by("id").first()
    assert tip is not None
    page = client.post(
        f"/staff/linking/tips/{tip.public_id}/mentions/",
        {"kind": "phone", "value": "987 654 321", "person_role": ""},
        follow=True,
    ).content.decode()
    assert "Registrado. Las denuncias que la mencionan quedan vinculadas." in page  # "Recorded. ..."
    assert EntityMention.objects.filter(tip=tip, index_key=index_key, origin=MentionOrigin.STAFF).count() == 1
