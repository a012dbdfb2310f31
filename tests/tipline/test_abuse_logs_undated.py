"""A flood that slows or refuses whistleblowers writes counters for the day, never a log line.

Each line a log keeps is stamped with the moment it was written (by the handler, the
journal or the log shipper), so "a new tip waits 1.0 s" dated a submission to the
second, and "a receipt attempt waits ..." a visit to the follow-up page.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import LazySettings

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import FakeClock, hidden_inputs, public_client, receipt_from, report_data, use_fake_clock
from tipline import abuse

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: LazySettings, fresh_cache: None) -> FakeClock:
    """One report and two code attempts at once; the clock stands still, so the rest are refused or over the pace."""
    settings.TIPLINE_POW_DIFFICULTY_BITS = 0
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 60
    settings.TIPLINE_NEW_TIPS_BURST = 1
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE = 2
    return use_fake_clock(monkeypatch)


def test_refused_reports_and_code_attempts_over_the_pace_leave_no_log_line(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        responses = [public_client().post("/report/", report_data(facilities["lurigancho"])) for _ in range(3)]
        receipt = receipt_from(responses[0].content.decode())
        for code in ("1111 2222 3333 4444", "5555 6666 7777 8888", receipt, receipt):
            client = public_client()
            page = client.get("/followup/").content.decode()
            client.post("/followup/", {**hidden_inputs(page), "receipt": code})

    counters = abuse.counters_today()
    assert counters["new_tip_refused"] == 2
    assert counters["receipt_over_pace"] == 2
    lines = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.name.startswith(("tipline", "cases"))]
    assert lines == []
    assert not [r for r in caplog.records if "wait" in r.getMessage()]
