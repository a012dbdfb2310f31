"""Reads of a case's investigation: its plan and interviews decrypted, members' open tasks, late tasks.

The plan shows open tasks first, by due date (those without one last), then the done
ones; an open task whose due date has passed is late. Counts and reminders read the
clear metadata only (assignee, due date, done date), never what a task says.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet

import envelope
from accounts.models import StaffMember
from cases.digest import TaskDue
from cases.models import Case
from cases.services import case_key_open
from investigation.models import Interview, Task


@dataclass(frozen=True)
class TaskView:
    task: Task
    what: str
    result: str
    late: bool


@dataclass(frozen=True)
class InterviewView:
    interview: Interview
    interviewee: str
    summary: str


@dataclass
class CasePlan:
    tasks: list[TaskView] = field(default_factory=list)
    interviews: list[InterviewView] = field(default_factory=list)

    @property
    def late(self) -> int:
        return sum(1 for view in self.tasks if view.late)

    @property
    def open(self) -> int:
        return sum(1 for view in self.tasks if not view.task.is_done)


def open_tasks() -> QuerySet[Task]:
    """Return the tasks not yet done of cases still open."""
    return Task.objects.filter(done_on__isnull=True, case__closed_on__isnull=True)


def case_tasks(*, case: Case) -> QuerySet[Task]:
    """Return the case's tasks in the plan's order: open first by due date (undated last), then done."""
    return (
        Task.objects.filter(case=case)
        .select_related("assignee__user")
        .order_by(F("done_on").asc(nulls_first=True), F("due_on").asc(nulls_last=True), "id")
    )


def case_plan(*, case: Case, vault: dict[str, bytes], day: datetime.date) -> CasePlan:
    """Decrypt the case's plan and interviews; mark the open tasks whose due date is before `day` late."""
    key = case_key_open(case=case, vault=vault)
    tasks = []
    for task in case_tasks(case=case):
        fields = envelope.open_fields(envelope.TASK, task, case.public_id, task.public_id, key=key)
        late = not task.is_done and task.due_on is not None and task.due_on < day
        tasks.append(TaskView(task=task, what=fields["what"], result=fields["result"], late=late))
    interviews = [
        InterviewView(
            interview=interview,
            **envelope.open_fields(envelope.INTERVIEW, interview, case.public_id, interview.public_id, key=key),
        )
        for interview in Interview.objects.filter(case=case).select_related("conducted_by__user")
    ]
    return CasePlan(tasks=tasks, interviews=interviews)


def task_of_case(*, case: Case, public_id: uuid.UUID) -> Task | None:
    """Return the case's task with this id, or None (callers answer 404)."""
    return Task.objects.filter(case=case, public_id=public_id).select_related("case", "assignee__user").first()


def member_open_tasks(*, member: StaffMember, day: datetime.date) -> QuerySet[Task]:
    """Return the member's open tasks of open cases, earliest due first, with `late` set for those due before `day`."""
    return (
        open_tasks()
        .filter(assignee=member)
        .select_related("case")
        .annotate(late=ExpressionWrapper(Q(due_on__lt=day), output_field=BooleanField()))
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )


def case_late_tasks(*, case: Case, day: datetime.date) -> int:
    """Return how many open tasks of the case were due before `day`."""
    return Task.objects.filter(case=case, done_on__isnull=True, due_on__lt=day).count()


class PlannedTasks:
    """The digest's source of planned tasks (cases.digest.PlannedTaskSource), registered in investigation/apps.py."""

    def assignee_ids(self, *, due_before: datetime.date) -> list[int]:
        ids = open_tasks().filter(due_on__lt=due_before, assignee__isnull=False).values_list("assignee", flat=True)
        return sorted({member_id for member_id in ids if member_id is not None})

    def assignee_tasks(self, *, member_id: int, due_before: datetime.date) -> tuple[TaskDue, ...]:
        rows = (
            open_tasks()
            .filter(assignee_id=member_id, due_on__lt=due_before)
            .order_by("due_on", "id")
            .values_list("case__public_id", "due_on")
        )
        # due_on__lt leaves out the tasks without a due date.
        return tuple(TaskDue(case_public_id=case_id, due_on=due_on) for case_id, due_on in rows if due_on is not None)

    def unit_overdue(self, *, unit_id: int, day: datetime.date) -> int:
        return open_tasks().filter(case__unit_id=unit_id, due_on__lt=day).count()
