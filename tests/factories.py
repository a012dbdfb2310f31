"""Builders for tips submitted through the real envelope."""

from __future__ import annotations

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
