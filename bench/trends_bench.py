"""Measurements of the trends app: the full roll-up rebuild, the dashboards, the incremental update."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

REFRESH_RUNS = 10
SUBMIT_RUNS = 5
MENTIONS_PER_TIP = 5


def _ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _record(stage: Any, name: str, goal_key: str, runs: list[float], note: str = "") -> None:
    from bench.run import Timing

    timing = Timing(name=name, goal_key=goal_key, runs=runs, note=note)
    stage.timings.append(timing.summary())
    print(f"  {name:<58} p50 {timing.p50:8.1f} ms  p95 {timing.p95:8.1f} ms", flush=True)


def measure_rebuild(stage: Any) -> None:
    """Time one full rebuild of every roll-up (what the nightly task does), from the source rows."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    print("Rebuilding the roll-ups ...", flush=True)
    try:
        seconds = _ms(lambda: call_command("rebuild_rollups", verbosity=0)) / 1000
        how = "manage.py rebuild_rollups"
    except CommandError:
        from trends.services import rollups_rebuild

        seconds = _ms(rollups_rebuild) / 1000
        how = "trends.services.rollups_rebuild()"
    _record(stage, "Full roll-up rebuild", "rebuild", [seconds * 1000], note=f"one run of {how}")


def measure_dashboards(stage: Any, client: Any, *, runs: int, warmup: int, page: Callable[..., None]) -> None:
    """Time the managers' dashboard for the country and for one region, with and without filters."""
    from urllib.parse import urlencode

    from org.models import Region

    region = Region.objects.filter(unit__slug="lima").order_by("pk").first()
    page("Dashboard, country, last 12 weeks (/staff/trends/)", "dashboard", "/staff/trends/", client=client)
    page(
        "Dashboard, country, 52 weeks, category phones",
        "dashboard",
        "/staff/trends/?" + urlencode({"period": "52", "category": "phones"}),
        client=client,
    )
    if region is not None:
        page(
            f"Dashboard, region {region.name}, 52 weeks",
            "dashboard",
            "/staff/trends/?" + urlencode({"period": "52", "region": region.pk}),
            client=client,
        )
        page(
            f"Dashboard, region {region.name}, 104 weeks custom, category bribery",
            "dashboard",
            "/staff/trends/?"
            + urlencode(
                {
                    "period": "custom",
                    "date_from": _weeks_ago(103).isoformat(),
                    "date_to": _weeks_ago(0).isoformat(),
                    "region": region.pk,
                    "category": "bribery",
                }
            ),
            client=client,
        )


def _weeks_ago(weeks: int) -> Any:
    import datetime

    from django.utils import timezone

    return timezone.localdate() - datetime.timedelta(weeks=weeks)


def measure_incremental(stage: Any) -> None:
    """Submit real tips (Argon2id, signals, eager Celery), and time the roll-up refresh of one new tip's cell."""
    from org.models import Facility
    from tipline.models import Category, SmugglingChannel, StaffInvolved, WhenPeriod
    from tipline.services import TipSubmission, tip_submit
    from trends.services import cell_of
    from trends.tasks import refresh_case_cells, refresh_tip_cells

    facility = Facility.objects.order_by("-population", "pk").first()
    assert facility is not None
    submission = TipSubmission(
        facility=facility,
        category=Category.PHONES,
        smuggling_channel=SmugglingChannel.VISITORS,
        staff_involved=StaffInvolved.NO,
        when_period=WhenPeriod.THIS_WEEK,
        occurred_on=None,
        description="BENCH: un visitante ingresó celulares en un táper el domingo.",
        contact="",
    )
    submits = []
    tip = None
    for _ in range(SUBMIT_RUNS):
        started = time.perf_counter()
        tip, _receipt = tip_submit(submission=submission)
        submits.append((time.perf_counter() - started) * 1000)
    assert tip is not None
    _record(
        stage,
        "Submit one tip (tip_submit: Argon2id, seal, case, eager roll-up refresh)",
        "",
        submits,
        note=f"{SUBMIT_RUNS} tips at the largest facility; Celery eager, so the refresh runs inline on commit",
    )
    cells = [[facility_id, week.isoformat()] for facility_id, week in [cell_of(tip.facility_id, tip.received_on)]]

    def refresh() -> None:
        refresh_tip_cells.apply(args=[cells]).get()
        refresh_case_cells.apply(args=[cells]).get()

    refresh()
    _record(
        stage,
        "Incremental roll-up update after one new tip",
        "incremental",
        [_ms(refresh) for _ in range(REFRESH_RUNS)],
        note="trends.refresh_tip_cells + trends.refresh_case_cells of its cell, run eagerly",
    )
    measure_pseudonym_tallies(stage, facility_id=tip.facility_id)


def measure_pseudonym_tallies(stage: Any, *, facility_id: int) -> None:
    """Time the repeated pseudonyms' update for one tip's mentions, and their full rebuild (nightly, and at a rotation).

    The update adds MENTIONS_PER_TIP rows naming pseudonyms already stored (new random
    ones without the linking app or its mentions) at `facility_id`, as linking's
    `mentions_indexed` would, one transaction per run; each run's rows are removed
    again, untimed, so the counts are left as they were.
    """
    import secrets

    from django.apps import apps

    from trends.services import pseudonym_counts_refresh, pseudonym_tallies_add, pseudonym_tallies_remove

    known: list[tuple[bytes, str]] = []
    if apps.is_installed("linking"):
        from linking.models import EntityMention

        linked = EntityMention.objects.filter(pseudonym__isnull=False).order_by("-pk")
        for pseudonym, kind in linked.values_list("pseudonym", "kind")[:100]:
            if pseudonym is not None and all(bytes(pseudonym) != seen for seen, _kind in known):
                known.append((bytes(pseudonym), kind))
    while len(known) < MENTIONS_PER_TIP:
        known.append((secrets.token_bytes(32), "person"))
    rows = [(pseudonym, kind, facility_id) for pseudonym, kind in known[:MENTIONS_PER_TIP]]

    def update() -> float:
        took = _ms(lambda: pseudonym_tallies_add(rows=rows))
        pseudonym_tallies_remove(rows=rows)
        return took

    _record(
        stage,
        "Update of repeated pseudonyms (after a tip's mentions are recorded)",
        "",
        [update() for _ in range(REFRESH_RUNS)],
        note=f"trends.services.pseudonym_tallies_add of {MENTIONS_PER_TIP} rows, what mentions_indexed runs",
    )
    _record(
        stage,
        "Rebuild of the tallies (nightly)",
        "",
        [_ms(pseudonym_counts_refresh)],
        note="trends.services.pseudonym_counts_refresh, one run (also at an index key rotation)",
    )
