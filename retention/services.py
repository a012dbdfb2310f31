"""Retention: when a closed case is due for deletion, legal holds, and the deletion itself.

A closed case is deleted when its unit's schedule (RetentionSchedule, or the model's
defaults for a unit without one) says so, counted from its closing day, or for a
substantiated case from the end of its last disciplinary proceeding; never while a
legal hold is active. Deletion destroys every sealed copy of every key of the case and
its tips (unit, escrow, receipt; the reserved identities' custodian and escrow copies),
the ciphertext and the stored files. The clear metadata stays, so the roll-ups keep
their counts; the audit chain keeps a record with no content; the receipt still finds
its tip and opens a page saying the report was closed and deleted on schedule.

Deletion is a function of the clear metadata and the day: run again after restoring a
backup made before a deletion, it deletes the same cases again (docs/backup.md).
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

import envelope
from accounts.models import StaffMember
from audit.models import AuditAction
from audit.services import audit_record
from cases import permissions
from cases.models import Case, CaseEvent, CaseTip, Note
from cases.permissions import CaseActionRefused
from cases.services import case_change_record, case_erase_hooks, case_key_open
from cases.statuses import CaseStatus
from org.models import Unit
from outcomes.models import Proceeding
from retention.models import LegalHold, RetentionSchedule
from tipline import storage
from tipline.models import Attachment, Message, ReservedIdentity, Tip

# The schedule's field for each closing status: the rule a deletion names.
RULE_FIELDS: dict[str, str] = {
    CaseStatus.NOT_ACTIONABLE: "not_actionable_years",
    CaseStatus.UNSUBSTANTIATED: "unsubstantiated_years",
    CaseStatus.SUBSTANTIATED: "substantiated_years",
    CaseStatus.REFERRED: "referred_years",
}


def schedule_of(unit: Unit | int) -> RetentionSchedule:
    """Return the unit's retention schedule, or an unsaved one with the defaults if it has none."""
    unit_id = unit if isinstance(unit, int) else unit.pk
    found = RetentionSchedule.objects.filter(unit_id=unit_id).first()
    return found if found is not None else RetentionSchedule(unit_id=unit_id)


def _years_after(day: datetime.date, years: int) -> datetime.date:
    """Return the same day `years` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def legal_hold_active(case: Case) -> bool:
    """Return whether a legal hold stops the case's retention clock."""
    return LegalHold.objects.filter(case=case, lifted_on__isnull=True).exists()


def retention_due_on(case: Case, schedule: RetentionSchedule) -> datetime.date | None:
    """Return the day the case is due for deletion, or None while it cannot be.

    None while the case is open, while a legal hold is active, and for a substantiated
    case while one of its disciplinary proceedings has not concluded.
    """
    if case.closed_on is None or case.status not in RULE_FIELDS or legal_hold_active(case):
        return None
    start = case.closed_on
    if case.status == CaseStatus.SUBSTANTIATED:
        concluded = list(Proceeding.objects.filter(case=case).values_list("concluded_on", flat=True))
        if None in concluded:
            return None
        start = max([start, *(day for day in concluded if day is not None)])
    return _years_after(start, getattr(schedule, RULE_FIELDS[case.status]))


@dataclass(frozen=True)
class DueCase:
    """A closed case and the day its schedule makes it due, under which rule (its closing status)."""

    case: Case
    due_on: datetime.date
    rule: str


def _shortest_years() -> int:
    """Return the fewest years any schedule (saved or default) keeps a closed case."""
    default = RetentionSchedule()
    years = [getattr(default, field) for field in RULE_FIELDS.values()]
    for row in RetentionSchedule.objects.values(*RULE_FIELDS.values()):
        years.extend(row.values())
    return min(years)


def _held() -> Exists:
    return Exists(LegalHold.objects.filter(case=OuterRef("pk"), lifted_on__isnull=True))


def cases_kept(*, today: datetime.date) -> QuerySet[Case]:
    """Return the closed, not yet deleted cases old enough for the shortest schedule (a cheap first cut)."""
    oldest = _years_after(today, -_shortest_years())
    return (
        Case.objects.filter(closed_on__isnull=False, closed_on__lte=oldest, erased_on__isnull=True)
        .select_related("unit")
        .order_by("closed_on", "id")
    )


def cases_due_for_erasure(*, today: datetime.date) -> list[DueCase]:
    """Return the cases whose retention has run out by `today`, held ones left out, oldest closing first."""
    schedules: dict[int, RetentionSchedule] = {}
    due = []
    for case in cases_kept(today=today).exclude(_held()):
        schedule = schedules.setdefault(case.unit_id, schedule_of(case.unit_id))
        due_on = retention_due_on(case, schedule)
        if due_on is not None and due_on <= today:
            due.append(DueCase(case=case, due_on=due_on, rule=case.status))
    return due


def cases_held() -> QuerySet[Case]:
    """Return the cases not yet deleted that an active legal hold keeps."""
    return Case.objects.filter(_held(), erased_on__isnull=True).select_related("unit").order_by("closed_on", "id")


def _empty_tip_columns() -> dict[str, bytes]:
    columns = dict.fromkeys(field.column for field in envelope.TIP.fields)
    columns.update(dict.fromkeys(("data_key_for_unit", "data_key_for_escrow", "data_key_for_receipt")))
    return {column: b"" for column in columns}


def case_erase(*, case: Case, today: datetime.date, actor: StaffMember | None = None) -> Case:
    """Delete a case due on its retention schedule: every key copy, ciphertext and file; keep clear metadata.

    One transaction: the case's and its tips' sealed keys (unit, escrow, receipt) and
    ciphertext emptied, the thread's bodies emptied (the messages stay counted), the
    attachments, reserved identities (their custodian and escrow key copies) and notes
    deleted, then every app's erase hook (cases.services.on_case_erase); a timeline event
    and an audit entry that name the rule and counts only. Files leave the store after
    commit. Refused for a case held, not closed, or not yet due: there is no forcing.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.erased_on is not None:
            raise CaseActionRefused(_("This case was already deleted."))
        if legal_hold_active(case):
            raise CaseActionRefused(_("A legal hold keeps this case: it cannot be deleted."))
        due_on = retention_due_on(case, schedule_of(case.unit_id))
        if due_on is None or due_on > today:
            raise CaseActionRefused(_("This case is not yet due for deletion on its retention schedule."))
        tip_ids = list(CaseTip.objects.filter(case=case).values_list("tip_id", flat=True))
        attachments = Attachment.objects.filter(tip_id__in=tip_ids)
        names = list(attachments.values_list("storage_name", flat=True))
        attachments.delete()
        Message.objects.filter(tip_id__in=tip_ids).update(body_ct=b"")
        Tip.objects.filter(pk__in=tip_ids).update(erased_on=today, **_empty_tip_columns())
        Note.objects.filter(case=case).delete()
        LegalHold.objects.filter(case=case).update(reason_ct=b"")
        for hook in case_erase_hooks():
            hook(case=case)
        # After the hooks: a hook's cascade (a disclosure request names a reserved identity) goes first.
        ReservedIdentity.objects.filter(tip_id__in=tip_ids).delete()
        case.case_key_for_unit = case.case_key_for_escrow = b""
        case.title_ct = case.closing_reason_ct = b""
        case.erased_on = today
        case.save(
            update_fields=["case_key_for_unit", "case_key_for_escrow", "title_ct", "closing_reason_ct", "erased_on"]
        )
        details = {
            "rule": case.status,
            "tips": len(tip_ids),
            "attachments": len(names),
            "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        }
        CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.ERASED, actor=actor, details=details)
        audit_record(
            actor=actor.user if actor else None,
            action=AuditAction.CASE_ERASED,
            target_type="case",
            target_id=str(case.public_id),
            unit_id=case.unit_id,
            details=details,
        )
        for name in names:
            transaction.on_commit(functools.partial(storage.delete, name))
    return case


def cases_erase_due(*, today: datetime.date) -> list[DueCase]:
    """Delete every case due by `today`, each in its own transaction; return those deleted."""
    erased = []
    for due in cases_due_for_erasure(today=today):
        try:
            case_erase(case=due.case, today=today)
        except CaseActionRefused:
            continue  # held or deleted since the list was read
        erased.append(due)
    return erased


# --- legal holds ---------------------------------------------------------------------------------------


def _record(case: Case, actor: StaffMember, kind: str, **details: object) -> None:
    """Write the timeline event and the audit entry of a hold's change (ids and dates only, never the reason)."""
    case_change_record(case=case, actor=actor, kind=kind, action=AuditAction.LEGAL_HOLD_CHANGED, details=details)


def legal_hold_place(*, case: Case, actor: StaffMember, reason: str, vault: dict[str, bytes]) -> LegalHold:
    """Stop the case's retention clock (a court order, a pending appeal); the reason sealed under the case key."""
    permissions.require_supervise(actor, case)
    if case.erased_on is not None:
        raise CaseActionRefused(_("This case was already deleted."))
    if not reason.strip():
        raise CaseActionRefused(_("Say why the case must be kept."))
    hold = LegalHold(case=case, placed_by=actor, placed_on=timezone.localdate())
    hold.reason_ct = envelope.seal_field(
        envelope.LEGAL_HOLD,
        "reason",
        case.public_id,
        hold.public_id,
        key=case_key_open(case=case, vault=vault),
        value=reason,
    )
    with transaction.atomic():
        hold.save()
        _record(case, actor, CaseEvent.Kind.LEGAL_HOLD_PLACED, hold=str(hold.public_id), change="placed")
    return hold


def legal_hold_lift(*, hold: LegalHold, actor: StaffMember) -> LegalHold:
    """Lift a legal hold: the case's retention clock runs again (it may be due at once)."""
    case = hold.case
    permissions.require_supervise(actor, case)
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_on is not None:
            raise CaseActionRefused(_("This legal hold was already lifted."))
        hold.lifted_on, hold.lifted_by = timezone.localdate(), actor
        hold.save(update_fields=["lifted_on", "lifted_by"])
        _record(case, actor, CaseEvent.Kind.LEGAL_HOLD_LIFTED, hold=str(hold.public_id), change="lifted")
    return hold


def retention_schedule_changed(
    *, schedule: RetentionSchedule, actor: User | None, changes: list[dict[str, object]]
) -> None:
    """Audit an administrator's change of a unit's retention schedule (the Django admin)."""
    audit_record(
        actor=actor,
        action=AuditAction.RETENTION_CHANGED,
        target_type="unit",
        target_id=schedule.unit_id,
        unit_id=schedule.unit_id,
        details={"changes": changes},
    )


def legal_holds_move_to_case(*, target: Case, other: Case, target_key: bytes, other_key: bytes) -> int:
    """Move a merged case's legal holds to the case it joins, their reasons re-sealed under its key.

    Registered with cases.on_case_merge: without it the holds would go with the merged
    case, and its tips could be deleted on the other case's schedule.
    """
    moved = 0
    for hold in LegalHold.objects.filter(case=other):
        reason = envelope.open_field(
            envelope.LEGAL_HOLD, "reason", hold, other.public_id, hold.public_id, key=other_key
        )
        hold.case = target
        hold.reason_ct = envelope.seal_field(
            envelope.LEGAL_HOLD, "reason", target.public_id, hold.public_id, key=target_key, value=reason
        )
        hold.save(update_fields=["case", "reason_ct"])
        moved += 1
    return moved
