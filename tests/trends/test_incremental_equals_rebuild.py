"""After any sequence of submissions, case changes and deletions, the incremental roll-ups equal a full rebuild."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import StaffMember
from cases.statuses import CLOSED_STATUSES, CaseStatus
from org.models import Facility
from tests.trends.conftest import Desk, rollup_snapshot
from tipline.models import Category, IntakeChannel, SmugglingChannel, StaffInvolved, Tip
from trends.services import rollups_rebuild

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 5)  # a Monday
DAY = datetime.timedelta(days=1)
# Every status a case can be moved to: all but the one it is opened in.
MOVED_TO = [status for status in CaseStatus if status != CaseStatus.RECEIVED]

submit = st.tuples(
    st.just("submit"),
    st.integers(0, 1),  # facility
    st.sampled_from([Category.PHONES, Category.BRIBERY, Category.ABUSE]),
    st.sampled_from([SmugglingChannel.VISITORS, SmugglingChannel.STAFF, SmugglingChannel.NOT_APPLICABLE]),
    st.sampled_from(IntakeChannel.values),
    st.integers(0, 130),  # days after START
    st.booleans(),  # local staff involved: routed to the national unit
)
# Six tips of one kind on one day: enough for a spike once 12 weeks of history exist.
burst = st.tuples(st.just("burst"), st.integers(0, 1), st.integers(84, 130))
change = st.tuples(
    st.just("change"),
    st.integers(0, 1000),  # which tip's case
    st.sampled_from(MOVED_TO),
    st.integers(0, 200),  # days after it was received
    st.booleans(),  # acknowledged on that day too
)
delete = st.tuples(st.just("delete"), st.integers(0, 1000))
operations = st.lists(st.one_of(submit, submit, burst, change, delete), min_size=1, max_size=6)


def _apply(desk: Desk, facilities: list[Facility], operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    if kind == "submit":
        _kind, facility, category, channel, intake, offset, involved = operation
        desk.submit(
            facilities[facility],
            on=START + offset * DAY,
            category=category,
            smuggling_channel=channel,
            intake_channel=intake,
            staff_involved=StaffInvolved.YES if involved else StaffInvolved.NO,
        )
    elif kind == "burst":
        _kind, facility, offset = operation
        for _ in range(6):
            desk.submit(facilities[facility], on=START + offset * DAY)
    else:
        tips = list(Tip.objects.select_related("case_link__case").order_by("pk"))
        if not tips:
            return
        tip = tips[operation[1] % len(tips)]
        if kind == "delete":
            with desk.capture(execute=True):
                Tip.objects.filter(pk=tip.pk).delete()  # sends post_delete, as the ORM does for each row
            return
        _kind, _index, status, after, acknowledged = operation
        case = tip.case_link.case
        day = case.received_on + after * DAY
        fields: dict[str, Any] = {"status": status}
        if acknowledged:
            fields["acknowledged_on"] = day
        if status in CLOSED_STATUSES:
            fields.update(closed_on=day, feedback_given_on=case.feedback_given_on or day)
        desk.update_case(case, **fields)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_incremental_rollups_equal_a_full_rebuild(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], operations: list[tuple[Any, ...]]
) -> None:
    places = [facilities["lurigancho"], facilities["trujillo"]]
    for operation in operations:
        _apply(desk, places, operation)

    incremental = rollup_snapshot()
    rollups_rebuild()

    assert rollup_snapshot() == incremental
