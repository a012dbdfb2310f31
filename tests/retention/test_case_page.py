"""The case page's retention section: the due day, a supervisor's legal hold with its reason, and a deleted case."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import CaseEvent
from cases.statuses import CaseStatus
from org.models import Facility
from retention.models import LegalHold
from retention.services import case_erase
from tests.conftest import staff_client
from tests.retention.conftest import LATER, closed_case

pytestmark = pytest.mark.django_db

REASON = "Orden del juzgado 45-2026"


def test_a_supervisor_places_and_lifts_a_hold_from_the_case_page(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    case = closed_case(facilities["lurigancho"], CaseStatus.NOT_ACTIONABLE, datetime.date(2026, 1, 15))
    supervisor = staff_client("lima_supervisor")
    page = supervisor.get(f"/staff/cases/{case.public_id}/").content.decode()
    assert 'id="retention-due"' in page and "2027" in page
    page = supervisor.post(
        f"/staff/retention/cases/{case.public_id}/hold-place/", {"hold-reason": REASON}, follow=True
    ).content.decode()
    hold = LegalHold.objects.get(case=case)
    assert REASON.encode() not in bytes(hold.reason_ct)
    assert REASON in page
    assert case.events.filter(kind=CaseEvent.Kind.LEGAL_HOLD_PLACED).exists()
    assert AuditEvent.objects.filter(action=AuditAction.LEGAL_HOLD_CHANGED, target_id=str(case.public_id)).exists()
    supervisor.post(f"/staff/retention/cases/{case.public_id}/hold-lift/", {"lift-hold": str(hold.public_id)})
    hold.refresh_from_db()
    assert hold.lifted_on is not None


def test_an_investigator_cannot_place_a_hold(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    case = closed_case(facilities["lurigancho"])
    staff_client("lima_investigator").post(
        f"/staff/retention/cases/{case.public_id}/hold-place/", {"hold-reason": REASON}
    )
    assert not LegalHold.objects.exists()


def test_a_deleted_case_and_its_tip_show_the_banner_and_take_no_action(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    case = closed_case(facilities["lurigancho"], CaseStatus.NOT_ACTIONABLE, datetime.date(2026, 1, 15))
    tip = case.case_tips.get().tip
    case_erase(case=case, today=LATER)
    client = staff_client("lima_supervisor")
    page = client.get(f"/staff/cases/{case.public_id}/").content.decode()
    assert 'id="case-erased"' in page and 'id="timeline"' in page
    assert client.get(f"/staff/tips/{tip.public_id}/", follow=True).status_code == 200
    response = client.post(f"/staff/cases/{case.public_id}/note/", {"body": "x"}, follow=True)
    assert response.status_code == 200
    assert not case.notes.exists()
    queue = client.get("/staff/?status=not_actionable")
    assert queue.status_code == 200
