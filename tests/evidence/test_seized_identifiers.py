"""A phone seized in a search meets, blind, the tips that named its number; another unit only sees a count."""

from __future__ import annotations

import datetime

import pytest
from django.conf import LazySettings

from accounts.models import StaffMember
from cases.models import Case
from evidence.models import ExhibitIdentifier, ExhibitKind
from evidence.services import Found, exhibit_identifier_add, exhibit_register, search_record
from linking.models import EntityKind, IndexKey, IndexScope
from linking.normalise import normalise_imei
from linking.services import index_key_rotate, mention_record
from org.models import Facility
from tests.conftest import staff_client
from tests.evidence.conftest import vault_of
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def seized(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> tuple[Case, Case, ExhibitIdentifier]:
    """A tip naming phone 987654321, and a phone seized in a search of another case carrying +51 987 654 321."""
    supervisor = cast["lima_supervisor"]
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Llaman desde un celular.")
    mention_record(tip=tip, kind=EntityKind.PHONE, value="987654321", actor=supervisor, vault=vault_of(supervisor))
    other_tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Requisa pedida.")
    seizing_case = other_tip.case_link.case
    investigator = cast["lima_investigator"]
    search = search_record(
        unit=seizing_case.unit,
        facility=seizing_case.facility,
        area="Pabellón 3",
        held_on=datetime.date.today(),
        found=Found(phones=1),
        actor=investigator,
        prompted_by=seizing_case,
    )
    exhibit = exhibit_register(
        case=seizing_case,
        kind=ExhibitKind.PHONE,
        description="Celular hallado",
        seized_on=datetime.date.today(),
        search=search,
        actor=investigator,
        vault=vault_of(investigator),
    )
    identifier = exhibit_identifier_add(
        exhibit=exhibit,
        kind=EntityKind.PHONE,
        value="+51 987 654 321",
        actor=investigator,
        vault=vault_of(investigator),
    )
    return tip.case_link.case, seizing_case, identifier


def test_the_seized_exhibit_page_shows_the_tip_that_named_the_number(
    seized: tuple[Case, Case, ExhibitIdentifier],
) -> None:
    tip_case, _seizing_case, identifier = seized
    assert b"987 654 321" not in bytes(identifier.value_ct)
    client = staff_client("lima_investigator")
    page = client.get(f"/staff/evidence/exhibits/{identifier.exhibit.public_id}/").content.decode()
    assert "figura en 1 denuncia" in page
    assert f"/staff/cases/{tip_case.public_id}/" in page


def test_the_pseudonym_page_lists_the_exhibit(seized: tuple[Case, Case, ExhibitIdentifier]) -> None:
    _tip_case, _seizing_case, identifier = seized
    page = staff_client("lima_supervisor").get(f"/staff/linking/pseudonyms/{bytes(identifier.pseudonym).hex()}/")
    html = page.content.decode()
    assert 'id="pseudonym-seizures"' in html
    assert f"/staff/evidence/exhibits/{identifier.exhibit.public_id}/" in html


def test_another_unit_sees_only_a_count(
    seized: tuple[Case, Case, ExhibitIdentifier], cast: dict[str, StaffMember]
) -> None:
    _tip_case, _seizing_case, identifier = seized
    html = (
        staff_client("norte_investigator")
        .get(f"/staff/linking/pseudonyms/{bytes(identifier.pseudonym).hex()}/")
        .content.decode()
    )
    assert f"/staff/evidence/exhibits/{identifier.exhibit.public_id}/" not in html
    assert "Lima IA" in html


def test_an_imei_is_recorded_by_its_15_digits(
    seized: tuple[Case, Case, ExhibitIdentifier], cast: dict[str, StaffMember]
) -> None:
    _tip_case, _seizing_case, identifier = seized
    investigator = cast["lima_investigator"]
    imei = exhibit_identifier_add(
        exhibit=identifier.exhibit,
        kind=EntityKind.IMEI,
        value="35-209900-176148",
        actor=investigator,
        vault=vault_of(investigator),
    )
    tip, _receipt = submit_tip(
        facility=identifier.exhibit.case.facility,
        description="El celular tiene IMEI 35 209900 176148 1, es del interno.",
    )
    supervisor = cast["lima_supervisor"]
    mention_record(tip=tip, kind=EntityKind.IMEI, value="352099001761481", actor=supervisor, vault=vault_of(supervisor))
    page = staff_client("lima_investigator").get(f"/staff/evidence/exhibits/{imei.exhibit.public_id}/").content.decode()
    assert f"/staff/cases/{tip.case_link.case.public_id}/" in page


@pytest.mark.parametrize(
    ("written", "imei"),
    [
        ("35 209900 176148 1", "352099001761481"),
        ("35-209900-176148", "352099001761481"),  # no check digit: computed
        ("35/209900/176148/23", "352099001761481"),  # an IMEISV: its first 14 digits
        ("35 209900 176148 2", ""),  # a wrong check digit
        ("98765432", ""),
    ],
)
def test_imei_normalisation(written: str, imei: str) -> None:
    assert normalise_imei(written) == imei


def test_a_rotated_index_key_keeps_the_seized_number_linked(
    seized: tuple[Case, Case, ExhibitIdentifier], settings: LazySettings
) -> None:
    _tip_case, _seizing_case, identifier = seized
    before = bytes(identifier.pseudonym)
    index_key_rotate(escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY)
    identifier.refresh_from_db()
    assert bytes(identifier.pseudonym) != before
    assert identifier.index_key == IndexKey.objects.get(scope=IndexScope.REGIONAL, is_active=True)
    exhibit_page = f"/staff/evidence/exhibits/{identifier.exhibit.public_id}/"
    page = staff_client("lima_investigator").get(exhibit_page).content.decode()
    assert "figura en 1 denuncia" in page
