"""A facility's spike alerts count only the tips routed to its region's unit, never those sent to the national unit.

A reviewer's question: a report that says local staff are involved goes to the
national unit so the regional office never learns of it. Can it still surface in
the regional office's spike alerts or morning summary, even as one more in a count?
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from accounts.models import StaffMember
from cases.digest import unit_digest_send
from org.models import Facility, Unit
from tests.trends.conftest import Desk
from tipline.models import StaffInvolved
from trends.models import SpikeAlert
from trends.services import rollups_rebuild
from trends.weeks import week_of

pytestmark = pytest.mark.django_db

WEEK = datetime.timedelta(weeks=1)


def reports(desk: Desk, facility: Facility, *, on: datetime.date, regional: int, national: int) -> None:
    for _ in range(regional):
        desk.submit(facility, on=on)
    for _ in range(national):
        desk.submit(facility, on=on, staff_involved=StaffInvolved.YES)


@pytest.fixture
def this_week() -> datetime.date:
    return week_of(timezone.localdate())


def test_reports_sent_to_the_national_unit_do_not_make_a_regional_spike(
    desk: Desk,
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    units: dict[str, Unit],
    this_week: datetime.date,
) -> None:
    get_user_model().objects.filter(pk=cast["lima_supervisor"].user_id).update(email="supervisor@example.org")
    lurigancho = facilities["lurigancho"]
    for i in range(12, 0, -1):
        reports(desk, lurigancho, on=this_week - i * WEEK, regional=1, national=0)
    # Three reports for Lima's office, six that accuse staff and went to the national office.
    reports(desk, lurigancho, on=this_week, regional=3, national=6)
    assert lurigancho.region.unit_id == units["lima"].pk

    assert not SpikeAlert.objects.exists()
    rollups_rebuild()
    assert not SpikeAlert.objects.exists()
    unit_digest_send(unit=units["lima"], day=timezone.localdate())
    (message,) = mail.outbox
    assert "Lurigancho" not in message.body


def test_a_regional_spike_counts_the_regional_reports_only(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], this_week: datetime.date
) -> None:
    lurigancho = facilities["lurigancho"]
    for i in range(12, 0, -1):
        reports(desk, lurigancho, on=this_week - i * WEEK, regional=1, national=1)
    reports(desk, lurigancho, on=this_week, regional=8, national=6)

    alert = SpikeAlert.objects.get()
    assert (alert.observed, alert.baseline_total) == (8, 12)
    rollups_rebuild()
    assert SpikeAlert.objects.values_list("observed", "baseline_total").get() == (8, 12)
