"""Routing: region by default, rules by facility or category, the conflict path first."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from org.models import Facility, RoutingRule, Unit
from org.routing import route_tip

pytestmark = pytest.mark.django_db


def test_region_decides_without_rules(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    assert route_tip(facility=facilities["lurigancho"], category="phones", staff_involved="no").slug == "lima"
    assert route_tip(facility=facilities["trujillo"], category="phones", staff_involved="no").slug == "norte"


def test_the_most_specific_rule_wins(units: dict[str, Unit], facilities: dict[str, Facility]) -> None:
    lurigancho = facilities["lurigancho"]
    RoutingRule.objects.create(category="drugs_weapons", unit=units["national"])
    RoutingRule.objects.create(facility=lurigancho, unit=units["norte"])
    RoutingRule.objects.create(facility=lurigancho, category="abuse", unit=units["national"], priority=200)
    assert route_tip(facility=facilities["trujillo"], category="drugs_weapons", staff_involved="no").slug == "national"
    assert route_tip(facility=lurigancho, category="phones", staff_involved="no").slug == "norte"
    assert route_tip(facility=lurigancho, category="abuse", staff_involved="no").slug == "national"
    # A facility rule beats a category rule.
    assert route_tip(facility=lurigancho, category="drugs_weapons", staff_involved="no").slug == "norte"


def test_inactive_rules_are_ignored(units: dict[str, Unit], facilities: dict[str, Facility]) -> None:
    RoutingRule.objects.create(facility=facilities["lurigancho"], unit=units["norte"], is_active=False)
    assert route_tip(facility=facilities["lurigancho"], category="phones", staff_involved="no").slug == "lima"


def test_the_conflict_path_beats_every_rule(units: dict[str, Unit], facilities: dict[str, Facility]) -> None:
    RoutingRule.objects.create(facility=facilities["lurigancho"], unit=units["norte"])
    assert route_tip(facility=facilities["lurigancho"], category="phones", staff_involved="yes").slug == "national"
