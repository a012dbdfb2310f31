"""The conflict-of-interest path never leads to the facility's own regional office (DESIGN.md section 5).

Whatever the settings say: the admin refuses, the models refuse, the database
refuses, and routing itself refuses to send a "staff involved" tip to the office
its facility's region maps to, or to a "national" unit that serves a region.
"""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility, Region, Unit
from org.routing import ConflictPathUnavailable, route_tip
from tests.factories import report_data
from tipline.models import Tip

pytestmark = pytest.mark.django_db

GUARDS = importlib.import_module("org.migrations.0004_conflict_path_guards")


def _lift_database_guards() -> None:
    """Drop the guard triggers inside the test's transaction (rolled back with it): a change behind the app."""
    with connection.cursor() as cursor:
        for statement in GUARDS.BACKWARD[connection.vendor]:
            cursor.execute(statement)


def test_routing_refuses_when_the_regional_office_was_made_national_behind_the_admins_back(
    units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    _lift_database_guards()
    Unit.objects.filter(slug="national").update(kind=Unit.Kind.REGIONAL)
    Unit.objects.filter(slug="lima").update(kind=Unit.Kind.NATIONAL)
    with pytest.raises(ConflictPathUnavailable):
        route_tip(facility=facilities["lurigancho"], category="phones", staff_involved="yes")
    # Norte's reports are not sent to an office that serves a region either.
    with pytest.raises(ConflictPathUnavailable):
        route_tip(facility=facilities["trujillo"], category="phones", staff_involved="yes")
    # Reports that accuse no staff still go where the rules say.
    assert route_tip(facility=facilities["lurigancho"], category="phones", staff_involved="no").slug == "lima"


def test_routing_refuses_when_a_region_was_pointed_at_the_national_unit_behind_the_admins_back(
    units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    _lift_database_guards()
    Region.objects.filter(name="Lima").update(unit=units["national"])
    with pytest.raises(ConflictPathUnavailable):
        route_tip(facility=facilities["lurigancho"], category="phones", staff_involved="yes")


def test_routing_refuses_when_there_is_no_national_unit(
    units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    Unit.objects.filter(slug="national").update(kind=Unit.Kind.REGIONAL)
    with pytest.raises(ConflictPathUnavailable):
        route_tip(facility=facilities["lurigancho"], category="phones", staff_involved="yes")


def test_the_report_form_keeps_the_text_and_stores_nothing_when_the_conflict_path_is_missing(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    Unit.objects.filter(slug="national").update(kind=Unit.Kind.REGIONAL)
    data = report_data(facilities["lurigancho"], staff_involved="yes")
    response = Client().post("/report/", data)
    assert response.status_code == 503
    assert not Tip.objects.exists()
    assert str(data["description"]) in response.content.decode()


def test_the_models_refuse_a_national_unit_serving_a_region(
    units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    lima = units["lima"]
    lima.kind = Unit.Kind.NATIONAL
    with pytest.raises(ValidationError) as refused:
        lima.full_clean()
    assert "kind" in refused.value.message_dict
    region = Region.objects.get(name="Lima")
    region.unit = units["national"]
    with pytest.raises(ValidationError) as refused:
        region.full_clean()
    assert "unit" in refused.value.message_dict


def test_the_database_refuses_a_national_unit_serving_a_region(
    units: dict[str, Unit], facilities: dict[str, Facility]
) -> None:
    Unit.objects.filter(slug="national").update(kind=Unit.Kind.REGIONAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(slug="lima").update(kind=Unit.Kind.NATIONAL)
    Unit.objects.filter(slug="national").update(kind=Unit.Kind.NATIONAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.filter(name="Lima").update(unit=units["national"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(name="Sur", unit=units["national"])
    assert Region.objects.get(name="Lima").unit == units["lima"]
