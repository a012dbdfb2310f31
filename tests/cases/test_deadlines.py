"""Deadlines: calendar days, and working days that skip Peru's weekends and public holidays.

Every expected date below was counted by hand on a 2026 calendar.
"""

from __future__ import annotations

import datetime

import pytest

from accounts.models import StaffMember
from cases.deadlines import add_days, add_working_days, is_working_day
from org.models import Facility, Unit
from tests.factories import submit_tip

D = datetime.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 7, 22), True),  # a plain Wednesday
        (D(2026, 7, 23), False),  # Thursday, Air Force Day
        (D(2026, 7, 28), False),  # Independence Day
        (D(2026, 7, 29), False),  # Great Military Parade
        (D(2026, 4, 2), False),  # Maundy Thursday
        (D(2026, 4, 3), False),  # Good Friday
        (D(2026, 12, 8), False),  # Immaculate Conception
        (D(2026, 12, 9), False),  # Battle of Ayacucho
        (D(2026, 12, 25), False),  # Christmas
        (D(2026, 8, 29), False),  # a Saturday
        (D(2026, 8, 30), False),  # Rose of Lima, on a Sunday anyway
        (D(2026, 8, 31), True),  # the Monday after: no holiday moved to it
    ],
)
def test_working_days_are_weekdays_that_are_not_peruvian_holidays(day: datetime.date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 7, 22), 1, D(2026, 7, 24)),  # Wed -> skips Thu 23 (Air Force Day) -> Fri
        (D(2026, 7, 24), 1, D(2026, 7, 27)),  # Fri -> skips the weekend -> Mon
        (D(2026, 7, 24), 2, D(2026, 7, 30)),  # Fri -> Mon 27, skips Tue 28 and Wed 29 -> Thu 30
        (D(2026, 8, 28), 1, D(2026, 8, 31)),  # Fri -> Mon: Rose of Lima falls on the Sunday, costs nothing
        (D(2026, 12, 7), 1, D(2026, 12, 10)),  # Mon -> skips Tue 8 and Wed 9 -> Thu
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # Thu -> skips Christmas Friday and the weekend -> Mon
        (D(2026, 4, 1), 1, D(2026, 4, 6)),  # Wed -> skips Holy Thursday, Good Friday, Easter weekend -> Mon
        (D(2026, 12, 30), 2, D(2027, 1, 4)),  # Wed -> Thu 31, skips New Year's Day and the weekend -> Mon
        (D(2026, 7, 22), 0, D(2026, 7, 22)),  # nothing to add
    ],
)
def test_add_working_days_skips_weekends_and_holidays(start: datetime.date, days: int, expected: datetime.date) -> None:
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Tue 14 .. Wed 22 (7), Fri 24 (8), Mon 27 (9), Thu 30 (10), Fri 31 (11), Mon 3 .. Wed 5 Aug (14),
        # Thu 6 Aug is the Battle of Junín, so the fifteenth is Fri 7 Aug.
        (D(2026, 7, 13), D(2026, 8, 7)),
        # Tue 31 Mar, Wed 1 Apr (2), Holy Week, Mon 6 .. Fri 10 (7), 13 .. 17 (12), Mon 20 .. Wed 22 (15).
        (D(2026, 3, 30), D(2026, 4, 22)),
        # Fri 4 (1), Mon 7 (2), 8 and 9 off, Thu 10 .. Fri 11 (4), 14 .. 18 (9), 21 .. 24 (13), Christmas,
        # Mon 28 (14), Tue 29 (15).
        (D(2026, 12, 3), D(2026, 12, 29)),
        # From a Saturday: Mon 31 Aug (1), 1 .. 4 Sep (5), 7 .. 11 (10), 14 .. 18 (15).
        (D(2026, 8, 29), D(2026, 9, 18)),
        # Three plain weeks, no holiday.
        (D(2026, 9, 7), D(2026, 9, 28)),
        # Across the year: 21 .. 24 Dec (4), 28 .. 31 (8), New Year's Day, 4 .. 8 Jan (13), 11 .. 12 (15).
        (D(2026, 12, 18), D(2027, 1, 12)),
    ],
)
def test_fifteen_working_days_match_a_hand_count(start: datetime.date, expected: datetime.date) -> None:
    assert add_working_days(start, 15) == expected


def test_calendar_days_ignore_weekends_and_holidays() -> None:
    assert add_days(D(2026, 7, 22), 7) == D(2026, 7, 29)
    assert add_days(D(2026, 7, 22), 90) == D(2026, 10, 20)


@pytest.fixture
def received_on_wednesday_22_july(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Make the intake stamp tips as received on Wednesday 22 July 2026, the eve of Air Force Day."""
    day = D(2026, 7, 22)
    monkeypatch.setattr("tipline.services.today", lambda: day)
    return day


@pytest.mark.django_db
def test_a_case_opened_by_the_intake_gets_the_default_deadlines(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], received_on_wednesday_22_july: datetime.date
) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    case = tip.case_link.case

    assert case.received_on == D(2026, 7, 22)
    assert case.acknowledge_due == D(2026, 7, 29)  # 7 calendar days
    assert case.feedback_due == D(2026, 10, 20)  # 90 calendar days
    # 15 working days: Fri 24 (1), Mon 27 (2), Thu 30 .. Fri 31 (4), Mon 3 .. Wed 5 Aug (7),
    # Fri 7 (8), Mon 10 .. Fri 14 (13), Mon 17 (14), Tue 18 (15).
    assert case.protection_due == D(2026, 8, 18)
    assert case.next_due == D(2026, 7, 29)


@pytest.mark.django_db
def test_a_case_without_a_protection_request_has_no_protection_deadline(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], received_on_wednesday_22_july: datetime.date
) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], protection_requested=False)

    assert tip.case_link.case.protection_due is None


@pytest.mark.django_db
def test_a_units_own_deadlines_are_honoured(
    cast: dict[str, StaffMember],
    units: dict[str, Unit],
    facilities: dict[str, Facility],
    received_on_wednesday_22_july: datetime.date,
) -> None:
    lima = units["lima"]
    lima.acknowledge_days = 3
    lima.feedback_days = 30
    lima.protection_working_days = 5
    lima.save(update_fields=["acknowledge_days", "feedback_days", "protection_working_days"])

    tip, _receipt = submit_tip(facility=facilities["lurigancho"], protection_requested=True)
    case = tip.case_link.case

    assert case.unit == lima
    assert case.acknowledge_due == D(2026, 7, 25)
    assert case.feedback_due == D(2026, 8, 21)
    # Fri 24 (1), Mon 27 (2), Thu 30 (3), Fri 31 (4), Mon 3 Aug (5).
    assert case.protection_due == D(2026, 8, 3)
