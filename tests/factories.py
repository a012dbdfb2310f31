"""Builders for tips: through the real envelope, and as the public form's POST data."""

from __future__ import annotations

import re
from typing import Any

from org.models import Facility
from tipline.models import Category, SmugglingChannel, StaffInvolved, Tip, WhenPeriod
from tipline.services import TipSubmission, tip_submit


def submit_tip(*, facility: Facility, **overrides: Any) -> tuple[Tip, str]:
    """Submit a tip with sensible defaults; return the tip and its receipt."""
    fields: dict[str, Any] = {
        "facility": facility,
        "category": Category.PHONES,
        "smuggling_channel": SmugglingChannel.VISITORS,
        "staff_involved": StaffInvolved.NO,
        "when_period": WhenPeriod.THIS_WEEK,
        "occurred_on": None,
        "description": "Visitors bring phones in food containers on Sundays.",
        "contact": "",
    }
    fields.update(overrides)
    return tip_submit(submission=TipSubmission(**fields))


def report_data(facility: Facility, **overrides: object) -> dict[str, object]:
    """Return a valid POST to /report/ for `facility`, with `overrides` applied."""
    data: dict[str, object] = {
        "facility": facility.pk,
        "category": "phones",
        "smuggling_channel": "visitors",
        "when_period": "date",
        "occurred_on": "2026-11-01",
        "description": "Un técnico del pabellón 3 recibe celulares de visitas los domingos.",
        "staff_involved": "no",
        "contact": "",
    }
    data.update(overrides)
    return data


def receipt_from(html: str) -> str:
    """Return the tracking code shown on a receipt page."""
    match = re.search(r'id="receipt">(\d{4} \d{4} \d{4} \d{4})<', html)
    assert match, "no receipt code on the page"
    return match.group(1)
