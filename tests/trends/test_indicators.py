"""ISO 37002 indicators on a hand-made set of cases with known answers, read from the roll-ups only."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import Case
from org.models import Facility
from outcomes.models import Proceeding, Sanction
from tests.conftest import staff_client
from tests.trends.conftest import Desk, es, rollup_snapshot
from tipline.models import Message
from trends.indicators import Indicators
from trends.selectors import TrendFilters, TrendScope, trend_dashboard
from trends.services import rollups_rebuild
from trends.weeks import week_of

pytestmark = pytest.mark.django_db
ACK_DAYS = [1, 8, 9, 10, 11, 12]  # acknowledge_due is 7 days: five late
CLOSE_DAYS = [10, 20, 30, 40, 50, 60]


@pytest.fixture
def received() -> datetime.date:
    return week_of(timezone.localdate()) - datetime.timedelta(weeks=12)


@pytest.fixture
def cases(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], received: datetime.date
) -> list[Case]:
    """Six substantiated cases; five with a sanction imposed (one more closed without); five whistleblowers came back."""
    made = []
    for n, (ack, close) in enumerate(zip(ACK_DAYS, CLOSE_DAYS, strict=True)):
        tip = desk.submit(facilities["lurigancho"], on=received)
        case = Case.objects.get(case_tips__tip=tip)
        desk.update_case(
            case,
            acknowledged_on=received + datetime.timedelta(days=ack),
            status="substantiated",
            closed_on=received + datetime.timedelta(days=close),
        )
        with desk.capture(execute=True):
            Proceeding.objects.create(
                case=case,
                reference=f"PAD-{n}",
                opened_on=received + datetime.timedelta(days=close),
                sanction=Sanction.WRITTEN_WARNING if n < 5 else Sanction.DISMISSED,
            )
            if n:
                Message.objects.create(
                    tip=tip, author_kind=Message.Author.WHISTLEBLOWER, body_ct=b"x", created_on=received
                )
        made.append(case)
    return made


def _indicators(received: datetime.date) -> Indicators:
    filters = TrendFilters(week_from=week_of(received), week_to=week_of(received))
    return trend_dashboard(scope=TrendScope(unit_ids=None), filters=filters, today=timezone.localdate()).indicators


def test_the_known_answers(cases: list[Case], received: datetime.date) -> None:
    indicators = _indicators(received)

    assert (indicators.acknowledge.median_days, indicators.acknowledge.p90_days) == (9, 12)
    assert (indicators.close.median_days, indicators.close.p90_days) == (30, 60)
    assert str(indicators.acknowledged_late) == "5" and indicators.acknowledged_late_share == 100
    assert (str(indicators.sanctions), str(indicators.substantiated)) == ("5", "5")
    assert indicators.sanctions_per_substantiated == 1
    assert (str(indicators.came_back), indicators.came_back_share) == ("5", 100)


def test_fewer_cases_than_the_threshold_give_no_median(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], received: datetime.date
) -> None:
    for _ in range(3):
        case = Case.objects.get(case_tips__tip=desk.submit(facilities["trujillo"], on=received))
        desk.update_case(case, acknowledged_on=received + datetime.timedelta(days=2))

    indicators = _indicators(received)

    assert indicators.acknowledge.median_days is None and str(indicators.acknowledge.cases) == "<5"


def test_sanctions_and_replies_kept_current_equal_a_rebuild(cases: list[Case]) -> None:
    incremental = rollup_snapshot()
    rollups_rebuild()

    assert rollup_snapshot() == incremental


def test_the_section_is_on_the_page(cases: list[Case], received: datetime.date, cast: dict[str, StaffMember]) -> None:
    page = staff_client("manager").get("/staff/trends/", {"period": "26"}).content.decode()

    section = page[page.index('id="indicators-heading"') :]
    assert es("Days to close, median") in section
    assert ">30</td>" in section
