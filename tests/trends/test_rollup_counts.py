"""The roll-ups count a crafted set of tips and cases exactly, by every dimension the dashboard breaks down by."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import StaffMember
from cases.statuses import CaseStatus
from org.models import Facility, Unit
from tests.trends.conftest import Desk
from tipline.models import Category, IntakeChannel, SmugglingChannel, StaffInvolved
from trends.models import CaseRollup, OpenDeadlineRollup, TipRollup, TipWeekRollup

pytestmark = pytest.mark.django_db

W1 = datetime.date(2026, 3, 2)  # a Monday
W2 = W1 + datetime.timedelta(weeks=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def crafted(desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> dict[str, object]:
    lurigancho, trujillo = facilities["lurigancho"], facilities["trujillo"]
    phones = [desk.submit(lurigancho, on=W1 + offset * DAY) for offset in (0, 2, 6)]  # Monday, Wednesday, Sunday
    bribery = desk.submit(
        lurigancho,
        on=W1 + DAY,
        category=Category.BRIBERY,
        smuggling_channel=SmugglingChannel.STAFF,
        intake_channel=IntakeChannel.PHONE,
    )
    thrown = [
        desk.submit(lurigancho, on=W2 + offset * DAY, smuggling_channel=SmugglingChannel.THROWN) for offset in (0, 3)
    ]
    # Local staff involved: routed to the national unit, still counted at Lurigancho.
    national = desk.submit(lurigancho, on=W2 + DAY, staff_involved=StaffInvolved.YES)
    norte = desk.submit(
        trujillo, on=W1 + 3 * DAY, category=Category.DRUGS_WEAPONS, smuggling_channel=SmugglingChannel.SUPPLIERS
    )
    # The Monday phone case: acknowledged after 2 days, closed as substantiated after 10.
    desk.update_case(
        phones[0].case_link.case,
        acknowledged_on=W1 + 2 * DAY,
        status=CaseStatus.SUBSTANTIATED,
        closed_on=W1 + 10 * DAY,
        feedback_given_on=W1 + 10 * DAY,
    )
    # The Wednesday phone case: acknowledged two days late, still open.
    desk.update_case(phones[1].case_link.case, acknowledged_on=W1 + 11 * DAY, status=CaseStatus.TRIAGE)
    return {"phones": phones, "bribery": bribery, "thrown": thrown, "national": national, "norte": norte}


def test_tips_are_counted_by_facility_unit_category_channels_and_week(
    crafted: dict[str, object], facilities: dict[str, Facility], units: dict[str, Unit]
) -> None:
    lurigancho, trujillo = facilities["lurigancho"].pk, facilities["trujillo"].pk
    lima, norte, national = units["lima"].pk, units["norte"].pk, units["national"].pk

    rows = set(
        TipRollup.objects.values_list(
            "facility_id", "week", "unit_id", "category", "smuggling_channel", "intake_channel", "tips"
        )
    )

    assert rows == {
        (lurigancho, W1, lima, Category.PHONES, SmugglingChannel.VISITORS, IntakeChannel.WEB, 3),
        (lurigancho, W1, lima, Category.BRIBERY, SmugglingChannel.STAFF, IntakeChannel.PHONE, 1),
        (lurigancho, W2, lima, Category.PHONES, SmugglingChannel.THROWN, IntakeChannel.WEB, 2),
        (lurigancho, W2, national, Category.PHONES, SmugglingChannel.VISITORS, IntakeChannel.WEB, 1),
        (trujillo, W1, norte, Category.DRUGS_WEAPONS, SmugglingChannel.SUPPLIERS, IntakeChannel.WEB, 1),
    }


def test_the_weekly_rollup_sums_the_channels(
    crafted: dict[str, object], facilities: dict[str, Facility], units: dict[str, Unit]
) -> None:
    lurigancho, trujillo = facilities["lurigancho"].pk, facilities["trujillo"].pk
    lima, norte, national = units["lima"].pk, units["norte"].pk, units["national"].pk

    rows = set(TipWeekRollup.objects.values_list("facility_id", "week", "unit_id", "category", "tips"))

    assert rows == {
        (lurigancho, W1, lima, Category.PHONES, 3),
        (lurigancho, W1, lima, Category.BRIBERY, 1),
        (lurigancho, W2, lima, Category.PHONES, 2),
        (lurigancho, W2, national, Category.PHONES, 1),
        (trujillo, W1, norte, Category.DRUGS_WEAPONS, 1),
    }


def test_cases_count_outcomes_time_to_close_and_deadlines_met(
    crafted: dict[str, object], facilities: dict[str, Facility], units: dict[str, Unit]
) -> None:
    row = CaseRollup.objects.get(
        facility=facilities["lurigancho"],
        week=W1,
        unit=units["lima"],
        category=Category.PHONES,
        smuggling_channel=SmugglingChannel.VISITORS,
    )

    assert (row.cases, row.closed, row.substantiated, row.unsubstantiated) == (3, 1, 1, 0)
    assert (row.close_days_sum, row.closed_within_7, row.closed_within_30) == (10, 0, 1)
    assert (row.acknowledged_on_time, row.acknowledged_late) == (1, 1)
    assert (row.feedback_on_time, row.feedback_late) == (1, 0)
    assert CaseRollup.objects.count() == 5


def test_open_deadlines_keep_their_due_dates(
    crafted: dict[str, object], facilities: dict[str, Facility], units: dict[str, Unit]
) -> None:
    lurigancho, lima = facilities["lurigancho"].pk, units["lima"].pk

    rows = set(
        OpenDeadlineRollup.objects.filter(facility_id=lurigancho, week=W1, category=Category.PHONES).values_list(
            "unit_id", "deadline", "due_on", "open"
        )
    )

    # The Sunday case is not acknowledged; the Wednesday and Sunday ones await feedback (90 days).
    assert rows == {
        (lima, "acknowledge", W1 + 13 * DAY, 1),
        (lima, "feedback", W1 + 92 * DAY, 1),
        (lima, "feedback", W1 + 96 * DAY, 1),
    }


def test_a_case_moved_to_another_unit_moves_its_counts(
    desk: Desk, crafted: dict[str, object], facilities: dict[str, Facility], units: dict[str, Unit]
) -> None:
    norte = crafted["norte"]
    case = norte.case_link.case  # type: ignore[attr-defined]

    desk.update_case(case, unit=units["national"])

    assert set(CaseRollup.objects.filter(facility=facilities["trujillo"]).values_list("unit_id", "cases")) == {
        (units["national"].pk, 1)
    }
