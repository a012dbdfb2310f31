"""The pseudonym page: where an entity appears, for those who read tips; 404 for every other role."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from audit.models import AuditEvent
from cases.services import recusal_add
from linking.models import EntityMention
from org.models import Facility
from tests.conftest import PASSWORD, staff_client
from tests.factories import submit_tip
from tests.linking.conftest import record

pytestmark = pytest.mark.django_db

LIMA_SPELLING = "Sgto. Juan Pérez"
NORTE_SPELLING = "sargento JUAN PEREZ"


@pytest.fixture
def named(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> EntityMention:
    """The sergeant, named in a Lima tip and in a Norte tip; return the Lima mention."""
    lima_tip, _ = submit_tip(facility=facilities["lurigancho"], description="Lima: el Sgto. Juan Pérez cobra cupos.")
    norte_tip, _ = submit_tip(facility=facilities["trujillo"], description="Norte: el sargento cobra en la garita.")
    record(cast["norte_investigator"], norte_tip, "person", NORTE_SPELLING)
    return record(cast["lima_investigator"], lima_tip, "person", LIMA_SPELLING, role="staff")


def _url(mention: EntityMention) -> str:
    return f"/staff/linking/pseudonyms/{mention.pseudonym_hex}/"


def test_an_investigator_sees_their_cases_with_the_value_and_other_units_as_metadata(named: EntityMention) -> None:
    page = staff_client("lima_investigator").get(_url(named)).content.decode()

    readable = page[page.index('id="pseudonym-readable"') : page.index('id="pseudonym-elsewhere"')]
    assert LIMA_SPELLING in readable
    assert f"/staff/cases/{named.tip.case_link.case.public_id}/#tip-{named.tip.public_id}" in readable
    elsewhere = page[page.index('id="pseudonym-elsewhere"') :]
    assert "Norte IA" in elsewhere and "E.P. Trujillo (test)" in elsewhere
    assert NORTE_SPELLING not in page and "garita" not in page and "cobra cupos" not in page
    assert "E.P. Lurigancho (test)" in page[page.index('id="pseudonym-facilities"') :]
    event = AuditEvent.objects.get(target_type="pseudonym", action="pseudonym_viewed")
    assert (event.target_id, event.details) == (named.pseudonym_hex, {"tips": 1})


def test_the_other_unit_sees_only_where_and_when(named: EntityMention) -> None:
    page = staff_client("norte_investigator").get(_url(named)).content.decode()
    assert NORTE_SPELLING in page
    assert LIMA_SPELLING not in page and "Juan Pérez" not in page
    assert str(named.tip.public_id) not in page and str(named.tip.case_link.case.public_id) not in page
    assert "Lima IA" in page[page.index('id="pseudonym-elsewhere"') :]


def test_a_recused_investigator_does_not_see_the_case(
    named: EntityMention, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    recusal_add(case=named.tip.case_link.case, member=cast["lima_investigator"], actor=cast["lima_supervisor"])
    client = staff_client("lima_investigator")
    page = client.get(_url(named)).content.decode()
    assert 'id="pseudonym-readable"' not in page
    assert "E.P. Lurigancho (test)" not in page
    assert "Norte IA" in page
    # Nor is the case counted on another case's page: the sergeant is "also in 1 other report" (Norte's).
    other_tip, _ = submit_tip(facility=facilities["lurigancho"])
    record(cast["lima_investigator"], other_tip, "person", "Sgto. Pérez Juan")
    case_page = client.get(f"/staff/cases/{other_tip.case_link.case.public_id}/").content.decode()
    assert 'data-other-reports="1"' in case_page


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMINISTRATOR, Role.AUDITOR, Role.OPERATOR])
def test_roles_that_never_read_tips_get_a_404(named: EntityMention, role: str) -> None:
    username = f"someone_{role}"
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    staff_member_create(user=user, role=role, password=PASSWORD)
    response = staff_client(username).get(_url(named))
    assert response.status_code == 404
    assert LIMA_SPELLING.encode() not in response.content


def test_a_pseudonym_nobody_recorded_shows_an_empty_page(cast: dict[str, StaffMember]) -> None:
    response = staff_client("lima_investigator").get(f"/staff/linking/pseudonyms/{'ab' * 32}/")
    assert response.status_code == 200
    assert 'id="no-reports"' in response.content.decode()


@pytest.mark.parametrize("bad", ["AB" * 32, "ab" * 31, "zz" * 32])
def test_only_lower_case_hex_pseudonyms_have_a_page(cast: dict[str, StaffMember], bad: str) -> None:
    assert staff_client("lima_investigator").get(f"/staff/linking/pseudonyms/{bad}/").status_code == 404


def test_the_case_page_links_each_entity_to_its_pseudonym_page(named: EntityMention) -> None:
    case = named.tip.case_link.case
    page = staff_client("lima_supervisor").get(f"/staff/cases/{case.public_id}/").content.decode()
    assert _url(named) in page
