"""Only a supervisor of the case's unit decides protection: an investigator, another unit's supervisor and a manager cannot."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import Case
from cases.permissions import CaseActionRefused
from protection.models import CheckIn, ProtectionDecision
from protection.services import protection_decide
from tests.conftest import staff_client
from tests.protection.conftest import vault_of
from tipline.models import Message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["lima_investigator", "national_supervisor", "manager"])
def test_others_are_refused_and_nothing_is_written(
    name: str, protected_case: Case, cast: dict[str, StaffMember], national_supervisor: StaffMember
) -> None:
    actor = national_supervisor if name == "national_supervisor" else cast[name]

    with pytest.raises(CaseActionRefused):
        protection_decide(
            case=protected_case, actor=actor, granted=False, measures=[], message="", vault=vault_of(actor)
        )

    protected_case.refresh_from_db()
    assert protected_case.protection_decided_on is None
    assert not ProtectionDecision.objects.exists()
    assert not CheckIn.objects.exists()
    assert not Message.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PROTECTION_DECIDED).exists()


def test_the_investigator_sees_the_request_but_not_the_decision_form(protected_case: Case) -> None:
    url = f"/staff/cases/{protected_case.public_id}/"
    decide = f"/staff/protection/cases/{protected_case.public_id}/decide/"

    investigator_page = staff_client("lima_investigator").get(url).content.decode()
    supervisor_page = staff_client("lima_supervisor").get(url).content.decode()

    assert 'id="protection-due"' in investigator_page and decide not in investigator_page
    assert decide in supervisor_page


def test_the_investigators_post_is_refused(protected_case: Case) -> None:
    response = staff_client("lima_investigator").post(
        f"/staff/protection/cases/{protected_case.public_id}/decide/", {"decide-granted": "0"}
    )

    assert response.status_code == 302
    assert not ProtectionDecision.objects.exists()
