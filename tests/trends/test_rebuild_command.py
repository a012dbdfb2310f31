"""The full rebuild: a management command, a Celery task with a stable name, and a nightly beat entry."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import StaffMember
from config.celery import app as celery_app
from org.models import Facility
from tests.trends.conftest import Desk, rollup_snapshot
from trends.models import TipRollup
from trends.weeks import week_of

pytestmark = pytest.mark.django_db


def test_the_command_rebuilds_what_the_signals_built(
    desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    desk.submit(facilities["lurigancho"], on=week_of(timezone.localdate()))
    built = rollup_snapshot()
    TipRollup.objects.all().delete()
    output = io.StringIO()

    call_command("rebuild_rollups", stdout=output)

    assert rollup_snapshot() == built
    assert "Rebuilt the roll-ups of 2 facilities" in output.getvalue()


def test_the_tasks_have_stable_names_and_time_limits() -> None:
    for name in (
        "trends.rebuild_rollups",
        "trends.refresh_tip_cells",
        "trends.refresh_case_cells",
    ):
        task = celery_app.tasks[name]
        assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit


def test_the_rebuild_runs_every_night() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["every-night-rebuild-trend-rollups"]

    assert entry["task"] == "trends.rebuild_rollups"
    assert entry["schedule"].hour == {2}
