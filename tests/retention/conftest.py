"""Closed cases and a clock moved past their schedule, for the retention tests."""

from __future__ import annotations

import datetime

import pytest

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case
from cases.statuses import CaseStatus
from linking.services import index_keys_create_missing
from org.models import Facility
from tests.conftest import PASSWORD
from tests.factories import submit_tip
from tipline.models import Tip

# "Today" for the retention tests: years after the cases they close.
LATER = datetime.date(2031, 6, 1)


@pytest.fixture
def cast(cast: dict[str, StaffMember]) -> dict[str, StaffMember]:
    """The suite's cast, and the index keys sealed to their units' keys (linking finds names in tips)."""
    index_keys_create_missing()
    return cast


def vault_of(member: StaffMember) -> dict[str, bytes]:
    """Return what a login puts in the member's session vault."""
    return staff_unlock_keys(member=member, password=PASSWORD)


def close(case: Case, status: str, on: datetime.date) -> Case:
    """Close the case with `status` on day `on` (the workflow's own steps are tested in tests/cases)."""
    Case.objects.filter(pk=case.pk).update(status=status, closed_on=on)
    Tip.objects.filter(case_link__case=case).update(status=status)
    case.refresh_from_db()
    return case


def closed_case(facility: Facility, status: str = CaseStatus.NOT_ACTIONABLE, on: datetime.date | None = None) -> Case:
    """Submit a tip and close its case with `status` on `on` (default: 2026-01-15)."""
    tip, _receipt = submit_tip(facility=facility, description="Celulares en el pabellón 5.")
    return close(tip.case_link.case, status, on or datetime.date(2026, 1, 15))
