"""Every probe of a name in other units is in the audit chain with its pseudonym: repeated probing shows."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from audit.models import AuditEvent
from audit.services import audit_verify
from linking.models import EntityMention, IndexScope
from linking.pseudonyms import entity_pseudonym, index_key_peek
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.linking.conftest import record, record_by_post, vault_of
from tipline.models import StaffInvolved

pytestmark = pytest.mark.django_db


def _probes(pseudonym_hex: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="pseudonym_probed", target_type="pseudonym", target_id=pseudonym_hex))


def test_an_auditor_sees_one_name_probed_again_and_again(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    client = staff_client("lima_investigator")
    tips = [submit_tip(facility=facilities["lurigancho"])[0] for _ in range(3)]
    # The insider tries the same guard on three of their own tips, spelled three ways, and once more on the first.
    for tip, spelling in zip(tips, ("Sgto. Juan Pérez", "sargento JUAN PEREZ", "Pérez Juan"), strict=True):
        record_by_post(client, tip, "person", spelling)
    record_by_post(client, tips[0], "person", "juan perez")

    pseudonym = EntityMention.objects.filter(tip=tips[0]).get().pseudonym_hex
    probes = _probes(pseudonym)
    assert len(probes) == 4, "every probe, the repeated one on an already recorded name too"
    lima = cast["lima_investigator"]
    assert {event.actor_id for event in probes} == {lima.user_id}
    assert {event.details["tip"] for event in probes} == {str(tip.public_id) for tip in tips}
    assert {(event.details["kind"], event.details["scope"]) for event in probes} == {("person", "regional")}
    assert "Juan" not in str([event.details for event in probes]), "the pseudonym, never the name"
    assert audit_verify().ok


def test_the_national_units_lookup_in_the_regional_units_is_audited_with_the_regional_pseudonym(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    national = cast["national_investigator"]
    tip, _ = submit_tip(facility=facilities["lurigancho"], staff_involved=StaffInvolved.YES)

    mention = record(national, tip, "person", "Sgto. Juan Pérez")

    regional_key = index_key_peek(vault=vault_of(national), scope=IndexScope.REGIONAL)
    assert regional_key is not None
    regional = entity_pseudonym(key=regional_key, kind="person", value="Sgto. Juan Pérez", facility_id=tip.facility_id)
    assert regional is not None
    [own] = _probes(mention.pseudonym_hex)
    [in_regional_units] = _probes(regional.hex())
    assert (own.details["scope"], in_regional_units.details["scope"]) == ("national", "regional")
    assert own.unit_id == in_regional_units.unit_id == tip.unit_id
