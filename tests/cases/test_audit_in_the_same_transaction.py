"""A case change and its audit entry exist together or not at all: assign, priority, phone intake.

The protection decision has its own: tests/protection/test_decision_audit.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from audit.models import AuditAction, AuditEvent
from cases import services
from cases.models import Case, CaseEvent, Priority
from envelope import primitives as crypto
from org.models import Facility
from tests.conftest import PASSWORD
from tests.factories import submit_tip
from tipline.models import Category, IntakeChannel, SmugglingChannel, StaffInvolved, Tip, WhenPeriod
from tipline.services import TipSubmission

pytestmark = pytest.mark.django_db


class AuditDown(Exception):
    pass


@pytest.fixture
def audit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every audit write of the case services fail, after the change was made in the transaction."""

    def refuse(**kwargs: Any) -> None:
        raise AuditDown

    monkeypatch.setattr(services, "audit_record", refuse)


@pytest.fixture
def case(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Case:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    return tip.case_link.case


def _assign(case: Case, cast: dict[str, StaffMember]) -> None:
    services.case_assign(case=case, assignee=cast["lima_investigator"], actor=cast["lima_supervisor"])


def _priority(case: Case, cast: dict[str, StaffMember]) -> None:
    services.case_set_priority(case=case, priority=Priority.URGENT, actor=cast["lima_supervisor"])


CHANGES: dict[str, tuple[Callable[[Case, dict[str, StaffMember]], None], str, str]] = {
    # service, the case event it writes, the audit action it records
    "assign": (_assign, CaseEvent.Kind.ASSIGNED, AuditAction.CASE_ASSIGNED),
    "priority": (_priority, CaseEvent.Kind.PRIORITY_CHANGED, AuditAction.SETTINGS_CHANGED),
}


def _snapshot(case: Case) -> tuple[object, ...]:
    row = Case.objects.get(pk=case.pk)
    return row.assignee_id, row.priority, row.next_due


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_the_change_is_recorded_with_its_audit_entry(change: str, case: Case, cast: dict[str, StaffMember]) -> None:
    service, event_kind, action = CHANGES[change]
    before = _snapshot(case)

    service(case, cast)

    assert _snapshot(case) != before
    assert case.events.filter(kind=event_kind).count() == 1
    entry = AuditEvent.objects.filter(action=action, target_id=str(case.public_id)).get()
    assert entry.actor == cast["lima_supervisor"].user


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_failed_audit_write_leaves_no_change_behind(
    change: str, case: Case, cast: dict[str, StaffMember], audit_fails: None
) -> None:
    service, event_kind, action = CHANGES[change]
    before = _snapshot(case)
    audit_count = AuditEvent.objects.count()

    with pytest.raises(AuditDown):
        service(case, cast)

    assert _snapshot(case) == before
    assert not case.events.filter(kind=event_kind).exists()
    assert AuditEvent.objects.count() == audit_count


# --- phone intake --------------------------------------------------------------------------------------


@pytest.fixture
def operator(cast: dict[str, StaffMember]) -> StaffMember:
    user = get_user_model().objects.create_user(username="operadora", password=PASSWORD)
    return staff_member_create(user=user, role=Role.OPERATOR, password=PASSWORD)


def _call(facility: Facility) -> TipSubmission:
    return TipSubmission(
        facility=facility,
        category=Category.BRIBERY,
        smuggling_channel=SmugglingChannel.STAFF,
        staff_involved=StaffInvolved.NO,
        when_period=WhenPeriod.THIS_WEEK,
        occurred_on=None,
        description="Llamada: un agente cobra cupos en la puerta 2.",
        contact="",
    )


def test_a_phone_tip_is_stored_with_the_operators_audit_entry(
    operator: StaffMember, facilities: dict[str, Facility]
) -> None:
    tip, receipt = services.phone_tip_enter(submission=_call(facilities["lurigancho"]), operator=operator)

    assert tip.intake_channel == IntakeChannel.PHONE
    assert Case.objects.filter(case_tips__tip=tip).exists()
    entry = AuditEvent.objects.get(action=AuditAction.PHONE_TIP_ENTERED)
    assert entry.actor == operator.user
    assert entry.target_id == ""  # never which tip
    assert receipt.isdigit()


def test_a_failed_audit_write_stores_no_phone_tip(
    operator: StaffMember, facilities: dict[str, Facility], audit_fails: None
) -> None:
    with pytest.raises(AuditDown):
        services.phone_tip_enter(submission=_call(facilities["lurigancho"]), operator=operator)

    assert not Tip.objects.exists()
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PHONE_TIP_ENTERED).exists()


def test_a_receipt_collision_is_retried_inside_the_phone_intake_transaction(
    operator: StaffMember, facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    _first, taken = submit_tip(facility=facilities["lurigancho"])
    fresh = crypto.generate_receipt()
    draws = iter([taken, fresh])
    monkeypatch.setattr(crypto, "generate_receipt", lambda: next(draws))

    tip, receipt = services.phone_tip_enter(submission=_call(facilities["lurigancho"]), operator=operator)

    assert receipt == fresh
    assert Tip.objects.count() == 2
    assert Case.objects.filter(case_tips__tip=tip).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.PHONE_TIP_ENTERED).count() == 1


def test_only_operators_enter_phone_tips(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    with pytest.raises(PermissionError):
        services.phone_tip_enter(submission=_call(facilities["lurigancho"]), operator=cast["lima_investigator"])
    assert not Tip.objects.exists()
