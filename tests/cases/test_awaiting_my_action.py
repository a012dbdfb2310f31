"""'Awaiting my action': my open cases with an unread reply, a deadline near or past, no acknowledgement, or a
task of mine due."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import Case
from cases.selectors import QUEUE_PAGE_SIZE
from cases.statuses import CaseStatus
from investigation.models import Task
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db


def case_ids(html: str) -> list[str]:
    return re.findall(r'href="/staff/cases/([0-9a-f-]{36})/"', html)


def quiet_case(facility: Facility, member: StaffMember) -> Case:
    """A case assigned to `member` that needs nothing from them now: acknowledged, deadlines far away."""
    case = submit_tip(facility=facility)[0].case_link.case
    today = timezone.localdate()
    far = today + datetime.timedelta(days=60)
    Case.objects.filter(pk=case.pk).update(
        assignee=member,
        status=CaseStatus.TRIAGE,
        acknowledged_on=today,
        feedback_due=far,
        next_due=far,
    )
    return Case.objects.get(pk=case.pk)


def test_the_tab_lists_and_counts_what_waits_for_me(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    me = cast["lima_investigator"]
    lurigancho = facilities["lurigancho"]
    today = timezone.localdate()
    quiet = quiet_case(lurigancho, me)
    replied = quiet_case(lurigancho, me)
    Case.objects.filter(pk=replied.pk).update(unread_reply=True)
    due = quiet_case(lurigancho, me)
    Case.objects.filter(pk=due.pk).update(feedback_due=today + datetime.timedelta(days=2))
    unacknowledged = submit_tip(facility=lurigancho)[0].case_link.case
    Case.objects.filter(pk=unacknowledged.pk).update(assignee=me)
    tasked = quiet_case(lurigancho, me)
    Task.objects.create(
        case=tasked, what_ct=b"x", assignee=me, due_on=today - datetime.timedelta(days=1), created_by=me
    )
    Task.objects.create(case=tasked, what_ct=b"y", assignee=me, due_on=today, created_by=me)
    done_task = quiet_case(lurigancho, me)
    Task.objects.create(case=done_task, what_ct=b"z", assignee=me, due_on=today, done_on=today, created_by=me)
    someone_elses = submit_tip(facility=lurigancho)[0].case_link.case
    Case.objects.filter(pk=someone_elses.pk).update(assignee=cast["lima_supervisor"], unread_reply=True)

    client = staff_client("lima_investigator")
    html = client.get("/staff/?mine=action").content.decode()
    listed = case_ids(html)
    expected = {str(c.public_id) for c in (replied, due, unacknowledged, tasked)}
    assert set(listed) == expected and len(listed) == 4, "each case once, even with two tasks due"
    assert str(quiet.public_id) not in listed and str(done_task.public_id) not in listed
    tab = re.search(r'<a[^>]*id="awaiting-action"[^>]*>(.*?)</a>', html, re.S)
    assert tab and "<strong>4</strong>" in tab.group(1)
    # The tab is above every queue page, with its count.
    assert "<strong>4</strong>" in client.get("/staff/").content.decode()
    # The other filters combine with it; the hidden field keeps it when they are applied.
    assert 'name="mine"' in html
    assert case_ids(client.get("/staff/?mine=action&unread=1").content.decode()) == [str(replied.public_id)]


def test_keyset_pages_walk_the_filtered_queue(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    me = cast["lima_investigator"]
    for _ in range(QUEUE_PAGE_SIZE + 3):
        case = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
        Case.objects.filter(pk=case.pk).update(assignee=me)
    client = staff_client("lima_investigator")
    first = client.get("/staff/?mine=action").content.decode()
    cursor = re.search(r"after=([0-9-]+_[0-9]+)", first)
    assert cursor and "mine=action" in first.split("after=")[0].rsplit('href="', 1)[1]
    second = client.get(f"/staff/?mine=action&after={cursor.group(1)}").content.decode()
    seen = case_ids(first) + case_ids(second)
    assert len(seen) == len(set(seen)) == QUEUE_PAGE_SIZE + 3


def test_a_task_due_in_a_colleagues_case_waits_for_me(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    """A member given a task in a case assigned to someone else learns it here; not once the case is closed."""
    me, colleague = cast["lima_investigator"], cast["lima_supervisor"]
    today = timezone.localdate()
    theirs = quiet_case(facilities["lurigancho"], colleague)
    Task.objects.create(case=theirs, what_ct=b"x", assignee=me, due_on=today, created_by=colleague)
    closed = quiet_case(facilities["lurigancho"], colleague)
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.SUBSTANTIATED, closed_on=today)
    Task.objects.create(case=closed, what_ct=b"y", assignee=me, due_on=today, created_by=colleague)

    mine = staff_client("lima_investigator").get("/staff/?mine=action").content.decode()
    assert case_ids(mine) == [str(theirs.public_id)]
    # The colleague it is assigned to has nothing waiting in it: the task is not theirs.
    assert case_ids(staff_client("lima_supervisor").get("/staff/?mine=action").content.decode()) == []
