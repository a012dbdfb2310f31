"""Routing: which unit receives a tip, decided from clear metadata only (DESIGN.md section 5)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from org.models import Facility, RoutingRule, Unit

STAFF_INVOLVED_YES = "yes"
# tipline.Category.RETALIATION: reprisals against a whistleblower always go to the national unit.
CATEGORY_RETALIATION = "retaliation"


class ConflictPathUnavailable(Exception):
    """Raised when a "staff involved" tip has no national unit to go to that is not a regional office.

    The tip is then not routed at all: sending it to the office its facility's
    region maps to would hand it to the people it may accuse.
    """


def conflict_path_unit(*, facility: Facility) -> Unit:
    """Return the national unit a "staff involved" tip from `facility` goes to (the conflict-of-interest path).

    Enforced here whatever the settings say (the models, the admin and database
    triggers refuse such settings too): the unit must be of kind national, serve
    no region directly, and not be the unit of the facility's own region. Raise
    ConflictPathUnavailable otherwise.
    """
    national = Unit.objects.filter(kind=Unit.Kind.NATIONAL).order_by("pk").first()
    if national is None:
        raise ConflictPathUnavailable("there is no national unit")
    if national.pk == facility.region.unit_id or national.regions.exists():
        raise ConflictPathUnavailable(f"the national unit {national.pk} serves a region")
    return national


def route_tip(*, facility: Facility, category: str, staff_involved: str) -> Unit:
    """Return the unit a new tip goes to.

    When the whistleblower says local staff or local internal affairs are
    involved, or reports retaliation for having reported, the national unit (the conflict-of-interest path; raise
    ConflictPathUnavailable if there is no valid one, never falling back to the
    region). Otherwise the most specific active routing rule for the facility
    and category, and failing that facility -> region -> that region's unit.
    """
    if staff_involved == STAFF_INVOLVED_YES or category == CATEGORY_RETALIATION:
        return conflict_path_unit(facility=facility)
    rules = RoutingRule.objects.filter(is_active=True).filter(
        Q(facility=facility) | Q(facility__isnull=True), Q(category=category) | Q(category="")
    )
    best = min(
        rules.select_related("unit"),
        key=lambda rule: (rule.facility_id is None, rule.category == "", rule.priority, rule.pk),
        default=None,
    )
    return best.unit if best is not None else facility.region.unit


def facilities_routed_to(unit: Unit) -> QuerySet[Facility]:
    """Return the active facilities whose tips can reach this unit, by name.

    Those of the regions it serves and those an active routing rule sends to it; the
    national unit, which the conflict-of-interest path reaches from every facility, has all.
    """
    facilities = Facility.objects.filter(is_active=True).order_by("name")
    if unit.kind == Unit.Kind.NATIONAL:
        return facilities
    routed = Q(region__unit=unit) | Q(routing_rules__unit=unit, routing_rules__is_active=True)
    return facilities.filter(pk__in=Facility.objects.filter(routed).values("pk"))
