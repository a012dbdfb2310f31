"""Retaliation reported from /followup/ is a new report at the national unit, linked to the first, with its own
protection deadline and tracking code; the first report's page lists it with its status."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import CaseEvent, CaseTip
from org.models import Facility, Unit
from tests.factories import receipt_from, submit_tip
from tests.protection.followup import FOLLOWUP, open_followup, post_form
from tipline.models import Category, ReservedIdentity, Tip

pytestmark = pytest.mark.django_db

WHAT = "Desde que denuncié me cambiaron al turno de noche y me amenazan en el pabellón."


def test_retaliation_opens_a_national_case_with_its_own_deadline_and_code(
    cast: dict[str, StaffMember], units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    tip, code = submit_tip(facility=facilities["lurigancho"])
    client = open_followup(code)

    status, html, _location = post_form(
        client,
        "/followup/retaliation/",
        "/followup/retaliation/",
        {"description": WHAT, "staff_involved": "yes", "contact": "Llamar a Rosa al 987 654 321"},
    )

    assert status == 200, html[:2000]
    new_code = receipt_from(html)
    assert new_code != code
    assert "keep this new code too" in html
    report = Tip.objects.get(retaliation_for=tip)
    assert report.unit == units["national"]
    assert report.category == Category.RETALIATION and report.protection_requested
    assert ReservedIdentity.objects.filter(tip=report).exists()
    new_case = CaseTip.objects.get(tip=report).case
    assert new_case.unit == units["national"] and new_case.protection_due is not None
    first_case = CaseTip.objects.get(tip=tip).case
    event = first_case.events.get(kind=CaseEvent.Kind.RETALIATION_REPORTED)
    assert event.actor is None
    assert timezone.localtime(event.at).time() == datetime.time(0, 0)
    first_case.refresh_from_db()
    assert first_case.unread_reply

    page = client.get(FOLLOWUP).content.decode()  # the session still holds the first report
    assert 'id="retaliation-reports"' in page
    assert "Received" in page.split('id="retaliation-reports"')[1]
