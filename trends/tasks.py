"""Background tasks of the trends app: keeping the roll-ups current, and the nightly rebuild.

Thin entry points that take cells (a facility id and the ISO date of a Monday) and
call trends/services.py. Names are explicit and stable (a renamed task strands the
messages already queued); the nightly beat entry is in config/settings.py.

Every task is idempotent: a cell is rewritten whole from its source rows, so a task
run twice, retried, or run after a later one leaves the same rows.

No exact time of a submission (DESIGN.md section 8). A new tip queues the refresh
of its cell, and the message says only [facility id, Monday]: no `eta`, no
`expires`, no countdown, which Celery would write as a timestamp to the
microsecond beside the facility and week. A refresh lost on the way (a worker that
drops it, a broker that is down) is redone by the nightly rebuild, so nothing
needs an expiry.

Why not a periodic sweep instead of a task per tip: a sweep would make the queue's
own timing meaningless, but the dashboard and the spike alerts would then lag by a
sweep period, and the message it replaces dates nothing once it is gone. The
broker holds a refresh only until a worker takes it (seconds; the list entry is
removed when the task is acknowledged, and the worker logs nothing at INFO about
it, see the worker logging in config/settings.py), and a refresh of one cell is
indistinguishable from the refresh that a staff change to any case in that cell
queues. The counts of repeatedly named pseudonyms need no task: they change by the
mentions indexed or unindexed, in the transaction that writes them (trends/receivers.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from celery import shared_task
from django.db import OperationalError, transaction

from trends import services

# A lock wait or a dropped connection is worth another try; the rewrite is idempotent.
DATABASE_RETRY: dict[str, Any] = {"autoretry_for": (OperationalError,), "retry_backoff": 5, "max_retries": 5}


def _cells(payload: Iterable[Iterable[Any]]) -> list[services.Cell]:
    cells = []
    for facility_id, week_iso in payload:
        cells.append((int(facility_id), datetime.date.fromisoformat(str(week_iso))))
    return cells


def _payload(cells: Iterable[services.Cell]) -> list[list[Any]]:
    return [[facility_id, week.isoformat()] for facility_id, week in sorted(set(cells))]


@shared_task(name="trends.refresh_tip_cells", time_limit=300, soft_time_limit=240, **DATABASE_RETRY)
def refresh_tip_cells(cells: list[list[Any]]) -> int:
    """Rewrite the tip roll-ups and spike alerts of these [facility id, Monday] cells; return facilities done."""
    return services.tip_cells_refresh(cells=_cells(cells))


@shared_task(name="trends.refresh_case_cells", time_limit=300, soft_time_limit=240, **DATABASE_RETRY)
def refresh_case_cells(cells: list[list[Any]]) -> int:
    """Rewrite the case roll-ups of these [facility id, Monday] cells; return facilities done."""
    return services.case_cells_refresh(cells=_cells(cells))


@shared_task(name="trends.rebuild_rollups", time_limit=4 * 60 * 60, soft_time_limit=4 * 60 * 60 - 300)
def rebuild_rollups() -> dict[str, int]:
    """Rewrite every roll-up and alert from the source rows; return how many rows there are."""
    result = services.rollups_rebuild()
    return {
        "facilities": result.facilities,
        "tip_rows": result.tip_rows,
        "case_rows": result.case_rows,
        "alerts": result.alerts,
    }


def queue_cell_refresh(*, tip_cells: Iterable[services.Cell] = (), case_cells: Iterable[services.Cell] = ()) -> None:
    """Queue the refresh of these cells for when the current transaction commits (at once outside one).

    `robust`: the rows are committed by then, and a broker that is down must not turn
    a saved tip into an error page that hides the receipt from the whistleblower; the
    nightly rebuild repairs any refresh lost this way.
    """
    tips, cases = _payload(tip_cells), _payload(case_cells)

    def queue() -> None:
        if tips:
            refresh_tip_cells.apply_async((tips,))
        if cases:
            refresh_case_cells.apply_async((cases,))

    if tips or cases:
        transaction.on_commit(queue, robust=True)
