"""A whistleblower who did not ask for protection on the report asks later at /followup/: the unit must decide
within its working-day deadline, counted from that day, and the page says by when."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from audit.models import AuditEvent
from cases.deadlines import add_working_days
from cases.models import CaseEvent, CaseTip
from org.models import Facility
from protection.public_forms import FORM_PROTECTION
from tests.factories import form_token, submit_tip
from tests.protection.followup import FOLLOWUP, open_followup, post_form, shown
from tipline import abuse

pytestmark = pytest.mark.django_db


def test_asking_later_sets_the_working_day_deadline_and_shows_it(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"])
    case = CaseTip.objects.get(tip=tip).case
    assert case.protection_due is None
    client = open_followup(code)
    page = client.get(FOLLOWUP).content.decode()
    assert "D.Leg. 1327" in page
    audit_rows = AuditEvent.objects.count()

    status, _html, location = post_form(client, FOLLOWUP, "/followup/protection/", {"contact": ""})

    assert status == 302 and location.startswith(FOLLOWUP)
    today = timezone.localdate()
    due = add_working_days(today, case.unit.protection_working_days)
    case.refresh_from_db()
    tip.refresh_from_db()
    assert tip.protection_requested
    assert case.protection_due == due and case.protection_decided_on is None
    assert case.next_due <= due
    assert case.unread_reply
    event = case.events.get(kind=CaseEvent.Kind.PROTECTION_REQUESTED)
    assert event.actor is None
    assert timezone.localtime(event.at).time() == datetime.time(0, 0)  # the day only
    assert AuditEvent.objects.count() == audit_rows  # an audit row's exact time would date the whistleblower
    page = client.get(FOLLOWUP).content.decode()
    assert f"You asked for protection on {shown(today)}" in page
    assert f"must decide by {shown(due)}" in page
    assert 'id="request-protection"' not in page  # pending: not asked twice


def test_asking_again_while_pending_is_refused_and_keeps_what_was_typed(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"])
    client = open_followup(code)
    post_form(client, FOLLOWUP, "/followup/protection/", {"contact": ""})
    typed = "Escríbanme al 987 654 321"
    response = client.post("/followup/protection/", {abuse.TOKEN_FIELD: form_token(FORM_PROTECTION), "contact": typed})
    assert response.status_code == 409
    assert "not decided yet" in response.content.decode()
    assert tip.reserved_identities.count() == 0
