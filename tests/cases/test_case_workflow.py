"""The case workflow as investigators and supervisors use it, through the staff pages."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import StaffMember
from audit.models import AuditEvent
from cases.models import Case, CaseEvent, Priority
from cases.statuses import CaseStatus
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tipline.models import Tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Case:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Celulares en el pabellón 5.")
    return tip.case_link.case


def act(client: Client, case: Case, action: str, data: dict[str, object]) -> str:
    response = client.post(f"/staff/cases/{case.public_id}/{action}/", data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_every_tip_opens_a_case_with_deadlines_and_a_triage_score(case: Case) -> None:
    assert case.status == CaseStatus.RECEIVED
    assert (case.acknowledge_due - case.received_on).days == 7
    assert (case.feedback_due - case.received_on).days == 90
    assert case.next_due == case.acknowledge_due
    assert case.triage_score > 0
    assert case.events.filter(kind=CaseEvent.Kind.OPENED).exists()


@pytest.mark.parametrize(
    ("start", "allowed", "forbidden"),
    [
        (
            CaseStatus.RECEIVED,
            {CaseStatus.TRIAGE, CaseStatus.NOT_ACTIONABLE, CaseStatus.REFERRED},
            {CaseStatus.SUBSTANTIATED, CaseStatus.INVESTIGATING},
        ),
        (
            CaseStatus.TRIAGE,
            {CaseStatus.INVESTIGATING, CaseStatus.REFERRED, CaseStatus.NOT_ACTIONABLE},
            {CaseStatus.RECEIVED, CaseStatus.SUBSTANTIATED},
        ),
        (
            CaseStatus.INVESTIGATING,
            {CaseStatus.SUBSTANTIATED, CaseStatus.UNSUBSTANTIATED, CaseStatus.REFERRED, CaseStatus.NOT_ACTIONABLE},
            {CaseStatus.RECEIVED, CaseStatus.TRIAGE},
        ),
        (
            CaseStatus.SUBSTANTIATED,
            set(),
            {CaseStatus.RECEIVED, CaseStatus.TRIAGE, CaseStatus.INVESTIGATING, CaseStatus.UNSUBSTANTIATED},
        ),
    ],
)
def test_transitions_follow_iso_37002(case: Case, start: str, allowed: set[str], forbidden: set[str]) -> None:
    case.status = start
    assert {s for s in CaseStatus.values if case.can_transition_to(s)} == allowed
    assert not any(case.can_transition_to(s) for s in forbidden)


def test_acknowledging_posts_the_standard_message_and_starts_triage(case: Case) -> None:
    tip = Tip.objects.get(case_link__case=case)
    public = Client()
    html = act(staff_client("lima_investigator"), case, "acknowledge", {"message": ""})
    assert "Acknowledged" in html or "acuse" in html.lower() or "Recibido" in html
    case.refresh_from_db()
    assert case.acknowledged_on is not None and case.status == CaseStatus.TRIAGE
    assert case.next_due == case.feedback_due
    tip.refresh_from_db()
    assert tip.status == CaseStatus.TRIAGE
    assert tip.messages.count() == 1
    assert AuditEvent.objects.filter(action="case_acknowledged", target_id=str(case.public_id)).exists()
    del public


def test_a_forbidden_transition_is_refused_with_a_message(case: Case) -> None:
    html = act(staff_client("lima_investigator"), case, "transition", {"to": CaseStatus.SUBSTANTIATED, "reason": "x"})
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED
    assert "alert-danger" in html


def test_closing_needs_a_reason_and_the_supervisor_or_the_assignee(case: Case, cast: dict[str, StaffMember]) -> None:
    investigator = staff_client("lima_investigator")
    act(investigator, case, "transition", {"to": CaseStatus.TRIAGE})
    act(investigator, case, "transition", {"to": CaseStatus.INVESTIGATING})
    # Not assigned: an investigator cannot close.
    act(investigator, case, "transition", {"to": CaseStatus.SUBSTANTIATED, "reason": "Requisa encontró 3 celulares."})
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    # The supervisor assigns; the assignee closes, but not without a reason.
    act(staff_client("lima_supervisor"), case, "assign", {"assignee": cast["lima_investigator"].pk})
    act(investigator, case, "transition", {"to": CaseStatus.SUBSTANTIATED, "reason": ""})
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    act(investigator, case, "transition", {"to": CaseStatus.SUBSTANTIATED, "reason": "Requisa encontró 3 celulares."})
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBSTANTIATED and case.closed_on is not None
    assert b"Requisa" not in bytes(case.closing_reason_ct)
    page = investigator.get(f"/staff/cases/{case.public_id}/").content.decode()
    assert "Requisa encontró 3 celulares." in page
    changes = list(case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).values_list("from_status", "to_status"))
    assert changes == [("received", "triage"), ("triage", "investigating"), ("investigating", "substantiated")]
    assert AuditEvent.objects.filter(action="status_changed", target_id=str(case.public_id)).count() == 3


def test_the_whistleblower_sees_the_outcome_in_plain_words(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"])
    case = tip.case_link.case
    supervisor = staff_client("lima_supervisor")
    act(supervisor, case, "transition", {"to": CaseStatus.NOT_ACTIONABLE, "reason": "Sin datos suficientes."})
    public = Client()
    public.post("/followup/", {"receipt": receipt})
    html = public.get("/followup/").content.decode()
    assert "Archivada" in html
    assert "Sin datos suficientes." not in html  # the internal reason stays internal


def test_only_supervisors_assign_and_only_to_members_of_the_unit(case: Case, cast: dict[str, StaffMember]) -> None:
    act(staff_client("lima_investigator"), case, "assign", {"assignee": cast["lima_investigator"].pk})
    case.refresh_from_db()
    assert case.assignee is None
    act(staff_client("lima_supervisor"), case, "assign", {"assignee": cast["norte_investigator"].pk})
    case.refresh_from_db()
    assert case.assignee is None
    act(staff_client("lima_supervisor"), case, "assign", {"assignee": cast["lima_investigator"].pk})
    case.refresh_from_db()
    assert case.assignee == cast["lima_investigator"]


def test_a_recused_investigator_no_longer_sees_the_case(case: Case, cast: dict[str, StaffMember]) -> None:
    tip = Tip.objects.get(case_link__case=case)
    act(staff_client("lima_supervisor"), case, "recuse", {"member": cast["lima_investigator"].pk})
    investigator = staff_client("lima_investigator")
    assert investigator.get(f"/staff/cases/{case.public_id}/").status_code == 404
    assert investigator.get(f"/staff/tips/{tip.public_id}/").status_code == 404
    assert str(case.public_id) not in investigator.get("/staff/").content.decode()
    assert staff_client("lima_supervisor").get(f"/staff/cases/{case.public_id}/").status_code == 200


def test_a_supervisor_cannot_recuse_themselves_and_keeps_the_case(case: Case, cast: dict[str, StaffMember]) -> None:
    supervisor = staff_client("lima_supervisor")
    response = supervisor.post(f"/staff/cases/{case.public_id}/recuse/", {"member": cast["lima_supervisor"].pk})
    assert response.status_code == 302
    assert not case.recusals.exists()
    assert supervisor.get(f"/staff/cases/{case.public_id}/").status_code == 200


def test_notes_are_encrypted_and_readable_by_the_unit(case: Case) -> None:
    act(staff_client("lima_investigator"), case, "note", {"body": "NOTE-CANARY-9931 el técnico Ramos"})
    note = case.notes.get()
    assert b"NOTE-CANARY-9931" not in bytes(note.body_ct)
    assert "NOTE-CANARY-9931" in staff_client("lima_supervisor").get(f"/staff/cases/{case.public_id}/").content.decode()


def test_linking_merges_related_tips_into_one_case(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    first, _ = submit_tip(facility=facilities["lurigancho"], description="Primera denuncia sobre el técnico.")
    second, _ = submit_tip(facility=facilities["lurigancho"], description="Segunda denuncia, mismo técnico.")
    target, other = first.case_link.case, second.case_link.case
    investigator = staff_client("lima_investigator")
    act(investigator, other, "note", {"body": "Nota del segundo caso"})
    act(investigator, target, "link", {"other": str(other.public_id)})
    assert not Case.objects.filter(pk=other.pk).exists()
    assert set(Tip.objects.filter(case_link__case=target)) == {first, second}
    page = investigator.get(f"/staff/cases/{target.public_id}/").content.decode()
    assert "Primera denuncia" in page and "Segunda denuncia" in page and "Nota del segundo caso" in page
    assert target.events.filter(kind=CaseEvent.Kind.LINKED).exists()


def test_a_transfer_reseals_the_case_to_the_other_unit(case: Case) -> None:
    tip = Tip.objects.get(case_link__case=case)
    act(staff_client("lima_supervisor"), case, "transfer", {"unit": case.unit.__class__.objects.get(slug="norte").pk})
    case.refresh_from_db()
    tip.refresh_from_db()
    assert case.unit.slug == "norte" and tip.unit.slug == "norte"
    assert (
        "Celulares en el pabellón 5."
        in staff_client("norte_investigator").get(f"/staff/cases/{case.public_id}/").content.decode()
    )
    assert staff_client("lima_investigator").get(f"/staff/cases/{case.public_id}/").status_code == 404


def test_a_transfer_by_an_investigator_is_refused(case: Case) -> None:
    act(staff_client("lima_investigator"), case, "transfer", {"unit": case.unit.__class__.objects.get(slug="norte").pk})
    case.refresh_from_db()
    assert case.unit.slug == "lima"


def test_priority_is_set_by_the_supervisor(case: Case) -> None:
    act(staff_client("lima_supervisor"), case, "priority", {"priority": Priority.URGENT})
    case.refresh_from_db()
    assert case.priority == Priority.URGENT


def test_a_protection_request_gets_its_own_deadline_and_decision(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, _ = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    case = tip.case_link.case
    assert case.protection_due is not None and case.next_due == min(case.acknowledge_due, case.protection_due)
    # Decided in the case page's protection section (protection/; tests/protection/ has the rest).
    response = staff_client("lima_supervisor").post(
        f"/staff/protection/cases/{case.public_id}/decide/", {"decide-granted": "0"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.protection_decided_on is not None


def test_a_message_marked_as_feedback_meets_the_feedback_deadline(case: Case) -> None:
    tip = Tip.objects.get(case_link__case=case)
    act(
        staff_client("lima_investigator"),
        case,
        "message",
        {"tip": str(tip.public_id), "body": "Estamos investigando.", "is_feedback": "on"},
    )
    case.refresh_from_db()
    assert case.feedback_given_on is not None
    assert tip.messages.count() == 1
