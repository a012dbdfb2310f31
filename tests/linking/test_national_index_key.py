"""The national unit's own index key: a regional office never learns what the national unit holds about anyone.

The insider: a Lima investigator who records, on a tip of their own, the name of a
guard they suspect has been reported to the national (conflict-of-interest) unit, and
reads the case page, the entity's count and its pseudonym page for a trace of it.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command

from accounts.models import StaffMember
from audit.services import audit_verify
from cases.permissions import CaseActionRefused
from cases.services import case_transfer, tip_data_key_open
from linking.models import EntityMention, IndexKey, IndexScope, MentionOrigin, MentionStatus
from linking.selectors import pseudonym_view, suggested_links, tip_entities
from linking.services import index_key_create, index_key_open, mention_store
from org.models import Facility, Unit
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.linking.conftest import record, record_by_post, vault_of
from tipline.models import StaffInvolved, Tip

pytestmark = pytest.mark.django_db

GUARD = "Sgto. Juan Pérez"
# Words of the national report that must never reach a Lima page.
NATIONAL_REPORT = "El alcaide y el Sgto. Juan Pérez de Lurigancho cobran cupos; la oficina de Lima lo sabe."


def _national_tip(facility: Facility) -> Tip:
    tip, _ = submit_tip(facility=facility, staff_involved=StaffInvolved.YES, description=NATIONAL_REPORT)
    assert tip.unit.slug == "national", "a report that accuses local staff goes to the national unit"
    return tip


def _case_page(username: str, tip: Tip) -> str:
    response = staff_client(username).get(f"/staff/cases/{tip.case_link.case.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def national_tip(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Tip:
    """A Lurigancho report of the sergeant, routed to the national unit, with him recorded there."""
    tip = _national_tip(facilities["lurigancho"])
    record(cast["national_investigator"], tip, "person", GUARD, role="staff")
    return tip


def test_the_lima_investigators_probe_finds_nothing_of_the_national_report(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_tip: Tip
) -> None:
    lima = cast["lima_investigator"]
    own_tip, _ = submit_tip(facility=facilities["lurigancho"], description="Nada que ver: visitas del domingo.")

    page = record_by_post(staff_client("lima_investigator"), own_tip, "person", "sargento JUAN PEREZ")

    probe = EntityMention.objects.get(tip=own_tip, origin=MentionOrigin.STAFF)
    assert "National IA" not in page and "In other units" not in page
    assert 'id="links-elsewhere"' not in page
    links = suggested_links(case=own_tip.case_link.case, member=lima, vault=vault_of(lima))
    assert (links.by_entity, links.elsewhere) == ([], [])
    entities = tip_entities(tip=own_tip, text="", member=lima, vault=vault_of(lima))
    assert entities.mentions and all(view.other_tips == 0 for view in entities.mentions), (
        "not even a count betrays the national report"
    )
    view = pseudonym_view(pseudonym=bytes(probe.pseudonym), member=lima, vault=vault_of(lima))
    assert (view.elsewhere, view.total_tips, view.facilities) == ([], 1, [("E.P. Lurigancho (test)", 1)])
    pseudonym_page = staff_client("lima_investigator").get(f"/staff/linking/pseudonyms/{probe.pseudonym_hex}/")
    assert "National IA" not in pseudonym_page.content.decode()


def test_the_national_pseudonym_differs_from_the_regional_one_for_the_same_name(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_tip: Tip
) -> None:
    lima_tip, _ = submit_tip(facility=facilities["lurigancho"])
    regional = record(cast["lima_investigator"], lima_tip, "person", GUARD)
    national = EntityMention.objects.get(tip=national_tip, origin=MentionOrigin.STAFF)

    assert bytes(national.pseudonym) != bytes(regional.pseudonym)
    assert (national.index_key.scope, regional.index_key.scope) == (IndexScope.NATIONAL, IndexScope.REGIONAL)
    # Even the national pseudonym's own page shows a Lima investigator nothing of the national report.
    view = pseudonym_view(pseudonym=bytes(national.pseudonym), member=cast["lima_investigator"], vault={})
    assert (view.readable, view.elsewhere, view.total_tips) == ([], [], 0)


def test_the_national_investigator_still_sees_links_to_regional_tips(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_tip: Tip
) -> None:
    lima_tip, _ = submit_tip(facility=facilities["lurigancho"], description="El sargento cobra en la garita.")
    record(cast["lima_investigator"], lima_tip, "person", "Juan Perez")
    national = cast["national_investigator"]

    links = suggested_links(case=national_tip.case_link.case, member=national, vault=vault_of(national))

    # Found under the regional key in this request (the sergeant's name, different spelling): no row says so.
    assert [(link.unit_name, link.facility_name) for link in links.elsewhere] == [("Lima IA", "E.P. Lurigancho (test)")]
    assert links.elsewhere[0].score >= 0.6 and links.elsewhere[0].link_id is None
    page = _case_page("national_investigator", national_tip)
    elsewhere = page[page.index('id="links-elsewhere"') :]
    assert "Lima IA" in elsewhere and "E.P. Lurigancho (test)" in elsewhere
    assert "garita" not in page, "a link, never the regional report's content"


def test_regional_to_regional_links_still_show(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_tip: Tip
) -> None:
    lima_tip, _ = submit_tip(facility=facilities["lurigancho"])
    norte_tip, _ = submit_tip(facility=facilities["trujillo"])
    record(cast["norte_investigator"], norte_tip, "person", "Pérez Juan")

    page = record_by_post(staff_client("lima_investigator"), lima_tip, "person", GUARD)

    elsewhere = page[page.index('id="links-elsewhere"') :]
    assert "Norte IA" in elsewhere and "E.P. Trujillo (test)" in elsewhere
    assert "National IA" not in page
    norte = cast["norte_investigator"]
    links = suggested_links(case=norte_tip.case_link.case, member=norte, vault=vault_of(norte))
    assert [link.unit_name for link in links.elsewhere] == ["Lima IA"]


def test_a_national_tip_is_never_keyed_with_the_regional_key(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    """Before the national key exists, recording on a national tip is refused rather than made linkable."""
    IndexKey.objects.filter(scope=IndexScope.NATIONAL).delete()
    tip = _national_tip(facilities["lurigancho"])

    with pytest.raises(CaseActionRefused):
        record(cast["national_investigator"], tip, "person", GUARD)

    assert not EntityMention.objects.filter(tip=tip, status=MentionStatus.LINKED).exists()


def test_an_upgraded_install_hides_old_national_mentions_and_rekeys_them_through_escrow(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings, tmp_path: Path
) -> None:
    """Mentions recorded under the regional key before the upgrade: hidden at once, re-keyed by the command."""
    IndexKey.objects.filter(scope=IndexScope.NATIONAL).delete()
    national_tip = _national_tip(facilities["lurigancho"])
    # As the single shared index key made them before the upgrade.
    regional_key = index_key_open(vault=vault_of(cast["national_investigator"]))
    assert regional_key is not None
    old, _new = mention_store(
        tip=national_tip,
        data_key=tip_data_key_open(tip=national_tip, vault=vault_of(cast["national_investigator"])),
        index_key=regional_key[0],
        key=regional_key[1],
        kind="person",
        value=GUARD,
    )
    lima = cast["lima_investigator"]
    lima_tip, _ = submit_tip(facility=facilities["lurigancho"])
    probe = record(lima, lima_tip, "person", GUARD)
    assert bytes(probe.pseudonym) == bytes(old.pseudonym), "the old national mention still shares the pseudonym"

    # The reads hide it from Lima at once, before anyone runs a command.
    assert suggested_links(case=lima_tip.case_link.case, member=lima, vault=vault_of(lima)).elsewhere == []
    assert [v.other_tips for v in tip_entities(tip=lima_tip, text="", member=lima, vault={}).mentions] == [0]
    assert pseudonym_view(pseudonym=bytes(probe.pseudonym), member=lima, vault={}).elsewhere == []

    # The upgrade: create the national key (public keys only), then re-key the national mentions offline.
    call_command("create_index_key", stdout=StringIO())
    escrow = tmp_path / "escrow.key"
    escrow.write_bytes(settings.TEST_ESCROW_PRIVATE_KEY)
    out = StringIO()
    call_command("rotate_index_key", escrow_private_key=escrow, scope="national", stdout=out)

    assert "1 pseudonym(s) recomputed" in out.getvalue()
    old.refresh_from_db()
    probe.refresh_from_db()
    assert old.index_key.scope == IndexScope.NATIONAL and bytes(old.pseudonym) != bytes(probe.pseudonym)
    assert probe.index_key.scope == IndexScope.REGIONAL, "regional mentions are left alone"
    national = cast["national_investigator"]
    links = suggested_links(case=national_tip.case_link.case, member=national, vault=vault_of(national))
    assert [link.unit_name for link in links.elsewhere] == ["Lima IA"]
    assert audit_verify().ok


def test_a_new_national_key_reaches_the_national_unit_only(cast: dict[str, StaffMember]) -> None:
    IndexKey.objects.filter(scope=IndexScope.NATIONAL).delete()
    index_key, _key = index_key_create(scope=IndexScope.NATIONAL)

    assert {seal.unit_keypair.unit.slug for seal in index_key.seals.select_related("unit_keypair__unit")} == {
        "national"
    }
    for regional in ("lima_investigator", "lima_supervisor", "norte_investigator"):
        assert index_key_open(vault=vault_of(cast[regional]), scope=IndexScope.NATIONAL) is None


def test_a_case_transferred_into_the_national_unit_leaves_no_trace_in_the_regional_units(
    cast: dict[str, StaffMember],
    units: dict[str, Unit],
    facilities: dict[str, Facility],
    settings: LazySettings,
    tmp_path: Path,
) -> None:
    """Its entities were keyed with the regional key: hidden from the regional units at once, re-keyed offline."""
    lima_tip, _ = submit_tip(facility=facilities["lurigancho"])
    record(cast["lima_investigator"], lima_tip, "person", GUARD)
    norte_tip, _ = submit_tip(facility=facilities["trujillo"])
    record(cast["norte_investigator"], norte_tip, "person", "Pérez Juan")
    supervisor = cast["lima_supervisor"]
    case_transfer(case=lima_tip.case_link.case, to_unit=units["national"], actor=supervisor, vault=vault_of(supervisor))

    norte = cast["norte_investigator"]
    assert suggested_links(case=norte_tip.case_link.case, member=norte, vault=vault_of(norte)).elsewhere == []
    assert "National IA" not in _case_page("norte_investigator", norte_tip)

    escrow = tmp_path / "escrow.key"
    escrow.write_bytes(settings.TEST_ESCROW_PRIVATE_KEY)
    call_command("rotate_index_key", escrow_private_key=escrow, scope="national", stdout=StringIO())

    moved = EntityMention.objects.get(tip=lima_tip)
    assert moved.index_key.scope == IndexScope.NATIONAL
    national = cast["national_investigator"]
    links = suggested_links(case=lima_tip.case_link.case, member=national, vault=vault_of(national))
    assert [link.unit_name for link in links.elsewhere] == ["Norte IA"]
    assert suggested_links(case=norte_tip.case_link.case, member=norte, vault=vault_of(norte)).elsewhere == []
