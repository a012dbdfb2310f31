"""The case page's next step: one rule per state of the case, in the order the work needs them."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from cases.models import Case
from cases.statuses import CaseStatus
from investigation import next_step as steps
from investigation.models import Task
from investigation.next_step import next_step
from tests.conftest import staff_client
from tests.investigation.conftest import days, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def investigating(case: Case, cast: dict[str, StaffMember]) -> Case:
    """The case acknowledged, assigned to the Lima investigator and under investigation."""
    case.acknowledged_on = today()
    case.assignee = cast["lima_investigator"]
    case.status = CaseStatus.INVESTIGATING
    case.save()
    return case


def task(case: Case, *, due_in: int | None, done: bool = False) -> Task:
    member = StaffMember.objects.get(user__username="lima_investigator")
    return Task.objects.create(
        case=case,
        what_ct=b"x",
        assignee=member,
        created_by=member,
        due_on=days(due_in) if due_in is not None else None,
        done_on=today() if done else None,
    )


def anchor(case: Case, member: StaffMember) -> str | None:
    step = next_step(case, member)
    return step.anchor if step else None


def test_a_new_case_is_acknowledged_first(case: Case, cast: dict[str, StaffMember]) -> None:
    assert anchor(case, cast["lima_investigator"]) == steps.ACKNOWLEDGE_ANCHOR


def test_an_acknowledged_unassigned_case_is_assigned_by_the_supervisor(
    case: Case, cast: dict[str, StaffMember]
) -> None:
    case.acknowledged_on = today()
    supervisor_step = next_step(case, cast["lima_supervisor"])
    investigator_step = next_step(case, cast["lima_investigator"])
    assert supervisor_step and investigator_step
    assert supervisor_step.anchor == steps.ASSIGN_ANCHOR and investigator_step.anchor == steps.ASSIGNEE_ANCHOR
    assert supervisor_step.explanation != investigator_step.explanation


def test_a_near_protection_deadline_comes_before_assigning(case: Case, cast: dict[str, StaffMember]) -> None:
    case.acknowledged_on = today()
    case.protection_due = days(1)
    assert anchor(case, cast["lima_supervisor"]) == steps.PROTECTION_ANCHOR
    case.protection_due = days(10)
    assert anchor(case, cast["lima_supervisor"]) == steps.ASSIGN_ANCHOR
    case.assignee = cast["lima_investigator"]
    assert anchor(case, cast["lima_supervisor"]) == steps.PROTECTION_ANCHOR
    case.protection_decided_on = today()
    assert anchor(case, cast["lima_supervisor"]) != steps.PROTECTION_ANCHOR


def test_an_unread_reply_is_read_and_answered(investigating: Case, cast: dict[str, StaffMember]) -> None:
    investigating.unread_reply = True
    task(investigating, due_in=-1)
    assert anchor(investigating, cast["lima_investigator"]) == steps.MESSAGES_ANCHOR


def test_a_case_in_triage_is_evaluated(investigating: Case, cast: dict[str, StaffMember]) -> None:
    investigating.status = CaseStatus.TRIAGE
    assert anchor(investigating, cast["lima_investigator"]) == steps.STATUS_ANCHOR


def test_an_investigation_without_tasks_is_planned(investigating: Case, cast: dict[str, StaffMember]) -> None:
    assert anchor(investigating, cast["lima_investigator"]) == steps.PLAN_ANCHOR
    assert anchor(investigating, cast["lima_supervisor"]) == steps.PLAN_ANCHOR


def test_late_tasks_are_done_first(investigating: Case, cast: dict[str, StaffMember]) -> None:
    task(investigating, due_in=-2)
    task(investigating, due_in=-1)
    step = next_step(investigating, cast["lima_investigator"])
    assert step and step.anchor == steps.PLAN_ANCHOR and "2" in step.explanation


def test_open_tasks_on_time_are_carried_out(investigating: Case, cast: dict[str, StaffMember]) -> None:
    task(investigating, due_in=3)
    task(investigating, due_in=None, done=True)
    planned = next_step(investigating, cast["lima_investigator"])
    investigating.tasks.all().delete()
    unplanned = next_step(investigating, cast["lima_investigator"])
    assert planned and unplanned and planned.anchor == steps.PLAN_ANCHOR and planned.label != unplanned.label


def test_every_task_done_leads_to_deciding(investigating: Case, cast: dict[str, StaffMember]) -> None:
    task(investigating, due_in=-5, done=True)
    assert anchor(investigating, cast["lima_investigator"]) == steps.STATUS_ANCHOR


def test_a_closed_case_has_no_next_step(investigating: Case, cast: dict[str, StaffMember]) -> None:
    investigating.status = CaseStatus.SUBSTANTIATED
    assert next_step(investigating, cast["lima_investigator"]) is None


def test_the_case_page_shows_the_next_step_after_its_header(case: Case) -> None:
    page = staff_client("lima_investigator").get(f"/staff/cases/{case.public_id}/").content.decode()
    assert 'id="next-step"' in page and f'href="{steps.ACKNOWLEDGE_ANCHOR}"' in page
    assert page.index('id="case-title"') < page.index('id="next-step"') < page.index('id="investigation-plan"')
    assert (
        page.index('id="investigation-plan"') < page.index('id="interviews"') < page.rindex('id="id_body"')
    )  # the notes' form
