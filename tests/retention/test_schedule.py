"""When a closed case is due: its unit's schedule, by closing status; never open, held, or with a proceeding running."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import StaffMember
from cases.permissions import CaseActionRefused
from cases.statuses import CaseStatus
from org.models import Facility, Unit
from outcomes.models import Proceeding
from retention.models import RetentionSchedule
from retention.services import case_erase, cases_due_for_erasure, legal_hold_place, retention_due_on, schedule_of
from tests.factories import submit_tip
from tests.retention.conftest import LATER, closed_case, vault_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cast")]

CLOSED = datetime.date(2026, 1, 15)


def test_the_defaults_count_from_the_closing_day_by_status(facilities: dict[str, Facility]) -> None:
    not_actionable = closed_case(facilities["lurigancho"], CaseStatus.NOT_ACTIONABLE, CLOSED)
    unsubstantiated = closed_case(facilities["lurigancho"], CaseStatus.UNSUBSTANTIATED, CLOSED)
    referred = closed_case(facilities["lurigancho"], CaseStatus.REFERRED, CLOSED)
    schedule = schedule_of(not_actionable.unit)
    assert schedule.pk is None  # no row: the model's defaults
    assert retention_due_on(not_actionable, schedule) == datetime.date(2027, 1, 15)
    assert retention_due_on(unsubstantiated, schedule) == datetime.date(2028, 1, 15)
    assert retention_due_on(referred, schedule) == datetime.date(2031, 1, 15)


def test_a_units_schedule_row_overrides_the_defaults(units: dict[str, Unit], facilities: dict[str, Facility]) -> None:
    case = closed_case(facilities["lurigancho"], CaseStatus.NOT_ACTIONABLE, CLOSED)
    RetentionSchedule.objects.create(unit=case.unit, not_actionable_years=3)
    assert retention_due_on(case, schedule_of(case.unit)) == datetime.date(2029, 1, 15)


def test_an_open_case_is_never_due(facilities: dict[str, Facility]) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"])
    case = tip.case_link.case
    assert retention_due_on(case, schedule_of(case.unit)) is None
    assert cases_due_for_erasure(today=LATER) == []


def test_a_substantiated_case_waits_for_its_proceedings_to_conclude(facilities: dict[str, Facility]) -> None:
    case = closed_case(facilities["lurigancho"], CaseStatus.SUBSTANTIATED, CLOSED)
    proceeding = Proceeding.objects.create(case=case, reference="PAD-1", opened_on=CLOSED)
    schedule = schedule_of(case.unit)
    assert retention_due_on(case, schedule) is None
    assert cases_due_for_erasure(today=datetime.date(2040, 1, 1)) == []
    with pytest.raises(CaseActionRefused):
        case_erase(case=case, today=datetime.date(2040, 1, 1))
    Proceeding.objects.filter(pk=proceeding.pk).update(concluded_on=datetime.date(2027, 6, 30))
    assert retention_due_on(case, schedule) == datetime.date(2032, 6, 30)  # the proceeding's end + 5 years


def test_a_legal_hold_stops_the_clock(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    case = closed_case(facilities["lurigancho"], CaseStatus.NOT_ACTIONABLE, CLOSED)
    supervisor = cast["lima_supervisor"]
    legal_hold_place(case=case, actor=supervisor, reason="Orden judicial 123-2026", vault=vault_of(supervisor))
    assert retention_due_on(case, schedule_of(case.unit)) is None
    assert cases_due_for_erasure(today=LATER) == []
    with pytest.raises(CaseActionRefused):
        case_erase(case=case, today=LATER)
    case.refresh_from_db()
    assert case.erased_on is None


def test_a_case_not_yet_due_is_refused(facilities: dict[str, Facility]) -> None:
    case = closed_case(facilities["lurigancho"], CaseStatus.UNSUBSTANTIATED, CLOSED)
    with pytest.raises(CaseActionRefused):
        case_erase(case=case, today=datetime.date(2027, 12, 31))
    assert [due.case for due in cases_due_for_erasure(today=datetime.date(2028, 1, 15))] == [case]
