"""A role set in /staff/admin/ takes effect only when a supervisor of the person's unit approves (issue 10).

A supervisor seals the unit key to anyone, so an administrator who could make
someone supervisor alone would decide who reads a unit's reports.
"""

from __future__ import annotations

import pytest

from accounts.keys import membership_grant, unit_keypair_create
from accounts.models import Role, StaffMember
from accounts.permissions import is_supervisor
from approvals.models import PendingChange
from audit.models import AuditAction, AuditEvent
from audit.services import audit_verify
from org.models import Unit
from tests.conftest import _staff, staff_client

pytestmark = pytest.mark.django_db


def _role(username: str) -> str:
    return StaffMember.objects.get(user__username=username).role


def _ask_role(member: StaffMember, role: str) -> PendingChange:
    admin = staff_client("admin")
    response = admin.post(f"/staff/admin/accounts/staffmember/{member.pk}/change/", {"role": role}, follow=True)
    assert response.status_code == 200
    assert "Not applied yet" in response.content.decode() or "Aún no se aplica" in response.content.decode()
    return PendingChange.objects.get(status=PendingChange.Status.PENDING, object_id=member.pk)


def test_promoting_an_investigator_waits_for_a_supervisor_of_their_unit(
    cast: dict[str, StaffMember], national_supervisor: StaffMember
) -> None:
    investigator = cast["lima_investigator"]
    change = _ask_role(investigator, Role.SUPERVISOR)
    assert change.kind == PendingChange.Kind.ROLE
    assert _role("lima_investigator") == Role.INVESTIGATOR
    assert not is_supervisor(StaffMember.objects.get(pk=investigator.pk))

    # Neither the person who asked, nor the person concerned, nor a supervisor of another unit may approve.
    for username in ("admin", "lima_investigator", "national_supervisor"):
        staff_client(username).post(f"/staff/changes/{change.pk}/approve/")
        assert _role("lima_investigator") == Role.INVESTIGATOR

    response = staff_client("lima_supervisor").post(f"/staff/changes/{change.pk}/approve/")
    assert response.status_code == 302
    assert _role("lima_investigator") == Role.SUPERVISOR

    requested = AuditEvent.objects.get(action=AuditAction.CHANGE_REQUESTED, target_id=str(change.pk))
    approved = AuditEvent.objects.get(action=AuditAction.CHANGE_APPROVED, target_id=str(change.pk))
    assert requested.actor == cast["admin"].user and approved.actor == cast["lima_supervisor"].user
    for event in (requested, approved):
        assert (event.details["before"], event.details["after"]) == ({"role": "investigator"}, {"role": "supervisor"})
        assert "public_key" not in str(event.details)
    assert audit_verify().ok


def test_a_supervisor_cannot_approve_a_change_of_their_own_role(
    cast: dict[str, StaffMember], units: dict[str, Unit]
) -> None:
    supervisor = cast["lima_supervisor"]
    change = _ask_role(supervisor, Role.INVESTIGATOR)
    response = staff_client("lima_supervisor").post(f"/staff/changes/{change.pk}/approve/", follow=True)
    assert "Usted no puede decidir este cambio" in response.content.decode()
    assert _role("lima_supervisor") == Role.SUPERVISOR

    # A second supervisor of Lima can.
    second = _staff("lima_supervisor_2", Role.SUPERVISOR)
    keypair, private_key = unit_keypair_create(unit=units["lima"])
    membership_grant(member=second, keypair=keypair, unit_private_key=private_key)
    staff_client("lima_supervisor_2").post(f"/staff/changes/{change.pk}/approve/")
    assert _role("lima_supervisor") == Role.INVESTIGATOR


def test_a_role_for_someone_in_no_unit_waits_for_a_national_supervisor(
    cast: dict[str, StaffMember], national_supervisor: StaffMember
) -> None:
    change = _ask_role(cast["manager"], Role.SUPERVISOR)
    staff_client("lima_supervisor").post(f"/staff/changes/{change.pk}/refuse/")
    assert PendingChange.objects.get(pk=change.pk).status == PendingChange.Status.PENDING
    staff_client("national_supervisor").post(f"/staff/changes/{change.pk}/refuse/")
    assert PendingChange.objects.get(pk=change.pk).status == PendingChange.Status.REFUSED
    assert _role("manager") == Role.MANAGER
    refused = AuditEvent.objects.get(action=AuditAction.CHANGE_REFUSED, target_id=str(change.pk))
    assert refused.actor == national_supervisor.user and refused.details["reason"] == "refused"


def test_a_decided_change_cannot_be_decided_again(
    cast: dict[str, StaffMember], national_supervisor: StaffMember
) -> None:
    change = _ask_role(cast["lima_investigator"], Role.SUPERVISOR)
    supervisor = staff_client("lima_supervisor")
    supervisor.post(f"/staff/changes/{change.pk}/refuse/")
    response = supervisor.post(f"/staff/changes/{change.pk}/approve/", follow=True)
    assert "Este cambio ya fue decidido" in response.content.decode()
    assert _role("lima_investigator") == Role.INVESTIGATOR


def test_approve_and_refuse_are_post_only(cast: dict[str, StaffMember]) -> None:
    change = _ask_role(cast["lima_investigator"], Role.SUPERVISOR)
    supervisor = staff_client("lima_supervisor")
    for action in ("approve", "refuse"):
        assert supervisor.get(f"/staff/changes/{change.pk}/{action}/").status_code == 405
    assert _role("lima_investigator") == Role.INVESTIGATOR
