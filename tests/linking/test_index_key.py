"""The index keys: created and sealed to their units' keys, sealed lazily to new ones, opened only by unit keys, rotated."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.keys import unit_keypair_create, vault_unit_key_name
from accounts.models import StaffMember
from audit.models import AuditEvent
from cases.members import unit_key_rotate
from envelope import primitives as crypto
from linking import pseudonyms, services
from linking.models import EntityMention, IndexKey, IndexKeySeal, IndexScope
from linking.selectors import suggested_links
from linking.services import index_key_open
from org.models import Facility, Unit, UnitKeyPair
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.linking.conftest import record, vault_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def escrow_file(settings: LazySettings, tmp_path: Path) -> Path:
    path = tmp_path / "escrow.key"
    path.write_bytes(settings.TEST_ESCROW_PRIVATE_KEY)
    return path


def test_create_index_key_seals_the_regional_key_to_every_unit_and_the_national_one_to_the_national_unit(
    units: dict[str, Unit], facilities: dict[str, Facility], settings: LazySettings
) -> None:
    for unit in units.values():
        unit_keypair_create(unit=unit)
    out = StringIO()

    call_command("create_index_key", stdout=out)

    regional = IndexKey.objects.get(scope=IndexScope.REGIONAL)
    national = IndexKey.objects.get(scope=IndexScope.NATIONAL)
    assert (regional.version, regional.is_active, national.version, national.is_active) == (1, True, 1, True)
    assert "Regional index key v1 created" in out.getvalue() and "National index key v1 created" in out.getvalue()
    assert set(regional.seals.values_list("unit_keypair_id", flat=True)) == set(
        UnitKeyPair.objects.values_list("pk", flat=True)
    ), "every unit, the national one included, holds the regional key"
    assert set(national.seals.values_list("unit_keypair_id", flat=True)) == set(
        UnitKeyPair.objects.filter(unit=units["national"]).values_list("pk", flat=True)
    ), "only the national unit holds the national key"
    keys = {
        services.index_key_from_escrow(index_key=index_key, escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY)
        for index_key in (regional, national)
    }
    assert len(keys) == 2 and all(len(key) == 32 for key in keys)
    with pytest.raises(CommandError):
        call_command("create_index_key", stdout=StringIO())


def test_only_sessions_holding_a_unit_key_open_the_index_key(cast: dict[str, StaffMember]) -> None:
    lima = index_key_open(vault=vault_of(cast["lima_investigator"]))
    norte = index_key_open(vault=vault_of(cast["norte_investigator"]))
    assert lima is not None and norte is not None
    assert lima[1] == norte[1], "the regional units share one index key"
    national = cast["national_investigator"]
    assert index_key_open(vault=vault_of(national)) == lima, "the national unit holds the regional key too"
    national_key = index_key_open(vault=vault_of(national), scope=IndexScope.NATIONAL)
    assert national_key is not None and national_key[1] != lima[1]
    for regional in ("lima_investigator", "lima_supervisor", "norte_investigator"):
        assert index_key_open(vault=vault_of(cast[regional]), scope=IndexScope.NATIONAL) is None
    for role_without_keys in ("manager", "admin"):
        for scope in IndexScope.values:
            assert index_key_open(vault=vault_of(cast[role_without_keys]), scope=scope) is None
    assert index_key_open(vault={}) is None


def test_a_rotated_unit_key_is_sealed_by_the_next_session_that_opens_the_index_key(
    cast: dict[str, StaffMember], units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    supervisor = cast["lima_supervisor"]
    new_keypair, new_private = unit_key_rotate(unit=units["lima"], actor=supervisor, vault=vault_of(supervisor))
    assert not IndexKeySeal.objects.filter(unit_keypair=new_keypair).exists()
    # Someone who holds only the new unit key (added after the rotation) cannot open the index key yet.
    newcomer_vault = {vault_unit_key_name(new_keypair.pk): new_private}
    assert index_key_open(vault=newcomer_vault) is None

    # The Norte investigator's session opens it, and seals it to Lima's new key on the way (public keys only).
    assert index_key_open(vault=vault_of(cast["norte_investigator"])) is not None

    assert IndexKeySeal.objects.filter(unit_keypair=new_keypair).exists()
    assert index_key_open(vault=newcomer_vault) is not None


def test_seal_index_key_seals_a_new_unit_with_the_escrow_key(
    cast: dict[str, StaffMember], units: dict[str, Unit], escrow_file: Path
) -> None:
    sur = Unit.objects.create(slug="sur", name="Sur IA")
    keypair, private_key = unit_keypair_create(unit=sur)
    vault = {vault_unit_key_name(keypair.pk): private_key}
    assert index_key_open(vault=vault) is None

    call_command("seal_index_key", escrow_private_key=escrow_file, stdout=StringIO())

    assert index_key_open(vault=vault) is not None


def test_seal_index_key_refuses_a_wrong_escrow_key(cast: dict[str, StaffMember], tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(crypto.generate_keypair().private)
    with pytest.raises(CommandError):
        call_command("seal_index_key", escrow_private_key=wrong, stdout=StringIO())


def test_rotation_changes_every_stored_pseudonym_and_keeps_the_links(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], escrow_file: Path
) -> None:
    lima_tip, _ = submit_tip(facility=facilities["lurigancho"])
    other_lima_tip, _ = submit_tip(facility=facilities["lurigancho"])
    norte_tip, _ = submit_tip(facility=facilities["trujillo"])
    record(cast["lima_investigator"], lima_tip, "person", "Sgto. Juan Pérez")
    record(cast["lima_investigator"], lima_tip, "place", "pabellón 4")
    record(cast["lima_supervisor"], other_lima_tip, "person", "sargento JUAN PEREZ")
    record(cast["norte_investigator"], norte_tip, "person", "Pérez Juan")
    before = {m.pk: bytes(m.pseudonym) for m in EntityMention.objects.all()}
    old_key = IndexKey.objects.get(scope=IndexScope.REGIONAL)

    out = StringIO()
    call_command("rotate_index_key", escrow_private_key=escrow_file, stdout=out)

    assert "4 pseudonym(s) recomputed" in out.getvalue()
    new_key = IndexKey.objects.get(scope=IndexScope.REGIONAL, is_active=True)
    assert new_key.version == 2
    old_key.refresh_from_db()
    assert not old_key.is_active and not old_key.seals.exists()
    after = {m.pk: bytes(m.pseudonym) for m in EntityMention.objects.all()}
    assert after.keys() == before.keys()
    assert all(after[pk] != before[pk] for pk in after), "every stored pseudonym changed"
    assert set(EntityMention.objects.values_list("index_key_id", flat=True)) == {new_key.pk}
    # The links hold: the three spellings of the sergeant still meet, across tips and units.
    sergeant = {after[m.pk] for m in EntityMention.objects.filter(kind="person")}
    assert len(sergeant) == 1
    links = suggested_links(case=lima_tip.case_link.case, member=cast["lima_investigator"])
    assert [link.case for link in links.by_entity] == [other_lima_tip.case_link.case]
    assert [link.unit_name for link in links.elsewhere] == ["Norte IA"]
    # A session after the rotation opens the new version and records the same pseudonym again.
    later_tip, _ = submit_tip(facility=facilities["lurigancho"])
    assert bytes(record(cast["lima_investigator"], later_tip, "person", "Juan Perez").pseudonym) in sergeant
    event = AuditEvent.objects.get(target_type="index_key")
    assert (event.action, event.target_id) == ("index_key_rotated", "regional:2")
    assert event.details == {"scope": "regional", "mentions": 4, "merged": 0}
    # The values are still readable on the case page.
    page = staff_client("lima_investigator").get(f"/staff/cases/{lima_tip.case_link.case.public_id}/")
    assert "Sgto. Juan Pérez" in page.content.decode()


def test_rotation_with_a_wrong_escrow_key_changes_nothing(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], tmp_path: Path
) -> None:
    tip, _ = submit_tip(facility=facilities["lurigancho"])
    mention = record(cast["lima_investigator"], tip, "phone", "987 654 321")
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(crypto.generate_keypair().private)

    with pytest.raises(CommandError):
        call_command("rotate_index_key", escrow_private_key=wrong, stdout=StringIO())

    assert list(IndexKey.objects.values_list("scope", "version", "is_active")) == [
        ("national", 1, True),
        ("regional", 1, True),
    ]
    mention.refresh_from_db()
    assert mention.index_key.version == 1


def test_rotation_merges_mentions_of_a_tip_that_now_normalise_alike(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], escrow_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tip, _ = submit_tip(facility=facilities["lurigancho"])
    record(cast["lima_investigator"], tip, "person", "Juan Ramos")
    record(cast["lima_investigator"], tip, "person", "Juan Ramos Quispe")
    # As if the rules changed so that both spellings now meet.
    monkeypatch.setattr(pseudonyms, "normalise", lambda kind, value: "juan ramos")

    services.index_key_rotate(escrow_private_key=escrow_file.read_bytes())

    assert EntityMention.objects.filter(tip=tip).count() == 1
