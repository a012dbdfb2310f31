"""The unit's morning summary lists its open spike alerts: facility, category and published counts, nothing else."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from accounts.models import StaffMember
from cases import digest
from cases.digest import unit_digest_send
from org.models import Facility, Unit
from tests.trends.conftest import Desk
from trends.models import SpikeAlert
from trends.weeks import week_of

pytestmark = pytest.mark.django_db

WEEK = datetime.timedelta(weeks=1)
DESCRIPTION = "CANARY-DIGEST el alcaide cobra cupos"


@pytest.fixture
def spike(desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> datetime.date:
    """Twelve quiet weeks at Lurigancho, then nine phone tips this week."""
    get_user_model().objects.filter(pk=cast["lima_supervisor"].user_id).update(email="supervisor@example.org")
    this_week = week_of(timezone.localdate())
    for i in range(12, 0, -1):
        desk.submit(facilities["lurigancho"], on=this_week - i * WEEK, description=DESCRIPTION)
    for _ in range(9):
        desk.submit(facilities["lurigancho"], on=this_week, description=DESCRIPTION)
    return this_week


def test_the_units_summary_lists_its_open_spike_alerts(spike: datetime.date, units: dict[str, Unit]) -> None:
    unit_digest_send(unit=units["lima"], day=timezone.localdate())

    (message,) = mail.outbox
    assert "E.P. Lurigancho (test)" in message.body
    line = next(line for line in message.body.splitlines() if "Lurigancho" in line)
    assert ": 5 " in line, "nine tips, published as 5"
    assert "10 " in line, "twelve in the weeks before, published as 10"
    assert DESCRIPTION not in message.body


def test_another_units_summary_does_not(
    spike: datetime.date, units: dict[str, Unit], cast: dict[str, StaffMember]
) -> None:
    get_user_model().objects.filter(pk=cast["norte_investigator"].user_id).update(email="norte@example.org")

    unit_digest_send(unit=units["norte"], day=timezone.localdate())

    (message,) = mail.outbox
    assert "Lurigancho" not in message.body


def test_a_dismissed_alert_is_not_in_the_summary(spike: datetime.date, units: dict[str, Unit]) -> None:
    SpikeAlert.objects.update(status=SpikeAlert.Status.DISMISSED)

    unit_digest_send(unit=units["lima"], day=timezone.localdate())

    (message,) = mail.outbox
    assert "Lurigancho" not in message.body


def test_without_the_trends_app_the_summary_has_no_alerts_section(
    spike: datetime.date, units: dict[str, Unit], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cases does not import trends: the alerts come from the source trends gives it when it starts."""
    monkeypatch.setattr(digest, "_spike_alert_source", None)

    unit_digest_send(unit=units["lima"], day=timezone.localdate())

    (message,) = mail.outbox
    assert "Lurigancho" not in message.body
