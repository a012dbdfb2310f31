"""A merged case brings its plan and interviews along, re-sealed; a transferred case keeps them readable."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from cases.models import Case
from investigation import services
from investigation.models import Interview, Task
from org.models import Facility, Unit
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.investigation.conftest import days, post, today, vault_of

pytestmark = pytest.mark.django_db


def plan(case: Case, member: StaffMember, tag: str) -> None:
    vault = vault_of(member)
    task = services.task_add(case=case, actor=member, what=f"{tag}-TASK", assignee=member, due_on=days(3), vault=vault)
    services.task_done(task=task, actor=member, result=f"{tag}-RESULT", vault=vault)
    services.task_add(case=case, actor=member, what=f"{tag}-OPEN", assignee=member, due_on=None, vault=vault)
    services.interview_record(
        case=case, actor=member, held_on=today(), interviewee=f"{tag}-WHO", summary=f"{tag}-SAID", vault=vault
    )


def test_merging_moves_and_reseals_the_other_case_s_tasks_and_interviews(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    target = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    other = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    investigator = cast["lima_investigator"]
    plan(target, investigator, "TARGET")
    plan(other, investigator, "OTHER")
    other_rows = {
        "tasks": {t.pk: bytes(t.what_ct) for t in Task.objects.filter(case=other)},
        "interviews": {i.pk: bytes(i.summary_ct) for i in Interview.objects.filter(case=other)},
    }

    client = staff_client("lima_investigator")
    page = post(client, f"/staff/cases/{target.public_id}/link/", {"other": str(other.public_id)})

    assert not Case.objects.filter(pk=other.pk).exists()
    assert Task.objects.filter(case=target).count() == 4 and Interview.objects.filter(case=target).count() == 2
    for pk, before in other_rows["tasks"].items():
        assert bytes(Task.objects.get(pk=pk).what_ct) != before  # sealed again, under the target's key
    for pk, before in other_rows["interviews"].items():
        assert bytes(Interview.objects.get(pk=pk).summary_ct) != before
    for text in ("TARGET-TASK", "OTHER-TASK", "OTHER-RESULT", "OTHER-OPEN", "OTHER-WHO", "OTHER-SAID", "TARGET-SAID"):
        assert text in page, text


def test_a_transferred_case_s_plan_opens_in_the_new_unit(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], units: dict[str, Unit]
) -> None:
    case = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    plan(case, cast["lima_supervisor"], "MOVED")
    post(staff_client("lima_supervisor"), f"/staff/cases/{case.public_id}/transfer/", {"unit": units["norte"].pk})
    page = staff_client("norte_investigator").get(f"/staff/cases/{case.public_id}/").content.decode()
    for text in ("MOVED-TASK", "MOVED-RESULT", "MOVED-WHO", "MOVED-SAID"):
        assert text in page, text
