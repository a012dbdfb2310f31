"""Routing: which unit receives a tip, decided from clear metadata only (DESIGN.md section 5)."""

from __future__ import annotations

from org.models import Facility, Unit

STAFF_INVOLVED_YES = "yes"


def route_tip(*, facility: Facility, staff_involved: str) -> Unit:
    """Return the unit a new tip goes to.

    Facility -> region -> that region's unit; when the whistleblower says local
    staff or local internal affairs are involved, the national unit instead (the
    conflict-of-interest path).
    """
    if staff_involved == STAFF_INVOLVED_YES:
        national = Unit.objects.filter(kind=Unit.Kind.NATIONAL).first()
        if national is not None:
            return national
    return facility.region.unit
