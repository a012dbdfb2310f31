"""Operators read the abuse counters with `manage.py abuse_counters`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tipline import abuse

pytestmark = pytest.mark.usefixtures("fresh_cache")


def test_the_command_prints_every_counter_with_todays_number() -> None:
    abuse.count(abuse.Event.HONEYPOT_FILLED)
    abuse.count(abuse.Event.HONEYPOT_FILLED)
    abuse.count(abuse.Event.RECEIPT_THROTTLED)

    out = StringIO()
    call_command("abuse_counters", stdout=out)

    lines = dict(line.split("\t") for line in out.getvalue().splitlines())
    assert lines["honeypot_filled"] == "2"
    assert lines["receipt_throttled"] == "1"
    assert lines["new_tip_refused"] == "0"
    assert set(lines) == {event.value for event in abuse.Event}
