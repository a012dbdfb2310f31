"""The unit's queue: ordered by next deadline, filtered, counted, and paged by keyset."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import Case, Priority
from cases.selectors import QUEUE_PAGE_SIZE
from cases.statuses import CaseStatus
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tipline.models import Category

pytestmark = pytest.mark.django_db


def case_ids(html: str) -> list[str]:
    return re.findall(r'href="/staff/cases/([0-9a-f-]{36})/"', html)


def test_queue_orders_by_next_deadline_and_counts_statuses(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    cases = [submit_tip(facility=facilities["lurigancho"])[0].case_link.case for _ in range(3)]
    today = timezone.localdate()
    dues = [today + datetime.timedelta(days=5), today - datetime.timedelta(days=2), today + datetime.timedelta(days=1)]
    for case, due in zip(cases, dues, strict=True):
        Case.objects.filter(pk=case.pk).update(next_due=due)
    Case.objects.filter(pk=cases[0].pk).update(status=CaseStatus.TRIAGE)
    html = staff_client("lima_investigator").get("/staff/").content.decode()
    assert case_ids(html) == [str(cases[1].public_id), str(cases[2].public_id), str(cases[0].public_id)]
    assert "overdue" in html or "vencido" in html.lower()
    assert re.search(r"(Received|Recibida): <strong>2</strong>", html)
    assert re.search(r"(In triage|En evaluación): <strong>1</strong>", html)


def test_filters_narrow_the_queue(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    phones = submit_tip(facility=facilities["lurigancho"], category=Category.PHONES)[0].case_link.case
    drugs = submit_tip(facility=facilities["lurigancho"], category=Category.DRUGS_WEAPONS)[0].case_link.case
    Case.objects.filter(pk=drugs.pk).update(priority=Priority.URGENT, assignee=cast["lima_investigator"])
    client = staff_client("lima_investigator")
    assert case_ids(client.get("/staff/?category=phones").content.decode()) == [str(phones.public_id)]
    assert case_ids(client.get("/staff/?priority=urgent").content.decode()) == [str(drugs.public_id)]
    assert case_ids(client.get("/staff/?assignee=me").content.decode()) == [str(drugs.public_id)]
    assert case_ids(client.get("/staff/?assignee=none").content.decode()) == [str(phones.public_id)]
    Case.objects.filter(pk=phones.pk).update(next_due=timezone.localdate() - datetime.timedelta(days=1))
    assert case_ids(client.get("/staff/?overdue=on").content.decode()) == [str(phones.public_id)]


def test_keyset_pages_cover_every_case_once(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    total = QUEUE_PAGE_SIZE + 7
    for _ in range(total):
        submit_tip(facility=facilities["lurigancho"])
    client = staff_client("lima_investigator")
    first = client.get("/staff/").content.decode()
    ids = case_ids(first)
    assert len(ids) == QUEUE_PAGE_SIZE
    cursor = re.search(r'after=([0-9-]+_[0-9]+)"', first)
    assert cursor
    second = client.get(f"/staff/?after={cursor.group(1)}").content.decode()
    assert len(case_ids(second)) == 7
    assert len(set(ids) | set(case_ids(second))) == total
    assert not re.search(r'after=([0-9-]+_[0-9]+)"', second)


def test_closed_cases_leave_the_default_queue(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    case = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.NOT_ACTIONABLE, closed_on=timezone.localdate())
    client = staff_client("lima_investigator")
    assert case_ids(client.get("/staff/").content.decode()) == []
    assert case_ids(client.get("/staff/?status=not_actionable").content.decode()) == [str(case.public_id)]


@pytest.mark.parametrize("cursor", ["2026-11-01_99999999999999999999", "2026-11-01_-1", "9999-99-99_1", "junk"])
def test_a_hand_edited_cursor_shows_the_first_page(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], cursor: str
) -> None:
    case = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    response = staff_client("lima_investigator").get("/staff/", {"after": cursor})
    assert response.status_code == 200
    assert case_ids(response.content.decode()) == [str(case.public_id)]
