"""A whistleblower's reply marks the case in the queue until someone who works the case opens it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import StaffMember
from cases import services
from cases.models import Case, CaseEvent
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tipline.models import Tip
from tipline.services import message_post_by_whistleblower, tip_open_with_receipt

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    return client


def reply(tip: Tip, receipt: str, body: str = "Fue el domingo, en la visita.") -> None:
    opened = tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    message_post_by_whistleblower(tip=tip, data_key=opened[1], body=body)


def row_of(html: str, case: Case) -> str:
    match = re.search(rf"<tr>(?:(?!</tr>).)*{case.public_id}(?:(?!</tr>).)*</tr>", html, re.S)
    assert match, "the case has no row in the queue"
    return match.group(0)


def test_a_reply_marks_the_row_and_opening_the_case_clears_it(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"])
    quiet = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    case = tip.case_link.case
    reply(tip, receipt)

    case.refresh_from_db()
    assert case.unread_reply
    assert case.events.filter(kind=CaseEvent.Kind.REPLY_RECEIVED).count() == 1
    client = english(staff_client("lima_investigator"))
    queue = client.get("/staff/").content.decode()
    assert "New reply" in row_of(queue, case)
    assert "New reply" not in row_of(queue, quiet)

    # The filter lists only the cases with an unread reply.
    unread = client.get("/staff/?unread=1").content.decode()
    assert str(case.public_id) in unread and str(quiet.public_id) not in unread
    assert "With an unread reply" in unread

    # Acknowledged and assigned, so the reply is what the case needs next.
    Case.objects.filter(pk=case.pk).update(acknowledged_on=tip.received_on, assignee=cast["lima_investigator"])
    page = client.get(f"/staff/cases/{case.public_id}/")
    assert page.status_code == 200
    # The visit that clears the mark is the one that says what to do about the reply.
    assert "Read and answer the reply" in page.content.decode()
    case.refresh_from_db()
    assert not case.unread_reply
    assert "New reply" not in row_of(client.get("/staff/").content.decode(), case)


def test_the_mark_is_in_spanish_by_default(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"])
    reply(tip, receipt)
    assert "Nueva respuesta" in staff_client("lima_investigator").get("/staff/").content.decode()


def test_someone_who_does_not_work_the_case_leaves_the_mark(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"])
    case = tip.case_link.case
    services.recusal_add(case=case, member=cast["lima_investigator"], actor=cast["lima_supervisor"])
    reply(tip, receipt)

    assert staff_client("lima_investigator").get(f"/staff/cases/{case.public_id}/").status_code == 404
    assert staff_client("norte_investigator").get(f"/staff/cases/{case.public_id}/").status_code == 404
    case.refresh_from_db()
    assert case.unread_reply
    # The service itself refuses to clear it for them.
    services.case_replies_seen(case=case, actor=cast["lima_investigator"])
    assert Case.objects.get(pk=case.pk).unread_reply


def test_a_visit_without_an_unread_reply_costs_no_query(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], django_assert_num_queries: Any
) -> None:
    case = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    case.refresh_from_db()
    with django_assert_num_queries(0):
        services.case_replies_seen(case=case, actor=cast["lima_investigator"])


def test_a_merge_keeps_the_merged_case_s_unread_reply(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"])
    target = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    reply(tip, receipt)
    other = tip.case_link.case

    client = staff_client("lima_investigator")
    client.post(f"/staff/cases/{target.public_id}/link/", {"other": str(other.public_id)})

    target.refresh_from_db()
    assert not Case.objects.filter(pk=other.pk).exists()
    assert target.unread_reply
