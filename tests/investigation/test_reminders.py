"""Tasks due feed their assignee's daily reminder and the unit's summary: a date and a case link, never the task."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils.formats import date_format
from django.utils.translation import override

from accounts.models import StaffMember
from cases.digest import assignees_with_deadlines, unit_digest_send
from cases.models import Case
from cases.tasks import send_deadline_reminders
from investigation import services
from investigation.models import Task
from tests.investigation.conftest import days, today, vault_of

pytestmark = pytest.mark.django_db

SECRET = "TASK-CANARY-8123 revisar la cámara del pabellón 3"


@pytest.fixture(autouse=True)
def _own_cache_and_eager_tasks(fresh_cache: None, eager_celery: None) -> None:
    """Each test gets its own cache and runs tasks inline (fixtures in tests/conftest.py)."""


@pytest.fixture
def with_emails(cast: dict[str, StaffMember]) -> dict[str, StaffMember]:
    for name, member in cast.items():
        get_user_model().objects.filter(pk=member.user_id).update(email=f"{name}@example.org")
    return cast


def add_task(case: Case, assignee: StaffMember, due_in: int) -> Task:
    supervisor = StaffMember.objects.get(user__username="lima_supervisor")
    task = services.task_add(
        case=case, actor=supervisor, what=SECRET, assignee=assignee, due_on=today(), vault=vault_of(supervisor)
    )
    Task.objects.filter(pk=task.pk).update(due_on=days(due_in))
    task.refresh_from_db()
    return task


def shown(day: object) -> str:
    with override("es"):
        return date_format(day, "SHORT_DATE_FORMAT")


def test_an_assignee_is_reminded_of_their_tasks_due_with_the_case_link_and_no_content(
    case: Case, with_emails: dict[str, StaffMember]
) -> None:
    investigator = with_emails["lima_investigator"]
    late = add_task(case, investigator, -3)
    soon = add_task(case, investigator, 1)
    add_task(case, investigator, 30)  # not due yet: not in the mail

    assert investigator.pk in assignees_with_deadlines(day=today())
    send_deadline_reminders(today().isoformat())

    mails = [m for m in mail.outbox if m.to == ["lima_investigator@example.org"]]
    assert len(mails) == 1
    body = mails[0].body
    assert f"/staff/cases/{case.public_id}/" in body
    assert shown(late.due_on) in body and shown(soon.due_on) in body and shown(days(30)) not in body
    assert "vencida" in body  # the late one, in Spanish
    assert "CANARY" not in body and "cámara" not in body


def test_done_tasks_and_closed_cases_remind_nobody(case: Case, with_emails: dict[str, StaffMember]) -> None:
    investigator = with_emails["lima_investigator"]
    task = add_task(case, investigator, -1)
    Task.objects.filter(pk=task.pk).update(done_on=today())
    assert investigator.pk not in assignees_with_deadlines(day=today())


def test_the_unit_summary_counts_late_tasks(case: Case, with_emails: dict[str, StaffMember]) -> None:
    add_task(case, with_emails["lima_investigator"], -2)
    add_task(case, with_emails["lima_supervisor"], -1)
    add_task(case, with_emails["lima_supervisor"], 2)
    assert unit_digest_send(unit=case.unit, day=today()) > 0
    body = mail.outbox[0].body
    with override("es"):
        from django.utils.translation import gettext

        label = gettext("Tasks of investigation plans late")
    assert f"{label}: 2" in body
    assert "CANARY" not in body
