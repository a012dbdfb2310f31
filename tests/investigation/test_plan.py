"""An investigation plan and interviews as the unit's members use them from the case page."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import Case, CaseEvent
from cases.permissions import CaseActionRefused
from cases.services import case_transition, recusal_add
from cases.statuses import CaseStatus
from investigation import services
from investigation.models import Interview, Task
from investigation.selectors import member_open_tasks
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.investigation.conftest import days, post, today, vault_of

pytestmark = pytest.mark.django_db

WHAT = "TASK-CANARY-4411 pedir la lista de visitas del domingo"
RESULT = "RESULT-CANARY-2290 el técnico Ramos firmó el ingreso"
INTERVIEWEE = "WHO-CANARY-7310 Sgto. Quispe"
SUMMARY = "SUMMARY-CANARY-5521 dice que los paquetes entran por el muro"


def plan_url(case: Case, what: str) -> str:
    return f"/staff/investigation/cases/{case.public_id}/{what}"


def test_a_task_is_added_from_the_case_page_sealed_and_shown_decrypted(
    case: Case, cast: dict[str, StaffMember]
) -> None:
    investigator = staff_client("lima_investigator")
    page = post(
        investigator,
        plan_url(case, "tasks/"),
        {"what": WHAT, "assignee": cast["lima_investigator"].pk, "due_on": days(5).isoformat()},
    )
    task = Task.objects.get(case=case)
    assert task.assignee == cast["lima_investigator"] and task.due_on == days(5)
    assert b"TASK-CANARY-4411" not in bytes(task.what_ct)
    assert WHAT in page and 'id="investigation-plan"' in page
    assert WHAT in staff_client("lima_supervisor").get(f"/staff/cases/{case.public_id}/").content.decode()
    event = case.events.get(kind=CaseEvent.Kind.TASK_ADDED)
    audit = AuditEvent.objects.get(action=AuditAction.TASK_CHANGED)
    for details in (event.details, audit.details):
        assert "CANARY" not in str(details) and details["task"] == str(task.public_id)


def test_marking_a_task_done_seals_its_result(case: Case, cast: dict[str, StaffMember]) -> None:
    task = services.task_add(
        case=case,
        actor=cast["lima_supervisor"],
        what=WHAT,
        assignee=cast["lima_investigator"],
        due_on=None,
        vault=vault_of(cast["lima_supervisor"]),
    )
    page = post(staff_client("lima_investigator"), plan_url(case, f"tasks/{task.public_id}/done/"), {"result": RESULT})
    task.refresh_from_db()
    assert task.done_on == today()
    assert b"RESULT-CANARY-2290" not in bytes(task.result_ct)
    assert RESULT in page
    assert case.events.filter(kind=CaseEvent.Kind.TASK_DONE).exists()
    assert AuditEvent.objects.filter(action=AuditAction.TASK_CHANGED, details__change="done").exists()


def test_an_interview_is_recorded_sealed_and_shown_decrypted(case: Case, cast: dict[str, StaffMember]) -> None:
    page = post(
        staff_client("lima_investigator"),
        plan_url(case, "interviews/"),
        {"held_on": today().isoformat(), "interviewee": INTERVIEWEE, "summary": SUMMARY},
    )
    interview = Interview.objects.get(case=case)
    assert b"CANARY" not in bytes(interview.interviewee_ct) + bytes(interview.summary_ct)
    assert INTERVIEWEE in page and SUMMARY in page and 'id="interviews"' in page
    audit = AuditEvent.objects.get(action=AuditAction.INTERVIEW_RECORDED)
    assert "CANARY" not in str(audit.details) and "CANARY" not in str(
        case.events.get(kind=CaseEvent.Kind.INTERVIEW_RECORDED).details
    )


def test_a_late_task_is_shown_late_in_red(case: Case, cast: dict[str, StaffMember]) -> None:
    task = services.task_add(
        case=case,
        actor=cast["lima_investigator"],
        what=WHAT,
        assignee=cast["lima_investigator"],
        due_on=today(),
        vault=vault_of(cast["lima_investigator"]),
    )
    Task.objects.filter(pk=task.pk).update(due_on=days(-2))
    page = staff_client("lima_investigator").get(f"/staff/cases/{case.public_id}/").content.decode()
    assert "task-late" in page and "text-danger" in page
    assert "vencida" in page or "late" in page


def test_refused_tasks_and_interviews_change_nothing(case: Case, cast: dict[str, StaffMember]) -> None:
    investigator = staff_client("lima_investigator")
    # Due in the past; for someone outside the unit; an interview not yet held.
    post(
        investigator,
        plan_url(case, "tasks/"),
        {"what": WHAT, "assignee": cast["lima_investigator"].pk, "due_on": days(-1).isoformat()},
    )
    post(investigator, plan_url(case, "tasks/"), {"what": WHAT, "assignee": cast["norte_investigator"].pk})
    post(
        investigator,
        plan_url(case, "interviews/"),
        {"held_on": days(1).isoformat(), "interviewee": INTERVIEWEE, "summary": SUMMARY},
    )
    assert not Task.objects.exists() and not Interview.objects.exists()
    assert not AuditEvent.objects.filter(action__in=[AuditAction.TASK_CHANGED, AuditAction.INTERVIEW_RECORDED])


def test_only_the_assignees_or_a_supervisor_mark_a_task_done(case: Case, cast: dict[str, StaffMember]) -> None:
    supervisor = cast["lima_supervisor"]
    task = services.task_add(
        case=case, actor=supervisor, what=WHAT, assignee=supervisor, due_on=None, vault=vault_of(supervisor)
    )
    investigator = cast["lima_investigator"]
    with pytest.raises(CaseActionRefused):
        services.task_done(task=task, actor=investigator, result="", vault=vault_of(investigator))
    case.assignee = investigator
    case.save(update_fields=["assignee"])
    task.refresh_from_db()
    services.task_done(task=task, actor=investigator, result="", vault=vault_of(investigator))
    task.refresh_from_db()
    assert task.is_done and not task.result_ct


def test_a_closed_case_takes_no_new_tasks_or_interviews(case: Case, cast: dict[str, StaffMember]) -> None:
    supervisor = cast["lima_supervisor"]
    vault = vault_of(supervisor)
    case_transition(case=case, to=CaseStatus.NOT_ACTIONABLE, actor=supervisor, reason="Sin datos.", vault=vault)
    case.refresh_from_db()
    with pytest.raises(CaseActionRefused):
        services.task_add(case=case, actor=supervisor, what=WHAT, assignee=supervisor, due_on=None, vault=vault)
    with pytest.raises(CaseActionRefused):
        services.interview_record(
            case=case, actor=supervisor, held_on=today(), interviewee=INTERVIEWEE, summary=SUMMARY, vault=vault
        )
    page = staff_client("lima_supervisor").get(f"/staff/cases/{case.public_id}/").content.decode()
    assert "/tasks/" not in page and "/interviews/" not in page


def test_outsiders_and_the_recused_get_404_and_change_nothing(case: Case, cast: dict[str, StaffMember]) -> None:
    supervisor = cast["lima_supervisor"]
    task = services.task_add(
        case=case, actor=supervisor, what=WHAT, assignee=supervisor, due_on=None, vault=vault_of(supervisor)
    )
    recusal_add(case=case, member=cast["lima_investigator"], actor=supervisor)
    for name in ("norte_investigator", "lima_investigator", "manager"):
        client = staff_client(name)
        for path, data in (
            (plan_url(case, "tasks/"), {"what": WHAT, "assignee": supervisor.pk}),
            (plan_url(case, f"tasks/{task.public_id}/done/"), {"result": RESULT}),
            (plan_url(case, "interviews/"), {"held_on": today().isoformat(), "interviewee": "x", "summary": "y"}),
        ):
            assert client.post(path, data).status_code == 404, (name, path)
    task.refresh_from_db()
    assert Task.objects.count() == 1 and not task.is_done and not Interview.objects.exists()


def test_a_task_of_another_case_is_404(
    case: Case, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    other = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    supervisor = cast["lima_supervisor"]
    task = services.task_add(
        case=other, actor=supervisor, what=WHAT, assignee=supervisor, due_on=None, vault=vault_of(supervisor)
    )
    response = staff_client("lima_supervisor").post(plan_url(case, f"tasks/{task.public_id}/done/"), {})
    assert response.status_code == 404


def test_the_supervisor_or_the_case_s_assignee_changes_who_does_a_task_and_by_when(
    case: Case, cast: dict[str, StaffMember]
) -> None:
    supervisor, investigator = cast["lima_supervisor"], cast["lima_investigator"]
    task = services.task_add(
        case=case, actor=supervisor, what=WHAT, assignee=supervisor, due_on=None, vault=vault_of(supervisor)
    )
    change = plan_url(case, f"tasks/{task.public_id}/change/")
    post(staff_client("lima_investigator"), change, {"assignee": investigator.pk, "due_on": days(4).isoformat()})
    task.refresh_from_db()
    assert task.assignee == supervisor and task.due_on is None  # not the case's assignee: refused

    page = post(staff_client("lima_supervisor"), change, {"assignee": investigator.pk, "due_on": days(4).isoformat()})
    task.refresh_from_db()
    assert task.assignee == investigator and task.due_on == days(4)
    assert WHAT in page
    audit = AuditEvent.objects.get(action=AuditAction.TASK_CHANGED, details__change="reassigned")
    assert "CANARY" not in str(audit.details)


def test_a_member_s_open_tasks_are_listed_earliest_first_with_the_late_ones_marked(
    case: Case, cast: dict[str, StaffMember]
) -> None:
    investigator = cast["lima_investigator"]
    vault = vault_of(investigator)
    later = services.task_add(
        case=case, actor=investigator, what=WHAT, assignee=investigator, due_on=days(9), vault=vault
    )
    sooner = services.task_add(
        case=case, actor=investigator, what=WHAT, assignee=investigator, due_on=days(1), vault=vault
    )
    done = services.task_add(case=case, actor=investigator, what=WHAT, assignee=investigator, due_on=None, vault=vault)
    services.task_done(task=done, actor=investigator, result="", vault=vault)
    services.task_add(
        case=case, actor=investigator, what=WHAT, assignee=cast["lima_supervisor"], due_on=None, vault=vault
    )
    listed = list(member_open_tasks(member=investigator, day=days(5)))
    assert [t.pk for t in listed] == [sooner.pk, later.pk]
    assert [t.late for t in listed] == [True, False]  # type: ignore[attr-defined]
