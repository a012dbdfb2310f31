"""The timeline lists events in the order they happened, though a whistleblower's are dated to midnight."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import CaseEvent
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tipline.services import message_post_by_whistleblower, tip_open_with_receipt

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    return client


def test_a_reply_the_same_day_is_listed_after_the_question(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"])
    case = tip.case_link.case
    client = english(staff_client("lima_investigator"))
    client.post(
        f"/staff/cases/{case.public_id}/message/", {"tip": str(tip.public_id), "body": "¿Qué día fue exactamente?"}
    )
    # The question was sent at 15:00; the reply that follows is stored at midnight of the same day.
    question = case.events.get(kind=CaseEvent.Kind.QUESTION_SENT)
    afternoon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(15, 0)))
    CaseEvent.objects.filter(pk=question.pk).update(at=afternoon)
    opened = tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    message_post_by_whistleblower(tip=tip, data_key=opened[1], body="El domingo.")
    reply = case.events.get(kind=CaseEvent.Kind.REPLY_RECEIVED)
    assert reply.at < afternoon, "the reply's stored time is midnight"

    timeline = client.get(f"/staff/cases/{case.public_id}/").content.decode().split('id="timeline"', 1)[1]
    timeline = timeline.split("</ol>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", timeline, re.S)
    kinds = [item.split(" · ")[1] for item in items]
    assert kinds.index("Message sent to the whistleblower") < kinds.index("Reply from the whistleblower")
    reply_item = next(item for item in items if "Reply from the whistleblower" in item)
    question_item = next(item for item in items if "Message sent to the whistleblower" in item)
    # The whistleblower's event shows the day only; the staff's, the time too.
    day = timezone.localdate().strftime("%m/%d/%Y")
    assert reply_item.split(" · ")[0].strip() == day
    assert question_item.split(" · ")[0].strip() == f"{day} 3 p.m."
