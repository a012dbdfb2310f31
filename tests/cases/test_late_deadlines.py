"""A deadline met after its due date shows as met late, with the days; an open one past due, as overdue."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import Case
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db


def deadlines(client: Client, case: Case) -> list[str]:
    page = client.get(f"/staff/cases/{case.public_id}/").content.decode()
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item))
        for item in re.findall(r'<li class="deadline">(.*?)</li>', page, re.S)
    ]


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    return client


@pytest.fixture
def case(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Case:
    return submit_tip(facility=facilities["lurigancho"])[0].case_link.case


def test_an_acknowledgement_after_the_due_date_is_met_late(case: Case) -> None:
    today = timezone.localdate()
    Case.objects.filter(pk=case.pk).update(
        acknowledge_due=today - datetime.timedelta(days=3),
        acknowledged_on=today,
        feedback_due=today + datetime.timedelta(days=9),
    )
    acknowledge, feedback = deadlines(english(staff_client("lima_investigator")), case)
    assert "met late (3 days)" in acknowledge
    assert "met" not in feedback and "overdue" not in feedback


def test_on_time_is_met_and_past_due_is_overdue(case: Case) -> None:
    today = timezone.localdate()
    Case.objects.filter(pk=case.pk).update(
        acknowledge_due=today, acknowledged_on=today, feedback_due=today - datetime.timedelta(days=1)
    )
    acknowledge, feedback = deadlines(english(staff_client("lima_investigator")), case)
    assert "met" in acknowledge and "late" not in acknowledge
    assert "overdue" in feedback
    page = staff_client("lima_investigator").get(f"/staff/cases/{case.public_id}/").content.decode()
    assert 'text-bg-danger">vencido' in page.lower() or "vencido" in page.lower()


def test_met_late_in_spanish(case: Case) -> None:
    today = timezone.localdate()
    Case.objects.filter(pk=case.pk).update(acknowledge_due=today - datetime.timedelta(days=1), acknowledged_on=today)
    acknowledge = deadlines(staff_client("lima_investigator"), case)[0]
    assert "cumplido con retraso (1 día)" in acknowledge


def test_the_rule_on_the_model(case: Case) -> None:
    today = timezone.localdate()
    case.acknowledge_due, case.acknowledged_on = today - datetime.timedelta(days=2), today
    case.feedback_due, case.feedback_given_on = today - datetime.timedelta(days=1), None
    acknowledge, feedback = case.deadline_states(today)[:2]
    assert (acknowledge.days_late, acknowledge.is_overdue) == (2, False)
    assert (feedback.days_late, feedback.is_overdue) == (0, True)
    case.closed_on = today
    assert not case.deadline_states(today)[1].is_overdue, "a closed case has nothing overdue"
