"""Routing: which unit receives a tip, decided from clear metadata only (DESIGN.md section 5)."""

from __future__ import annotations

from django.db.models import Q

from org.models import Facility, RoutingRule, Unit

STAFF_INVOLVED_YES = "yes"


def route_tip(*, facility: Facility, category: str, staff_involved: str) -> Unit:
    """Return the unit a new tip goes to.

    When the whistleblower says local staff or local internal affairs are
    involved, the national unit (the conflict-of-interest path). Otherwise the
    most specific active routing rule for the facility and category, and failing
    that facility -> region -> that region's unit.
    """
    if staff_involved == STAFF_INVOLVED_YES:
        national = Unit.objects.filter(kind=Unit.Kind.NATIONAL).first()
        if national is not None:
            return national
    rules = RoutingRule.objects.filter(is_active=True).filter(
        Q(facility=facility) | Q(facility__isnull=True), Q(category=category) | Q(category="")
    )
    best = min(
        rules.select_related("unit"),
        key=lambda rule: (rule.facility_id is None, rule.category == "", rule.priority, rule.pk),
        default=None,
    )
    return best.unit if best is not None else facility.region.unit
