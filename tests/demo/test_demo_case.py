"""`make run`'s demo holds one case carried from the tip to a sanction and a referral (issue 13, item 9)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings, settings
from django.core.management import call_command

import envelope
from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.services import case_key_open
from cases.statuses import CaseStatus
from demo.story import IMEI, PHONE_NUMBER, PLATFORM_CODE, demo_case
from evidence.custody import custody_verify
from evidence.models import CellSearch, CustodyEntry, Exhibit, ExhibitIdentifier, ExhibitKind, ExhibitStatus
from evidence.selectors import identifier_named_in
from investigation.models import Interview, Task
from linking.models import EntityKind, EntityMention
from outcomes.models import (
    Authority,
    PersonConcerned,
    PersonOutcome,
    PlatformFiling,
    Proceeding,
    ProceedingStage,
    Referral,
    ReferralExport,
    Sanction,
)
from tests.conftest import staff_client
from tipline.models import Tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_loaded(settings: LazySettings, tmp_path: Path) -> str:
    """Load the demo as `make run` leaves it (the demo's escrow key beside the public one); return its output."""
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    (tmp_path / "escrow").mkdir(exist_ok=True)
    (tmp_path / "escrow" / "DEMO-escrow-private.key").write_bytes(settings.TEST_ESCROW_PRIVATE_KEY)
    out = StringIO()
    call_command("load_demo", synthetic=0, stdout=out)
    return out.getvalue()


def _member(username: str) -> StaffMember:
    return StaffMember.objects.get(user__username=username)


def test_the_demo_carries_one_case_from_the_tip_to_a_sanction_and_a_referral(demo_loaded: str) -> None:
    case = demo_case()
    assert case is not None
    assert f"Caso de demostración completo: /staff/cases/{case.public_id}/" in demo_loaded
    investigator, investigator2 = _member("investigator"), _member("investigator2")
    assert case.status == CaseStatus.SUBSTANTIATED
    assert case.assignee == investigator and case.acknowledged_on is not None
    assert case.received_on < case.closed_on

    tasks = Task.objects.filter(case=case)
    assert tasks.count() == 3
    assert {task.assignee for task in tasks.filter(done_on__isnull=False)} == {investigator, investigator2}
    assert Interview.objects.filter(case=case).count() == 1

    search = CellSearch.objects.get(prompted_by=case)
    assert (search.phones_found, search.chargers_found) == (2, 2)
    assert search.held_on < case.closed_on

    exhibits = {exhibit.kind: exhibit for exhibit in Exhibit.objects.filter(case=case)}
    assert set(exhibits) == {ExhibitKind.PHONE, ExhibitKind.CHARGER, ExhibitKind.DIGITAL_FILE}
    phone = exhibits[ExhibitKind.PHONE]
    assert phone.search == search and phone.holder == investigator2 and phone.status == ExhibitStatus.IN_CUSTODY
    transfer = CustodyEntry.objects.get(exhibit=phone, seq=2)
    assert transfer.kind == CustodyEntry.Kind.TRANSFERRED and transfer.signed_by == investigator
    assert all(custody_verify(exhibit).ok for exhibit in exhibits.values())

    person = PersonConcerned.objects.get(case=case)
    assert person.code == "P-1" and person.outcome == PersonOutcome.SANCTIONED
    proceeding = Proceeding.objects.get(case=case)
    assert proceeding.person == person and proceeding.stage == ProceedingStage.CONCLUDED
    assert proceeding.sanction == Sanction.SUSPENSION and proceeding.suspension_days
    referral = Referral.objects.get(case=case)
    assert referral.authority == Authority.FISCALIA and referral.reference
    assert PlatformFiling.objects.filter(case=case, code=PLATFORM_CODE).exists()
    export = ReferralExport.objects.get(case=case)
    assert export.referral == referral and len(export.sha256) == 64

    # Everything the services sealed opens with the case key, and is not in the clear in the database.
    vault = staff_unlock_keys(member=investigator, password=settings.TIPLINE_DEMO_PASSWORD)
    key = case_key_open(case=case, vault=vault)
    assert b"Quispe" not in bytes(person.name_ct)
    assert (
        "Quispe"
        in envelope.open_fields(envelope.PERSON_CONCERNED, person, case.public_id, person.public_id, key=key)["name"]
    )

    # The page opens for the assignee, with the case's work on it.
    page = staff_client("investigator", settings.TIPLINE_DEMO_PASSWORD).get(f"/staff/cases/{case.public_id}/")
    assert page.status_code == 200
    assert "DEMO-PAD-2026-014" in page.content.decode()


def test_the_seized_phone_meets_the_report_that_named_its_number(demo_loaded: str) -> None:
    case = demo_case()
    assert case is not None
    tip = Tip.objects.get(case_link__case=case)
    number = ExhibitIdentifier.objects.get(exhibit__case=case, kind=EntityKind.PHONE)
    assert PHONE_NUMBER.replace(" ", "").encode() not in bytes(number.value_ct)
    mention = EntityMention.objects.get(tip=tip, kind=EntityKind.PHONE)
    assert mention.linked_pseudonym == bytes(number.pseudonym)
    assert identifier_named_in(pseudonym=bytes(number.pseudonym), member=_member("investigator")).cases == [case]
    # Its holder opens the exhibit's page and reads the number, decrypted.
    phone_page = staff_client("investigator2", settings.TIPLINE_DEMO_PASSWORD).get(
        f"/staff/evidence/exhibits/{number.exhibit.public_id}/"
    )
    assert phone_page.status_code == 200
    assert PHONE_NUMBER in phone_page.content.decode()
    assert ExhibitIdentifier.objects.filter(exhibit__case=case, kind=EntityKind.IMEI).count() == 1
    assert IMEI.encode() not in bytes(ExhibitIdentifier.objects.get(kind=EntityKind.IMEI).value_ct)


def test_loading_the_demo_again_keeps_one_such_case_and_still_says_where_it_is(demo_loaded: str) -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    case = demo_case()
    assert case is not None
    assert PlatformFiling.objects.filter(code=PLATFORM_CODE).count() == 1
    assert f"Caso de demostración completo: /staff/cases/{case.public_id}/" in out.getvalue()
