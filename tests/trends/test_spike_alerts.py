"""Spike alerts follow the tips: raised by a burst against 12 weeks of history, kept when dismissed, gone when the burst is."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import StaffMember
from audit.models import AuditEvent
from org.models import Facility
from tests.conftest import staff_client
from tests.trends.conftest import Desk, es
from tipline.models import Category, Tip
from trends.models import SpikeAlert
from trends.services import rollups_rebuild
from trends.spikes import POISSON
from trends.weeks import week_of

pytestmark = pytest.mark.django_db

WEEK = datetime.timedelta(weeks=1)


@pytest.fixture
def spike_week() -> datetime.date:
    return week_of(timezone.localdate())


def history(desk: Desk, facility: Facility, spike_week: datetime.date, weeks: int = 12) -> None:
    """One phone tip a week, for the `weeks` weeks before the spike's."""
    for i in range(weeks, 0, -1):
        desk.submit(facility, on=spike_week - i * WEEK)


def burst(desk: Desk, facility: Facility, spike_week: datetime.date, count: int = 8) -> list[Tip]:
    return [desk.submit(facility, on=spike_week + datetime.timedelta(days=1)) for _ in range(count)]


def test_a_burst_after_twelve_steady_weeks_raises_an_alert(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], spike_week: datetime.date
) -> None:
    history(desk, facilities["lurigancho"], spike_week)
    burst(desk, facilities["lurigancho"], spike_week)

    alert = SpikeAlert.objects.get()
    assert (alert.facility, alert.category, alert.week) == (facilities["lurigancho"], Category.PHONES, spike_week)
    assert (alert.observed, alert.baseline_total, alert.expected, alert.method) == (8, 12, 1.0, POISSON)
    assert alert.p_value < 0.01
    assert alert.status == SpikeAlert.Status.OPEN
    assert alert.created_on == timezone.localdate()


def test_no_alert_without_twelve_weeks_of_history(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], spike_week: datetime.date
) -> None:
    history(desk, facilities["lurigancho"], spike_week, weeks=11)
    burst(desk, facilities["lurigancho"], spike_week, count=20)

    assert not SpikeAlert.objects.exists()


def test_an_alert_goes_when_its_burst_does(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], spike_week: datetime.date
) -> None:
    history(desk, facilities["lurigancho"], spike_week)
    tips = burst(desk, facilities["lurigancho"], spike_week)
    assert SpikeAlert.objects.exists()

    with desk.capture(execute=True):
        Tip.objects.filter(pk__in=[tip.pk for tip in tips[:5]]).delete()

    assert not SpikeAlert.objects.exists()


def test_a_dismissed_alert_stays_dismissed_through_a_rebuild(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], spike_week: datetime.date
) -> None:
    history(desk, facilities["lurigancho"], spike_week)
    burst(desk, facilities["lurigancho"], spike_week)
    alert = SpikeAlert.objects.get()
    supervisor: Client = staff_client("lima_supervisor")

    response = supervisor.post(f"/staff/trends/alerts/{alert.pk}/dismiss/", {"query": "category=phones&evil=1"})
    rollups_rebuild()

    assert response.status_code == 302
    assert response["Location"] == "/staff/trends/?category=phones"
    alert.refresh_from_db()
    assert alert.status == SpikeAlert.Status.DISMISSED
    assert alert.dismissed_by == cast["lima_supervisor"]
    assert AuditEvent.objects.filter(target_type="spike_alert", target_id=str(alert.pk)).exists()


def test_the_dashboard_lists_the_open_alert_for_the_manager_and_the_facilitys_supervisor(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], spike_week: datetime.date
) -> None:
    history(desk, facilities["lurigancho"], spike_week)
    burst(desk, facilities["lurigancho"], spike_week)

    for actor in ("manager", "lima_supervisor"):
        page = staff_client(actor).get("/staff/trends/").content.decode()
        alerts = page[page.index('id="alerts-heading"') : page.index(es("Download as CSV"))]
        assert "E.P. Lurigancho (test)" in alerts
        assert '<td class="text-end">5</td>' in alerts  # 8 tips that week, published as 5
        assert "&lt; 0.001" in alerts


def test_a_supervisor_cannot_dismiss_another_units_alert(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility], spike_week: datetime.date
) -> None:
    history(desk, facilities["trujillo"], spike_week)
    burst(desk, facilities["trujillo"], spike_week)
    alert = SpikeAlert.objects.get()

    response = staff_client("lima_supervisor").post(f"/staff/trends/alerts/{alert.pk}/dismiss/")

    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == SpikeAlert.Status.OPEN


def test_the_page_lists_the_newest_fifty_open_alerts_and_the_csv_all(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], spike_week: datetime.date
) -> None:
    for i in range(51):
        SpikeAlert.objects.create(
            facility=facilities["lurigancho"],
            category=Category.PHONES if i % 2 else Category.BRIBERY,
            week=spike_week - (i // 2) * WEEK,
            observed=9,
            baseline_total=12,
            expected=1.0,
            p_value=0.0001,
            method=POISSON,
            created_on=spike_week,
        )
    manager = staff_client("manager")

    page = manager.get("/staff/trends/", {"period": "52"}).content.decode()
    export = manager.get("/staff/trends/export/alerts.csv", {"period": "52"}).content.decode("utf-8-sig")

    assert page.count(f">{es('Dismiss')}</button>") == 50
    more = es(
        "And %(more)s older open alert in this period: see the CSV, or choose a shorter period.",
        "And %(more)s older open alerts in this period: see the CSV, or choose a shorter period.",
        1,
    )
    assert more % {"more": 1} in page
    assert export.count("\r\n") == 1 + 51
