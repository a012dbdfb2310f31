"""The status menu starts on no status: an untouched form changes nothing, and closing still needs a reason."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from cases.forms import TransitionForm
from cases.models import Case
from cases.statuses import CaseStatus
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Case:
    return submit_tip(facility=facilities["lurigancho"])[0].case_link.case


def test_the_first_choice_is_empty(case: Case) -> None:
    page = staff_client("lima_supervisor").get(f"/staff/cases/{case.public_id}/").content.decode()
    menu = page.split('name="to"', 1)[1].split("</select>", 1)[0]
    first_option = menu.split("<option", 2)[1]
    assert 'value=""' in first_option and "Elegir" in first_option
    assert [option for option in menu.split("<option")[2:] if "selected" in option] == [], "no status is preselected"


def test_submitting_without_a_choice_changes_nothing(case: Case) -> None:
    client = staff_client("lima_supervisor")
    client.post(f"/staff/cases/{case.public_id}/transition/", {"to": "", "reason": ""})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED
    assert not TransitionForm({"to": "", "reason": ""}, case=case).is_valid()


def test_closing_still_needs_the_reason(case: Case) -> None:
    form = TransitionForm({"to": CaseStatus.NOT_ACTIONABLE, "reason": " "}, case=case)
    assert not form.is_valid() and "reason" in form.errors
    assert TransitionForm({"to": CaseStatus.TRIAGE, "reason": ""}, case=case).is_valid()
