"""Writes of a case's investigation: planning tasks, marking them done, recording interviews.

Like cases/services.py: every function checks who may do it, writes in one
transaction with the case's timeline event and an audit entry, and seals what a task
asks, its result, who was interviewed and what they said under the case key. The
timeline and the audit entry name the task or interview by its public id, never its
content.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import envelope
from accounts.models import StaffMember
from audit.models import AuditAction
from audit.services import audit_record
from cases import permissions
from cases.models import Case, CaseEvent
from cases.permissions import CaseActionRefused
from cases.selectors import unit_workers
from cases.services import case_change_record, case_key_open
from investigation.models import Interview, Task


def _require_open(case: Case) -> None:
    if case.is_closed:
        raise CaseActionRefused(_("This case is closed: its investigation can no longer change."))


def _record(case: Case, actor: StaffMember, kind: str, action: str, **details: object) -> None:
    """Write the timeline event and the audit entry of one change (ids and dates only, never content)."""
    case_change_record(case=case, actor=actor, kind=kind, action=action, details=details)


def _require_worker(case: Case, assignee: StaffMember) -> None:
    if not unit_workers(case=case).filter(pk=assignee.pk).exists():
        raise CaseActionRefused(_("That person cannot work this case (not in the unit, or recused)."))


def task_add(
    *,
    case: Case,
    actor: StaffMember,
    what: str,
    assignee: StaffMember,
    due_on: datetime.date | None,
    vault: dict[str, bytes],
) -> Task:
    """Add a task to the case's plan: what (encrypted), for whom of the unit's workers, by when (not in the past)."""
    permissions.require_work(actor, case)
    _require_open(case)
    if not what.strip():
        raise CaseActionRefused(_("Say what the task is."))
    if due_on is not None and due_on < timezone.localdate():
        raise CaseActionRefused(_("A task cannot be due in the past."))
    _require_worker(case, assignee)
    task = Task(case=case, assignee=assignee, due_on=due_on, created_by=actor)
    task.what_ct = envelope.seal_field(
        envelope.TASK, "what", case.public_id, task.public_id, key=case_key_open(case=case, vault=vault), value=what
    )
    with transaction.atomic():
        task.save()
        _record(
            case,
            actor,
            CaseEvent.Kind.TASK_ADDED,
            AuditAction.TASK_CHANGED,
            task=str(task.public_id),
            change="added",
            assignee=assignee.user.get_username(),
            due_on=due_on.isoformat() if due_on else None,
        )
    return task


def task_done(*, task: Task, actor: StaffMember, result: str, vault: dict[str, bytes]) -> Task:
    """Mark a task done today, with its result (optional, encrypted)."""
    case = task.case
    permissions.require_work(actor, case)
    _require_open(case)
    if not task.may_be_done_by(
        actor.pk, case_assignee_id=case.assignee_id, supervises=permissions.can_supervise(actor, case)
    ):
        raise CaseActionRefused(_("Only the task's assignee, the case's assignee or the supervisor can mark it done."))
    key = case_key_open(case=case, vault=vault) if result.strip() else b""
    with transaction.atomic():
        # Decided on the locked row: two people marking one task done at once record it once.
        task = Task.objects.select_for_update().select_related("case").get(pk=task.pk)
        if task.is_done:
            raise CaseActionRefused(_("This task is already done."))
        task.done_on = timezone.localdate()
        fields = ["done_on"]
        if key:
            task.result_ct = envelope.seal_field(
                envelope.TASK, "result", case.public_id, task.public_id, key=key, value=result
            )
            fields.append("result_ct")
        task.save(update_fields=fields)
        _record(
            case, actor, CaseEvent.Kind.TASK_DONE, AuditAction.TASK_CHANGED, task=str(task.public_id), change="done"
        )
    return task


def task_reassign(*, task: Task, actor: StaffMember, assignee: StaffMember, due_on: datetime.date | None) -> Task:
    """Give an open task to another of the unit's workers, or another due date (the case's assignee or supervisor)."""
    case = task.case
    permissions.require_work(actor, case)
    _require_open(case)
    if not permissions.can_close(actor, case):
        raise CaseActionRefused(_("Only the supervisor or the assigned investigator can change the plan."))
    if task.is_done:
        raise CaseActionRefused(_("This task is already done."))
    if due_on is not None and due_on < timezone.localdate() and due_on != task.due_on:
        raise CaseActionRefused(_("A task cannot be due in the past."))
    _require_worker(case, assignee)
    task.assignee = assignee
    task.due_on = due_on
    with transaction.atomic():
        task.save(update_fields=["assignee", "due_on"])
        # The timeline has no kind of its own for this: the audit log records it.
        audit_record(
            actor=actor.user,
            action=AuditAction.TASK_CHANGED,
            target_type="case",
            target_id=str(case.public_id),
            unit_id=case.unit_id,
            details={
                "task": str(task.public_id),
                "change": "reassigned",
                "assignee": assignee.user.get_username(),
                "due_on": due_on.isoformat() if due_on else None,
            },
        )
    return task


def interview_record(
    *,
    case: Case,
    actor: StaffMember,
    held_on: datetime.date,
    interviewee: str,
    summary: str,
    vault: dict[str, bytes],
) -> Interview:
    """Record an interview held for the case (not in the future): who and what said, both encrypted."""
    permissions.require_work(actor, case)
    _require_open(case)
    if held_on > timezone.localdate():
        raise CaseActionRefused(_("An interview cannot be recorded before it is held."))
    if not interviewee.strip() or not summary.strip():
        raise CaseActionRefused(_("Say who was interviewed and what they said."))
    interview = Interview(case=case, held_on=held_on, conducted_by=actor)
    for column, value in envelope.seal_fields(
        envelope.INTERVIEW,
        case.public_id,
        interview.public_id,
        key=case_key_open(case=case, vault=vault),
        interviewee=interviewee,
        summary=summary,
    ).items():
        setattr(interview, column, value)
    with transaction.atomic():
        interview.save()
        _record(
            case,
            actor,
            CaseEvent.Kind.INTERVIEW_RECORDED,
            AuditAction.INTERVIEW_RECORDED,
            interview=str(interview.public_id),
            held_on=held_on.isoformat(),
        )
    return interview


def investigation_merge(*, target: Case, other: Case, target_key: bytes, other_key: bytes) -> None:
    """Move the merged case's tasks and interviews into the target case, re-sealed under its key (on_case_merge)."""
    for task in Task.objects.filter(case=other):
        fields = envelope.open_fields(envelope.TASK, task, other.public_id, task.public_id, key=other_key)
        task.case = target
        task.what_ct = envelope.seal_field(
            envelope.TASK, "what", target.public_id, task.public_id, key=target_key, value=fields["what"]
        )
        columns = ["case", "what_ct"]
        if task.result_ct:
            task.result_ct = envelope.seal_field(
                envelope.TASK, "result", target.public_id, task.public_id, key=target_key, value=fields["result"]
            )
            columns.append("result_ct")
        task.save(update_fields=columns)
    for interview in Interview.objects.filter(case=other):
        fields = envelope.open_fields(
            envelope.INTERVIEW, interview, other.public_id, interview.public_id, key=other_key
        )
        interview.case = target
        for column, value in envelope.seal_fields(
            envelope.INTERVIEW, target.public_id, interview.public_id, key=target_key, **fields
        ).items():
            setattr(interview, column, value)
        interview.save(update_fields=["case", "interviewee_ct", "summary_ct"])


def investigation_erase(*, case: Case) -> int:
    """Delete the case's tasks and interviews: the plan and what was said (cases.services.on_case_erase)."""
    return Task.objects.filter(case=case).delete()[0] + Interview.objects.filter(case=case).delete()[0]
