"""What a review found: custody signatures throttled like logins, the outside recipient sealed, uploads after
login only, seized numbers looked up on the record, searches' cases for who reads them, custody hand to hand."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import StaffMember
from accounts.security import login_throttle_locked
from audit.models import AuditAction, AuditEvent
from cases.models import Case
from cases.permissions import CaseActionRefused
from cases.services import case_key_open, recusal_add
from evidence.custody import custody_return, custody_transfer, custody_verify
from evidence.models import CellSearch, CustodyEntry, Exhibit, ExhibitKind
from evidence.selectors import case_exhibits
from evidence.services import Found, exhibit_identifier_add, exhibit_register, search_record
from linking.models import EntityKind
from linking.services import mention_record
from org.models import Facility
from tests.conftest import PASSWORD, staff_client
from tests.evidence.conftest import vault_of
from tests.factories import submit_tip

# Own cache: the lock test locks lima_investigator in it.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def sign_transfer(exhibit: Exhibit, giver: StaffMember, taker: StaffMember, password: str) -> CustodyEntry:
    return custody_transfer(
        exhibit=exhibit, to_member=taker, actor=giver, password=password, remarks="", vault=vault_of(giver)
    )


# --- 1. a custody signature is a login attempt --------------------------------------------------------------------


def test_guessing_the_password_in_the_custody_form_locks_the_member(
    exhibit: Exhibit, cast: dict[str, StaffMember]
) -> None:
    investigator, supervisor = cast["lima_investigator"], cast["lima_supervisor"]
    for _attempt in range(5):
        with pytest.raises(CaseActionRefused):
            sign_transfer(exhibit, investigator, supervisor, password="guess")
    assert login_throttle_locked(username=investigator.user.get_username())
    # Locked, even the right password signs nothing (and the login page is locked too).
    with pytest.raises(CaseActionRefused):
        sign_transfer(exhibit, investigator, supervisor, password=PASSWORD)
    assert exhibit.custody.count() == 1
    refused = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, target_id=str(investigator.user.pk))
    assert refused.count() == 6
    assert all(event.details["refused"] == "password" for event in refused)
    assert "guess" not in str(list(refused.values_list("details", flat=True)))
    assert custody_verify(exhibit).ok  # the refusals are not custody entries
    client = Client()
    response = client.post("/staff/login/", {"username": investigator.user.get_username(), "password": PASSWORD})
    assert response.status_code != 302


# --- 2. the outside recipient is sealed -----------------------------------------------------------------------------


def test_the_owner_an_exhibit_was_returned_to_is_sealed(exhibit: Exhibit, cast: dict[str, StaffMember]) -> None:
    investigator = cast["lima_investigator"]
    entry = custody_return(
        exhibit=exhibit,
        to_outside="Juana Quispe Mamani",
        actor=investigator,
        password=PASSWORD,
        remarks="",
        vault=vault_of(investigator),
    )
    entry.refresh_from_db()
    assert b"Quispe" not in bytes(entry.to_outside_ct) and bytes(entry.to_outside_ct)
    assert custody_verify(exhibit).ok
    page = staff_client("lima_investigator").get(f"/staff/evidence/exhibits/{exhibit.public_id}/").content.decode()
    assert "Juana Quispe Mamani" in page
    # Its ciphertext is in the digest: changing it breaks the chain.
    CustodyEntry.objects.filter(pk=entry.pk).update(to_outside_ct=bytes(entry.remarks_ct) or b"x")
    assert custody_verify(exhibit).broken_seq == 2


# --- 3. no upload is read before login ------------------------------------------------------------------------------


def test_an_anonymous_upload_is_not_read(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    def handler_installed(*args: object) -> None:
        raise AssertionError("the upload handler was installed for an anonymous request")

    monkeypatch.setattr("evidence.views.EvidenceUploadHandler", handler_installed)
    response = Client().post(
        f"/staff/evidence/cases/{case.public_id}/exhibits/",
        {"kind": ExhibitKind.DIGITAL_FILE, "description": "x", "seized_on": "2026-01-01"},
    )
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    assert not Exhibit.objects.exists()


# --- 4 and 8. seized numbers: looked up on the record, and not on every case page view ------------------------------


@pytest.fixture
def named_phone(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Case:
    """A tip naming phone 987654321."""
    supervisor = cast["lima_supervisor"]
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Llaman desde un celular.")
    mention_record(tip=tip, kind=EntityKind.PHONE, value="987654321", actor=supervisor, vault=vault_of(supervisor))
    return tip.case_link.case


def test_adding_and_viewing_a_seized_number_is_audited(
    named_phone: Case, exhibit: Exhibit, cast: dict[str, StaffMember]
) -> None:
    investigator = cast["lima_investigator"]
    identifier = exhibit_identifier_add(
        exhibit=exhibit, kind=EntityKind.PHONE, value="987 654 321", actor=investigator, vault=vault_of(investigator)
    )
    viewed = AuditEvent.objects.filter(action=AuditAction.PSEUDONYM_VIEWED, target_id=bytes(identifier.pseudonym).hex())
    assert viewed.count() == 1
    page = staff_client("lima_investigator").get(f"/staff/evidence/exhibits/{exhibit.public_id}/").content.decode()
    assert "figura en 1 denuncia" in page
    assert viewed.count() == 2


def test_the_case_page_does_not_look_up_each_seized_number(
    named_phone: Case, case: Case, cast: dict[str, StaffMember]
) -> None:
    investigator = cast["lima_investigator"]
    vault = vault_of(investigator)

    def add_exhibit(phone: str) -> None:
        exhibit = exhibit_register(
            case=case,
            kind=ExhibitKind.PHONE,
            description="C",
            seized_on=datetime.date.today(),
            actor=investigator,
            vault=vault,
        )
        exhibit_identifier_add(exhibit=exhibit, kind=EntityKind.PHONE, value=phone, actor=investigator, vault=vault)

    add_exhibit("987654321")
    with CaptureQueriesContext(connection) as one:
        case_exhibits(case=case, member=investigator, vault=vault)
    for phone in ("987654322", "987654323", "987654324"):
        add_exhibit(phone)
    with CaptureQueriesContext(connection) as four:
        views = case_exhibits(case=case, member=investigator, vault=vault)
    assert len(views) == 4 and len(four.captured_queries) == len(one.captured_queries)


# --- 5. a search's case is linked only for who reads it ---------------------------------------------------------------


def test_a_recused_member_sees_no_link_to_the_case_that_prompted_a_search(
    case: Case, cast: dict[str, StaffMember]
) -> None:
    search_record(
        unit=case.unit,
        facility=case.facility,
        area="Pabellón 5",
        held_on=datetime.date.today(),
        found=Found(phones=1),
        actor=cast["lima_supervisor"],
        prompted_by=case,
    )
    assert CellSearch.objects.get().prompted_by == case
    recusal_add(case=case, member=cast["lima_investigator"], actor=cast["lima_supervisor"])
    page = staff_client("lima_investigator").get("/staff/evidence/searches/").content.decode()
    assert "Pabellón 5" in page and f"/staff/cases/{case.public_id}/" not in page
    page = staff_client("lima_supervisor").get("/staff/evidence/searches/").content.decode()
    assert f"/staff/cases/{case.public_id}/" in page


# --- 6. custody passes hand to hand, and the exhibit is where the chain says --------------------------------------


def test_a_holder_changed_behind_the_chain_is_detected(exhibit: Exhibit, cast: dict[str, StaffMember]) -> None:
    assert custody_verify(exhibit).ok
    Exhibit.objects.filter(pk=exhibit.pk).update(holder=cast["lima_supervisor"])
    result = custody_verify(exhibit)
    assert (result.ok, result.broken_seq) == (False, 1)


def test_an_entry_from_someone_who_did_not_hold_it_is_detected(exhibit: Exhibit, cast: dict[str, StaffMember]) -> None:
    """A chain whose entries each hold, and whose audit entries match, but which skips a hand."""
    sign_transfer(exhibit, cast["lima_investigator"], cast["lima_supervisor"], password=PASSWORD)
    entry = CustodyEntry.objects.get(exhibit=exhibit, seq=1)
    # The registration said it went to the supervisor, but the supervisor's entry starts from the investigator.
    from evidence.custody import entry_digest

    entry.to_member = cast["lima_supervisor"]
    assert entry_digest(entry, exhibit_id=exhibit.public_id) != entry.digest  # (caught by the digest too)
    second = CustodyEntry.objects.get(exhibit=exhibit, seq=2)
    CustodyEntry.objects.filter(pk=second.pk).update(from_member=cast["lima_supervisor"])
    result = custody_verify(exhibit)
    assert (result.ok, result.broken_seq) == (False, 2)


# --- 2 (merge). the recipient is sealed again under the target's key ----------------------------------------------


def test_a_merge_reseals_the_outside_recipient(
    exhibit: Exhibit, case: Case, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    from django.db import transaction

    from evidence.selectors import exhibit_detail
    from evidence.services import exhibits_move_to_case

    investigator = cast["lima_investigator"]
    vault = vault_of(investigator)
    custody_return(
        exhibit=exhibit, to_outside="Juana Quispe", actor=investigator, password=PASSWORD, remarks="", vault=vault
    )
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Otro.")
    target = tip.case_link.case
    with transaction.atomic():
        exhibits_move_to_case(
            target=target,
            other=case,
            target_key=case_key_open(case=target, vault=vault),
            other_key=case_key_open(case=case, vault=vault),
        )
    exhibit.refresh_from_db()
    detail = exhibit_detail(exhibit=exhibit, member=investigator, vault=vault)
    assert detail.verification.ok
    assert [item.to_outside for item in detail.custody] == ["", "Juana Quispe"]


# --- 7. custody_verify's audit look-up has its index -----------------------------------------------------------------


def test_the_audit_log_is_indexed_by_target() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditEvent._meta.db_table)
    assert any(
        found["index"] and found["columns"] == ["target_type", "target_id", "seq"] for found in constraints.values()
    )
