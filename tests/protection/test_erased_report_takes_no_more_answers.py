"""A report deleted on its schedule while its follow-up session was open takes nothing more through protection."""

from __future__ import annotations

import datetime

from django.test import Client

from accounts.models import StaffMember
from cases.statuses import CaseStatus
from org.models import Facility
from protection.models import CheckIn
from retention.services import case_erase
from tests.factories import submit_tip
from tests.retention.conftest import LATER, close
from tipline.models import ReservedIdentity


def test_protection_pages_of_a_deleted_report_say_it_was_deleted_and_store_nothing(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    case = tip.case_link.case
    client = Client()
    client.post("/followup/", {"receipt": receipt})
    CheckIn.objects.create(case=case, tip=tip, after=CheckIn.After.CLOSURE, days=30, due_on=datetime.date(2026, 2, 14))
    case = close(case, CaseStatus.NOT_ACTIONABLE, datetime.date(2026, 1, 15))

    case_erase(case=case, today=LATER)

    assert not CheckIn.objects.filter(case=case, answered_on__isnull=True).exists()
    response = client.post("/followup/protection/", {"contact": "Casilla 9, Callao"}, follow=True)
    assert "tipline/followup_erased.html" in [t.name for t in response.templates]
    assert not ReservedIdentity.objects.filter(tip=tip).exists()
