"""Ask for, approve and refuse a change to routing or to a role (DESIGN.md section 5).

Each write is one transaction with its audit entry (the record's governed fields
before and after), and the national unit is told of each request and decision by
mail after commit (approvals/tasks.py). Approving applies the change through the
record's own rules (full_clean: the conflict-of-interest guard of org.models and the
database constraints), under a lock on the record, and refuses a change whose
record has moved on since it was asked for.

Setup commands and the demo loader (create_staff, create_unit_keys, add_staff_to_unit,
load_demo) write routing and roles directly: the operator builds the organisation,
on the server, before any supervisor exists who could approve. Nothing reachable
from the web does.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, StaffMember
from accounts.permissions import is_supervisor
from approvals.models import ROLE_FIELDS, PendingChange, governed_fields
from audit.models import AuditAction
from audit.services import audit_changes, audit_record, audit_snapshot
from org.models import Unit


class ChangeDecisionRefused(Exception):
    """The member may not decide this change, or it was already decided. The message says why, for the page."""


# --- who decides -----------------------------------------------------------------------------------


def _national_supervisors() -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(
        role=Role.SUPERVISOR, user__is_active=True, memberships__unit__kind=Unit.Kind.NATIONAL
    )


def change_approvers(*, change: PendingChange) -> QuerySet[StaffMember]:
    """Return the staff who may approve or refuse the change; never the person who asked for it.

    Routing: the supervisors of the national unit. A role: the supervisors of the
    units the person belongs to (not the person themselves), or of the national
    unit for someone who belongs to no unit.
    """
    approvers = _national_supervisors()
    if change.kind == PendingChange.Kind.ROLE:
        units = Membership.objects.filter(member_id=change.object_id).values("unit_id")
        if units.exists():
            approvers = StaffMember.objects.filter(
                role=Role.SUPERVISOR, user__is_active=True, memberships__unit_id__in=units
            )
        approvers = approvers.exclude(pk=change.object_id or 0)
    return approvers.exclude(user_id=change.requested_by_id).distinct().select_related("user")


def can_decide_change(member: StaffMember, change: PendingChange) -> bool:
    """Return whether the member may approve or refuse the change now."""
    return change.is_pending and is_supervisor(member) and change_approvers(change=change).filter(pk=member.pk).exists()


# --- writes ------------------------------------------------------------------------------------------


def _kind(model: type[models.Model]) -> str:
    return PendingChange.Kind.ROLE if model._meta.label_lower in ROLE_FIELDS else PendingChange.Kind.ROUTING


def _unit_id(change: PendingChange) -> int | None:
    """Return the unit the change concerns, for the audit entry's unit column (None for a role)."""
    if change.model == "org.unit":
        return change.object_id
    unit = change.after.get("unit") or change.before.get("unit")
    return unit if isinstance(unit, int) else None


def _audit_change(change: PendingChange, *, actor: User, action: str, **details: object) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="change",
        target_id=str(change.pk),
        unit_id=_unit_id(change),
        details={
            "model": change.model,
            "object": change.object_id,
            "operation": change.operation,
            "before": change.before,
            "after": change.after,
            "changes": audit_changes(change.before, change.after),
            **details,
        },
    )


def _announce(change: PendingChange) -> None:
    from approvals.tasks import announce_change  # the task module imports this one

    change_id, status = change.pk, change.status
    transaction.on_commit(lambda: announce_change.delay(change_id, status))


def change_request(
    *, actor: User, instance: models.Model, operation: str, stored: models.Model | None = None
) -> PendingChange | None:
    """Keep a routing or role change for approval instead of applying it; return it (None if nothing changes).

    `instance` holds the values asked for (unsaved); `stored` is the record as it
    is now (required to change or delete one). Only the governed fields are kept:
    the caller saves any other field itself.
    """
    model = type(instance)
    fields = governed_fields(model)
    if not fields:
        raise ValueError(f"{model._meta.label_lower} changes need no approval")
    before = audit_snapshot(stored, fields=fields) if stored is not None else {}
    after = audit_snapshot(instance, fields=fields) if operation != PendingChange.Operation.DELETE else {}
    if operation == PendingChange.Operation.UPDATE and before == after:
        return None
    with transaction.atomic():
        change = PendingChange.objects.create(
            kind=_kind(model),
            operation=operation,
            model=model._meta.label_lower,
            object_id=stored.pk if stored is not None else None,
            before=before,
            after=after,
            requested_by=actor,
        )
        _audit_change(change, actor=actor, action=AuditAction.CHANGE_REQUESTED)
        _announce(change)
    return change


def _apply(change: PendingChange) -> str:
    """Apply the change under a lock on its record; return "" or why it cannot be applied ("stale", "invalid")."""
    model = change.model_class()
    manager = model._default_manager
    if change.operation == PendingChange.Operation.CREATE:
        obj = model()
    else:
        found = manager.select_for_update().filter(pk=change.object_id).first()
        if found is None or audit_snapshot(found, fields=change.before.keys()) != change.before:
            return "stale"
        obj = found
    try:
        with transaction.atomic():  # a savepoint: a trigger's refusal leaves the decision to be recorded
            if change.operation == PendingChange.Operation.DELETE:
                obj.delete()
                return ""
            attnames = []
            for name, value in change.after.items():
                field = model._meta.get_field(name)
                assert isinstance(field, models.Field)
                setattr(obj, field.attname, value)
                attnames.append(field.attname)
            obj.full_clean()
            if change.operation == PendingChange.Operation.CREATE:
                obj.save()
                change.object_id = obj.pk
            else:
                obj.save(update_fields=attnames)
    except (ValidationError, DatabaseError):
        return "invalid"
    return ""


def _decide(*, change: PendingChange, member: StaffMember) -> PendingChange:
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    if not change.is_pending:
        raise ChangeDecisionRefused(_("This change has already been decided."))
    if not can_decide_change(member, change):
        raise ChangeDecisionRefused(_("You cannot decide this change."))
    change.decided_by = member.user
    change.decided_at = timezone.now()
    return change


def change_approve(*, change: PendingChange, approver: StaffMember) -> PendingChange:
    """Approve and apply the change, re-checking every rule now; return it with its new status.

    A change whose record was changed or deleted since the request, or that now
    breaks a rule (the conflict-of-interest path, a constraint), is not applied:
    it is closed as obsolete, and recorded so. Raise ChangeDecisionRefused if the
    member may not decide it (the person who asked never may).
    """
    with transaction.atomic():
        change = _decide(change=change, member=approver)
        reason = _apply(change)
        change.status = PendingChange.Status.OBSOLETE if reason else PendingChange.Status.APPLIED
        change.save(update_fields=["status", "decided_by", "decided_at", "object_id"])
        if reason:
            _audit_change(change, actor=approver.user, action=AuditAction.CHANGE_REFUSED, reason=reason)
        else:
            _audit_change(change, actor=approver.user, action=AuditAction.CHANGE_APPROVED)
        _announce(change)
    return change


def change_refuse(*, change: PendingChange, member: StaffMember) -> PendingChange:
    """Refuse the change: nothing is applied. Raise ChangeDecisionRefused if the member may not decide it."""
    with transaction.atomic():
        change = _decide(change=change, member=member)
        change.status = PendingChange.Status.REFUSED
        change.save(update_fields=["status", "decided_by", "decided_at"])
        _audit_change(change, actor=member.user, action=AuditAction.CHANGE_REFUSED, reason="refused")
        _announce(change)
    return change
