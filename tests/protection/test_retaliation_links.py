"""Retaliation reported from /followup/ is a case of the national unit; each case page names the other."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from cases.models import Case
from org.models import Facility
from tests.conftest import staff_client
from tipline.models import Category, SmugglingChannel, StaffInvolved, Tip, WhenPeriod
from tipline.services import TipSubmission, tip_submit

pytestmark = pytest.mark.django_db


def test_both_cases_name_each_other(
    protected_tip: Tip,
    protected_case: Case,
    cast: dict[str, StaffMember],
    national_supervisor: StaffMember,
    facilities: dict[str, Facility],
) -> None:
    reprisal, _receipt = tip_submit(
        submission=TipSubmission(
            facility=facilities["lurigancho"],
            category=Category.RETALIATION,
            smuggling_channel=SmugglingChannel.OTHER,
            staff_involved=StaffInvolved.NO,
            when_period=WhenPeriod.THIS_WEEK,
            occurred_on=None,
            description="Me cambiaron de turno como castigo.",
            contact="",
        ),
        retaliation_for=protected_tip,
    )
    retaliation_case = reprisal.case_link.case
    assert retaliation_case.unit.slug == "national"

    original_page = staff_client("lima_supervisor").get(f"/staff/cases/{protected_case.public_id}/").content.decode()
    national_page = (
        staff_client("national_supervisor").get(f"/staff/cases/{retaliation_case.public_id}/").content.decode()
    )

    assert str(retaliation_case.public_id) in original_page and "National IA" in original_page
    assert str(protected_case.public_id) in national_page and "Lima IA" in national_page
    # Clear metadata only: the reprisal's words stay in its own case.
    assert "castigo" not in original_page
