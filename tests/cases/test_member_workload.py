"""The unit members page shows each member's workload, counted in one query whatever the number of members."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from cases.members import unit_workloads
from cases.models import Case
from investigation.models import Task
from org.models import Facility, Unit
from tests.conftest import staff_client
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db


def assigned(facility: Facility, member: StaffMember, **fields: Any) -> Case:
    case = submit_tip(facility=facility)[0].case_link.case
    Case.objects.filter(pk=case.pk).update(assignee=member, **fields)
    return case


def test_each_members_open_cases_overdue_unread_and_tasks(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], units: dict[str, Unit]
) -> None:
    investigator, supervisor = cast["lima_investigator"], cast["lima_supervisor"]
    lurigancho = facilities["lurigancho"]
    today = timezone.localdate()
    assigned(lurigancho, investigator, acknowledge_due=today - datetime.timedelta(days=1))
    replied = assigned(lurigancho, investigator, unread_reply=True)
    assigned(lurigancho, investigator, closed_on=today, status="unsubstantiated")  # closed: not counted
    assigned(lurigancho, supervisor)
    Task.objects.create(case=replied, what_ct=b"x", assignee=investigator, created_by=supervisor)
    Task.objects.create(case=replied, what_ct=b"y", assignee=investigator, created_by=supervisor, done_on=today)
    Task.objects.create(case=replied, what_ct=b"z", assignee=supervisor, created_by=supervisor)

    page = staff_client("lima_supervisor").get("/staff/units/lima/members/").content.decode()
    row = re.search(r"<tr>\s*<td>lima_investigator</td>.*?</tr>", page, re.S)
    assert row
    cells = dict(re.findall(r'<td class="text-end workload-(\w+)">(.*?)</td>', row.group(0), re.S))
    assert re.sub(r"<[^>]+>", "", cells["open"]) == "2"
    assert re.sub(r"<[^>]+>", "", cells["overdue"]) == "1"
    assert cells["unread"] == "1"
    assert cells["tasks"] == "1"
    workloads = unit_workloads(unit=units["lima"], today=today)
    assert (workloads[supervisor.pk].open_cases, workloads[supervisor.pk].open_tasks) == (1, 1)


def test_one_query_for_every_member(
    cast: dict[str, StaffMember], units: dict[str, Unit], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        unit_workloads(unit=units["lima"], today=timezone.localdate())
