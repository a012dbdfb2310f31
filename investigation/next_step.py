"""The next step of a case, derived from its state: what the case page puts first.

One rule list, in the order the work needs it: acknowledge; decide protection when
its deadline is near; assign; answer a whistleblower's reply; evaluate a case in
triage; do the late tasks; plan the investigation; decide once every task is done.
A closed case has no next step. What a member is told depends on their role where
the step is a supervisor's (assigning, deciding protection).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import StaffMember
from cases import permissions
from cases.digest import DUE_SOON_DAYS
from cases.models import Case
from cases.statuses import CaseStatus
from investigation.models import Task

# Anchors of the case page the step points to: the forms' fields (Django's `id_<field>`) and the plan's sections.
ACKNOWLEDGE_ANCHOR = "#id_message"
ASSIGN_ANCHOR = "#id_assignee"
ASSIGNEE_ANCHOR = "#case-assignee"  # who works the case, for those who do not assign it
PROTECTION_ANCHOR = "#id_granted"
MESSAGES_ANCHOR = "#id_tip"
STATUS_ANCHOR = "#id_to"
PLAN_ANCHOR = "#investigation-plan"


@dataclass(frozen=True)
class NextStep:
    label: str
    explanation: str
    anchor: str


def _protection_pending(case: Case) -> bool:
    return case.protection_due is not None and case.protection_decided_on is None


def _protection_step(case: Case, member: StaffMember) -> NextStep:
    if permissions.can_supervise(member, case):
        explanation = _("The whistleblower asked for protection. Decide on it by %(date)s.")
        anchor = PROTECTION_ANCHOR
    else:
        explanation = _("The whistleblower asked for protection. Tell the supervisor, who must decide by %(date)s.")
        anchor = ""  # the decision's form is the supervisor's
    due = case.protection_due
    assert due is not None
    return NextStep(
        label=_("Decide on protection"),
        explanation=explanation % {"date": date_format(due, "SHORT_DATE_FORMAT")},
        anchor=anchor,
    )


def _assign_step(case: Case, member: StaffMember) -> NextStep:
    if permissions.can_supervise(member, case):
        explanation = _("Nobody works this case yet. Assign it to an investigator of the unit.")
        anchor = ASSIGN_ANCHOR
    else:
        explanation = _("Nobody works this case yet. The supervisor assigns it.")
        anchor = ASSIGNEE_ANCHOR
    return NextStep(label=_("Assign"), explanation=explanation, anchor=anchor)


def next_step(case: Case, member: StaffMember, *, day: datetime.date | None = None) -> NextStep | None:
    """Return what should be done next in the case, as this member should read it; None once it is closed."""
    if case.is_closed:
        return None
    today = day or timezone.localdate()
    if case.acknowledged_on is None:
        return NextStep(
            label=_("Acknowledge receipt"),
            explanation=_("Tell the whistleblower the report was received, by %(date)s.")
            % {"date": date_format(case.acknowledge_due, "SHORT_DATE_FORMAT")},
            anchor=ACKNOWLEDGE_ANCHOR,
        )
    protection_urgent = (
        _protection_pending(case)
        and case.protection_due is not None
        and case.protection_due <= today + datetime.timedelta(days=DUE_SOON_DAYS)
    )
    if protection_urgent:
        return _protection_step(case, member)
    if case.assignee_id is None:
        return _assign_step(case, member)
    if _protection_pending(case):
        return _protection_step(case, member)
    if case.unread_reply:
        return NextStep(
            label=_("Read and answer the reply"),
            explanation=_("The whistleblower answered. Read the reply under their report and answer them."),
            anchor=MESSAGES_ANCHOR,
        )
    if case.status in (CaseStatus.RECEIVED, CaseStatus.TRIAGE):
        return NextStep(
            label=_("Evaluate the report"),
            explanation=_(
                "Ask the whistleblower what is missing, then open an investigation, refer the case or close it."
            ),
            anchor=STATUS_ANCHOR,
        )
    tasks = Task.objects.filter(case=case)
    late = tasks.filter(done_on__isnull=True, due_on__lt=today).count()
    if late:
        return NextStep(
            label=_("Do the late tasks"),
            explanation=ngettext(
                "%(count)d task of the plan is past its due date.",
                "%(count)d tasks of the plan are past their due date.",
                late,
            )
            % {"count": late},
            anchor=PLAN_ANCHOR,
        )
    if not tasks.exists():
        return NextStep(
            label=_("Plan the investigation"),
            explanation=_("Write down the tasks: what, who and by when (interviews, requests, a cell search)."),
            anchor=PLAN_ANCHOR,
        )
    if not tasks.filter(done_on__isnull=True).exists():
        return NextStep(
            label=_("Decide and close"),
            explanation=_("Every task of the plan is done. Close the case with its outcome and the reason."),
            anchor=STATUS_ANCHOR,
        )
    return NextStep(
        label=_("Carry out the plan"),
        explanation=_("The plan has open tasks; none is late."),
        anchor=PLAN_ANCHOR,
    )
