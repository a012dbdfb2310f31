"""Recording entities on a tip: encrypted values, equal pseudonyms for one entity across tips and units."""

from __future__ import annotations

import re
import uuid

import pytest

from accounts.models import StaffMember
from audit.models import AuditEvent
from cases.services import recusal_add
from linking.models import EntityMention, IndexKey
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.linking.conftest import record, record_by_post
from tests.tipline.test_canary_at_rest import all_database_values, needles

pytestmark = pytest.mark.django_db


def test_a_recorded_value_is_nowhere_in_the_clear(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tag = uuid.uuid4().hex[:10]
    canary = f"Canario{tag}"
    tip, _ = submit_tip(facility=facilities["lurigancho"])
    client = staff_client("lima_investigator")

    page = record_by_post(client, tip, "person", f"Sgto. {canary} Quispe", role="staff")

    mention = EntityMention.objects.get(tip=tip)
    assert f"Sgto. {canary} Quispe" in page, "the investigator reads the value back on the case page"
    assert len(bytes(mention.pseudonym)) == 32
    forms = [*needles(canary), canary.lower().encode(), canary.upper().encode()]
    for table, data in all_database_values():
        for form in forms:
            assert form not in data, f"the recorded value was found in table {table}"
    for cookie in client.cookies.values():
        assert canary.lower() not in cookie.value.lower(), "a message or cookie carried the value"
    event = AuditEvent.objects.get(action="entity_recorded", target_id=str(tip.public_id))
    assert event.details == {"kind": "person", "mention": str(mention.public_id)}
    assert event.actor_username == "lima_investigator"


def test_one_entity_has_one_pseudonym_across_tips_and_units(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    lima_tip, _ = submit_tip(facility=facilities["lurigancho"])
    norte_tip, _ = submit_tip(facility=facilities["trujillo"])
    assert lima_tip.unit != norte_tip.unit

    in_lima = record(cast["lima_investigator"], lima_tip, "person", "Sgto. Juan Pérez")
    in_norte = record(cast["norte_investigator"], norte_tip, "person", "sargento JUAN PEREZ")
    someone_else = record(cast["norte_investigator"], norte_tip, "person", "Sgto. Juan Ramírez")
    # The kind is part of the pseudonym: a company called "Juan Pérez" is not the sergeant.
    company = record(cast["lima_investigator"], lima_tip, "company", "Juan Pérez S.A.C.")

    assert bytes(in_lima.pseudonym) == bytes(in_norte.pseudonym)
    assert bytes(someone_else.pseudonym) != bytes(in_lima.pseudonym)
    assert bytes(company.pseudonym) != bytes(in_lima.pseudonym)


def test_a_place_links_only_within_its_prison(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    first, _ = submit_tip(facility=facilities["lurigancho"])
    second, _ = submit_tip(facility=facilities["lurigancho"])
    elsewhere, _ = submit_tip(facility=facilities["trujillo"])

    a = record(cast["lima_investigator"], first, "place", "pabellón 4")
    b = record(cast["lima_supervisor"], second, "place", "Pab. IV")
    c = record(cast["norte_investigator"], elsewhere, "place", "pabellón 4")

    assert bytes(a.pseudonym) == bytes(b.pseudonym)
    assert bytes(c.pseudonym) != bytes(a.pseudonym)


def test_suggestions_are_recorded_with_one_click_and_then_no_longer_suggested(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    """A report stored before automatic linking (no machine-found entities): its text is offered as buttons."""
    tip, _ = submit_tip(
        facility=facilities["lurigancho"],
        description="El técnico Juan Ramos recibe celulares en el pabellón 4. Depositan al 987 654 321.",
    )
    EntityMention.objects.filter(tip=tip).delete()
    case_url = f"/staff/cases/{tip.case_link.case.public_id}/"
    client = staff_client("lima_investigator")
    page = client.get(case_url).content.decode()
    buttons = re.findall(r'name="value" value="([^"]+)"', page)
    assert buttons == ["Juan Ramos", "pabellón 4", "987 654 321"]
    assert 'name="person_role" value="staff"' in page

    page = record_by_post(client, tip, "person", "Juan Ramos", role="staff")

    assert re.findall(r'name="value" value="([^"]+)"', page) == ["pabellón 4", "987 654 321"]
    assert page.count('class="d-flex flex-wrap align-items-center gap-2 mb-1 entity-mention"') == 1
    mention = EntityMention.objects.get(tip=tip)
    assert mention.kind == "person" and mention.person_role == "staff"
    assert mention.created_by == cast["lima_investigator"]


def test_the_same_entity_twice_on_a_tip_is_recorded_once(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, _ = submit_tip(facility=facilities["lurigancho"])
    client = staff_client("lima_investigator")
    record_by_post(client, tip, "phone", "987 654 321")
    page = record_by_post(client, tip, "phone", "+51 987-654-321")
    assert "alert-info" in page
    assert EntityMention.objects.filter(tip=tip).count() == 1


def test_a_recorded_entity_can_be_removed(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    tip, _ = submit_tip(facility=facilities["lurigancho"])
    mention = record(cast["lima_investigator"], tip, "vehicle", "ABC-123")
    response = staff_client("lima_supervisor").post(
        f"/staff/linking/tips/{tip.public_id}/mentions/{mention.public_id}/delete/", follow=True
    )
    assert response.status_code == 200
    assert not EntityMention.objects.filter(tip=tip).exists()
    assert AuditEvent.objects.filter(action="entity_removed", target_id=str(tip.public_id)).exists()


@pytest.mark.parametrize("username", ["norte_investigator", "national_investigator", "manager", "admin"])
def test_who_cannot_read_the_tip_cannot_record_or_remove(
    username: str, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, _ = submit_tip(facility=facilities["lurigancho"])
    mention = record(cast["lima_investigator"], tip, "vehicle", "ABC-123")
    client = staff_client(username)
    base = f"/staff/linking/tips/{tip.public_id}/mentions/"
    assert client.post(base, {"kind": "person", "value": "Juan Ramos"}).status_code == 404
    assert client.post(f"{base}{mention.public_id}/delete/").status_code == 404
    assert list(EntityMention.objects.filter(tip=tip)) == [mention]


def test_a_recused_investigator_cannot_record(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    tip, _ = submit_tip(facility=facilities["lurigancho"])
    recusal_add(case=tip.case_link.case, member=cast["lima_investigator"], actor=cast["lima_supervisor"])
    response = staff_client("lima_investigator").post(
        f"/staff/linking/tips/{tip.public_id}/mentions/", {"kind": "person", "value": "Juan Ramos"}
    )
    assert response.status_code == 404
    assert not EntityMention.objects.exists()


def test_without_an_index_key_nothing_is_recorded_and_the_page_says_why(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    IndexKey.objects.all().delete()
    tip, _ = submit_tip(facility=facilities["lurigancho"])
    page = record_by_post(staff_client("lima_investigator"), tip, "person", "Juan Ramos")
    assert "alert-danger" in page
    assert not EntityMention.objects.exists()


def test_a_value_without_an_entity_is_refused(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    tip, _ = submit_tip(facility=facilities["lurigancho"])
    page = record_by_post(staff_client("lima_investigator"), tip, "person", "Sgto.")
    assert "alert-danger" in page
    assert not EntityMention.objects.exists()
