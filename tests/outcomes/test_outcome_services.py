"""Persons concerned, proceedings, referrals and platform codes, as a supervisor and investigators record them."""

from __future__ import annotations

import datetime

import pytest

import envelope
from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import CaseEvent
from cases.permissions import CaseActionRefused
from cases.statuses import CaseStatus
from outcomes import services
from outcomes.models import PersonConcerned, PersonOutcome, ProceedingStage, Sanction
from tests.conftest import staff_client
from tests.outcomes.conftest import LimaCase, investigating, set_status

pytestmark = pytest.mark.django_db

NAME = "Sgto. Julio Quispe Mamani"


def test_a_person_gets_the_next_code_and_the_name_is_encrypted_at_rest(lima: LimaCase) -> None:
    first = services.person_add(
        case=lima.case, role="staff", name=NAME, details="Pabellon 5", actor=lima.investigator, vault=lima.vault
    )
    second = services.person_add(
        case=lima.case, role="visitor", name="Otra", details="", actor=lima.investigator, vault=lima.vault
    )
    assert (first.code, second.code) == ("P-1", "P-2")
    stored = PersonConcerned.objects.get(pk=first.pk)
    assert NAME.encode() not in bytes(stored.name_ct) and b"Pabellon" not in bytes(stored.details_ct)
    opened = envelope.open_fields(
        envelope.PERSON_CONCERNED, stored, lima.case.public_id, stored.public_id, key=lima.key
    )
    assert opened == {"name": NAME, "details": "Pabellon 5"}
    assert lima.case.events.filter(kind=CaseEvent.Kind.PERSON_ADDED).count() == 2
    audit = AuditEvent.objects.filter(action=AuditAction.OUTCOME_RECORDED)
    assert audit.count() == 2 and NAME not in str(list(audit.values_list("details", flat=True)))


def test_a_proceeding_needs_a_case_under_investigation_or_substantiated(lima: LimaCase) -> None:
    with pytest.raises(CaseActionRefused, match="en investigación o fundado"):
        services.proceeding_open(
            case=lima.case, person=None, reference="PAD-1", opened_on=datetime.date.today(), actor=lima.supervisor
        )
    set_status(lima.case, CaseStatus.SUBSTANTIATED)
    assert (
        services.proceeding_open(
            case=lima.case, person=None, reference="PAD-1", opened_on=datetime.date.today(), actor=lima.supervisor
        ).reference
        == "PAD-1"
    )


def test_an_investigator_not_assigned_cannot_record_a_proceeding(lima: LimaCase) -> None:
    case = investigating(lima)
    with pytest.raises(CaseActionRefused):
        services.proceeding_open(
            case=case, person=None, reference="PAD-2", opened_on=datetime.date.today(), actor=lima.investigator
        )


def test_a_suspension_needs_its_days_and_a_sanction_marks_the_person(lima: LimaCase) -> None:
    case = investigating(lima)
    person = services.person_add(
        case=case, role="staff", name=NAME, details="", actor=lima.supervisor, vault=lima.vault
    )
    proceeding = services.proceeding_open(
        case=case, person=person, reference="PAD-7/2026", opened_on=datetime.date.today(), actor=lima.supervisor
    )
    for days in (None, 0, 400):
        with pytest.raises(CaseActionRefused, match="365"):
            services.proceeding_update(
                proceeding=proceeding,
                stage=ProceedingStage.SANCTIONING,
                sanction=Sanction.SUSPENSION,
                suspension_days=days,
                actor=lima.supervisor,
            )
    services.proceeding_update(
        proceeding=proceeding,
        stage=ProceedingStage.CONCLUDED,
        sanction=Sanction.SUSPENSION,
        suspension_days=30,
        actor=lima.supervisor,
    )
    proceeding.refresh_from_db()
    person.refresh_from_db()
    assert proceeding.sanctioned_on == proceeding.concluded_on == datetime.date.today()
    assert proceeding.suspension_days == 30
    assert person.outcome == PersonOutcome.SANCTIONED and person.outcome_on == datetime.date.today()


def test_platform_codes_are_checked_and_unique_per_case(lima: LimaCase) -> None:
    services.platform_code_add(case=lima.case, code="2026-00123/INPE", actor=lima.investigator)
    with pytest.raises(CaseActionRefused, match="ya está"):
        services.platform_code_add(case=lima.case, code="2026-00123/inpe", actor=lima.investigator)
    for bad in ("x1", "<script>", "a" * 60):
        with pytest.raises(CaseActionRefused):
            services.platform_code_add(case=lima.case, code=bad, actor=lima.investigator)


def test_merging_moves_persons_renumbered_and_reencrypted(lima: LimaCase, cast: dict[str, StaffMember]) -> None:
    from tests.factories import submit_tip

    other_tip, _receipt = submit_tip(facility=lima.tip.facility, description="Otra denuncia")
    other = other_tip.case_link.case
    services.person_add(case=lima.case, role="staff", name="Uno", details="", actor=lima.supervisor, vault=lima.vault)
    moved = services.person_add(
        case=other, role="staff", name=NAME, details="", actor=lima.supervisor, vault=lima.vault
    )
    services.platform_code_add(case=other, code="ABC-123", actor=lima.supervisor)
    from cases.services import case_key_open

    services.persons_move_to_case(
        target=lima.case,
        other=other,
        target_key=lima.key,
        other_key=case_key_open(case=other, vault=lima.vault),
    )
    moved.refresh_from_db()
    assert moved.case_id == lima.case.pk and moved.code == "P-2"
    name = envelope.open_field(
        envelope.PERSON_CONCERNED, "name", moved, lima.case.public_id, moved.public_id, key=lima.key
    )
    assert name == NAME
    assert list(lima.case.platform_filings.values_list("code", flat=True)) == ["ABC-123"]


def test_the_case_page_shows_the_outcome_section_and_its_forms_work(lima: LimaCase) -> None:
    investigating(lima)
    client = staff_client("lima_supervisor")
    url = f"/staff/outcomes/cases/{lima.case.public_id}/"
    response = client.post(url + "person-add/", {"person-role": "staff", "person-name": NAME}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "P-1" in html and NAME in html
    html = client.post(
        url + "proceeding-open/",
        {
            "proceeding-person": str(PersonConcerned.objects.get().public_id),
            "proceeding-reference": "PAD-9",
            "proceeding-opened_on": datetime.date.today().isoformat(),
        },
        follow=True,
    ).content.decode()
    assert "PAD-9" in html
    html = client.post(
        url + "referral-send/",
        {"referral-authority": "fiscalia", "referral-sent_on": datetime.date.today().isoformat()},
        follow=True,
    ).content.decode()
    assert 'id="referrals"' in html
    assert html.index('id="timeline"') < html.index('id="outcome"')


def test_another_units_investigator_gets_404(lima: LimaCase) -> None:
    client = staff_client("norte_investigator")
    response = client.post(f"/staff/outcomes/cases/{lima.case.public_id}/person-add/", {"person-name": "x"})
    assert response.status_code == 404
    assert not PersonConcerned.objects.exists()


def test_the_case_page_prefills_its_date_pickers_in_the_format_they_read(lima: LimaCase) -> None:
    """A date input holds only YYYY-MM-DD: today's date in the page's format (dd/mm/yyyy) would leave it empty,
    and the browser would refuse to send the required field."""
    from django.utils import timezone

    investigating(lima)
    page = staff_client("lima_supervisor").get(f"/staff/cases/{lima.case.public_id}/").content.decode()
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert f'name="proceeding-opened_on" value="{today}"' in page
    assert f'name="referral-sent_on" value="{today}"' in page
