"""Inclusion tags that put the investigation on the case page: its next step, its plan and its interviews.

The case page's view belongs to cases; these tags read what they need through the
investigation's selectors, with the member the view was handed (the page's `member`),
its `case`, and the session vault of the request.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from accounts.models import StaffMember
from cases import permissions
from cases.models import Case
from cases.permissions import CaseActionRefused
from cases.selectors import unit_workers
from envelope import CryptoError
from envelope.vault import vault_open
from investigation.forms import InterviewForm, TaskChangeForm, TaskDoneForm, TaskForm
from investigation.next_step import next_step
from investigation.selectors import case_plan

register = template.Library()


def _member_and_case(context: template.Context) -> tuple[StaffMember, Case] | None:
    member, case = context.get("member"), context.get("case")
    if not isinstance(member, StaffMember) or not isinstance(case, Case) or not permissions.can_work(member, case):
        return None
    return member, case


@register.inclusion_tag("investigation/next_step.html", takes_context=True)
def case_next_step(context: template.Context) -> dict[str, Any]:
    """Render the case's next step (investigation.next_step) as a highlighted box; nothing once it is closed."""
    found = _member_and_case(context)
    return {"step": next_step(found[1], found[0]) if found else None}


@register.inclusion_tag("investigation/case_investigation.html", takes_context=True)
def case_investigation(context: template.Context) -> dict[str, Any]:
    """Render the case's investigation plan and interviews, decrypted, with the forms to add to them."""
    found = _member_and_case(context)
    if found is None:
        return {"show": False}
    member, case = found
    try:
        plan = case_plan(case=case, vault=vault_open(context["request"]), day=timezone.localdate())
    except (CaseActionRefused, CryptoError):
        return {"show": False}  # the case view itself sends a session without the key to log in again
    can_change = not case.is_closed
    supervises = permissions.can_supervise(member, case)
    workers = unit_workers(case=case)
    # Changing who does a task and by when: the case's supervisor or assignee (investigation.services.task_reassign).
    may_replan = can_change and permissions.can_close(member, case)
    return {
        "show": True,
        "case": case,
        "plan": plan,
        "can_change": can_change,
        # Each task with the forms to mark it done and to change it, for those who may (None otherwise).
        "rows": [
            (
                view,
                TaskDoneForm(prefix_id=f"done_{view.task.public_id.hex}")
                if can_change
                and not view.task.is_done
                and view.task.may_be_done_by(member.pk, case_assignee_id=case.assignee_id, supervises=supervises)
                else None,
                TaskChangeForm(
                    workers=workers,
                    prefix_id=f"change_{view.task.public_id.hex}",
                    initial={"assignee": view.task.assignee_id, "due_on": view.task.due_on},
                )
                if may_replan and not view.task.is_done
                else None,
            )
            for view in plan.tasks
        ],
        "task_form": TaskForm(workers=workers, initial={"assignee": member.pk}) if can_change else None,
        "interview_form": InterviewForm() if can_change else None,
        "csrf_token": context.get("csrf_token"),
    }
