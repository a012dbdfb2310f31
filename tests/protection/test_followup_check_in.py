"""A check-in that is due shows at /followup/ as a question; the answer is stored with the day only, any text
joins the thread, and an answer of retaliation leads to the retaliation form."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import CaseEvent, CaseTip
from org.models import Facility
from protection.models import CheckIn
from tests.factories import submit_tip
from tests.protection.followup import FOLLOWUP, open_followup, post_form
from tipline.models import Message, Tip

pytestmark = pytest.mark.django_db


def _check_in(tip: Tip, *, days: int = 30) -> CheckIn:
    case = CaseTip.objects.get(tip=tip).case
    due = timezone.localdate() - datetime.timedelta(days=1)
    return CheckIn.objects.create(case=case, tip=tip, after=CheckIn.After.DECISION, days=days, due_on=due)


def test_the_answer_is_stored_with_the_day_and_the_text_joins_the_thread(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    check_in = _check_in(tip)
    client = open_followup(code)
    page = client.get(FOLLOWUP).content.decode()
    assert "It is 30 days since the decision on your protection. How are you?" in page

    action = f"/followup/check-in/{check_in.public_id}/"
    status, _html, location = post_form(
        client, FOLLOWUP, action, {"answer": CheckIn.Answer.WORRIED, "text": "Me siguen mirando mal en el turno."}
    )

    assert status == 302 and location.startswith(FOLLOWUP)
    check_in.refresh_from_db()
    assert check_in.answered_on == timezone.localdate()
    assert check_in.answer == CheckIn.Answer.WORRIED
    assert Message.objects.filter(tip=tip, author_kind=Message.Author.WHISTLEBLOWER).count() == 1
    case = check_in.case
    case.refresh_from_db()
    assert case.unread_reply
    event = case.events.get(kind=CaseEvent.Kind.CHECK_IN_ANSWERED)
    assert event.actor is None
    assert timezone.localtime(event.at).time() == datetime.time(0, 0)
    assert "How are you?" not in client.get(FOLLOWUP).content.decode()  # answered: asked no more


def test_a_check_in_not_yet_due_is_not_asked(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    case = CaseTip.objects.get(tip=tip).case
    later = timezone.localdate() + datetime.timedelta(days=10)
    CheckIn.objects.create(case=case, tip=tip, after=CheckIn.After.DECISION, days=60, due_on=later)
    assert "How are you?" not in open_followup(code).get(FOLLOWUP).content.decode()


def test_answering_retaliation_leads_to_the_retaliation_form(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    check_in = _check_in(tip, days=90)
    client = open_followup(code)
    action = f"/followup/check-in/{check_in.public_id}/"

    status, _html, location = post_form(client, FOLLOWUP, action, {"answer": CheckIn.Answer.RETALIATION})

    assert status == 302 and location == "/followup/retaliation/"
    assert client.get(location).status_code == 200
    check_in.refresh_from_db()
    assert check_in.answer == CheckIn.Answer.RETALIATION
