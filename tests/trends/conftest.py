"""Shared helpers of the trends tests: tips submitted on a chosen day, roll-ups kept current as in production.

The suite's database tests run inside a transaction that is never committed, so the
`on_commit` refreshes the signals queue never run by themselves: `submitted` and
`changed` run them (`django_capture_on_commit_callbacks(execute=True)`), with Celery
eager even when REDIS_URL configures a real broker for the run.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

import pytest
from django.utils.translation import gettext, ngettext, override

from cases.models import Case
from org.models import Facility
from tests.factories import submit_tip
from tipline.models import Tip
from trends.selectors import rollups_snapshot
from trends.services import cell_of
from trends.tasks import queue_cell_refresh

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def es(text: str, plural: str = "", count: int = 1) -> str:
    """Return a message as the staff pages show it by default: in Spanish (English until the catalogue has it)."""
    with override("es"):
        return ngettext(text, plural, count) if plural else gettext(text)


def summary_total(page: str) -> str:
    """Return the number of tips in the dashboard's summary line, as shown."""
    found = re.search(r'id="trends-summary">.*?<strong>(.*?)</strong>', page, re.S)
    assert found, "no summary line"
    return found.group(1)


@pytest.fixture(autouse=True)
def _own_cache_and_eager_tasks(fresh_cache: None, eager_celery: None) -> None:
    """Each test gets its own cache and runs tasks inline (fixtures in tests/conftest.py)."""


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_swallowed_refresh_errors() -> Iterator[None]:
    """Fail a test whose refresh raised: on_commit(robust=True) only logs it (to "django", which does not propagate)."""
    handler = _Errors()
    logger = logging.getLogger("django")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not handler.records, [record.getMessage() for record in handler.records]


class Desk:
    """Submits tips on chosen days and changes cases, running the refreshes the signals queue, after "commit"."""

    def __init__(self, capture: CaptureCallbacks) -> None:
        self.capture = capture

    def submit(self, facility: Facility, *, on: datetime.date, **fields: Any) -> Tip:
        """Submit a tip through the real intake as if on `on`; the roll-ups are refreshed afterwards."""
        with self.capture(execute=True), mock.patch("tipline.services.today", return_value=on):
            tip, _receipt = submit_tip(facility=facility, **fields)
        return tip

    def update_case(self, case: Case, **fields: Any) -> Case:
        """Change a case with a queryset update (no signal), then queue its cell's refresh as the signals do."""
        with self.capture(execute=True):
            Case.objects.filter(pk=case.pk).update(**fields)
            if "status" in fields:
                Tip.objects.filter(case_link__case=case).update(status=fields["status"])
            case.refresh_from_db()
            queue_cell_refresh(case_cells={cell_of(case.facility_id, case.received_on)})
        return case

    def refresh(self, cells: set[tuple[int, datetime.date]]) -> None:
        with self.capture(execute=True):
            queue_cell_refresh(tip_cells=cells, case_cells=cells)


@pytest.fixture
def desk(django_capture_on_commit_callbacks: CaptureCallbacks) -> Desk:
    return Desk(django_capture_on_commit_callbacks)


# Every roll-up row and alert as sorted tuples: the tests compare incremental updates with a rebuild.
rollup_snapshot = rollups_snapshot
