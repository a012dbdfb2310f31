"""An administrator cannot decide alone who reads future reports (issue 10, DESIGN.md section 5).

A routing edit saved in /staff/admin/ (a unit's kind, a region's unit, a facility's
region, a routing rule) becomes a change awaiting approval: the next report goes where
it went before until a supervisor of the national unit, never the person who asked,
approves it on /staff/changes/. Each request and decision is in the audit chain with
the before and the after, and mailed to the national unit.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import StaffMember
from approvals.models import PendingChange
from approvals.services import change_request
from audit.models import AuditAction, AuditEvent
from audit.services import audit_verify
from org.models import Facility, Region, RoutingRule, Unit
from org.routing import ConflictPathUnavailable, route_tip
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db

UNIT_FORM = {"acknowledge_days": 7, "feedback_days": 90, "protection_working_days": 15}


@pytest.fixture(autouse=True)
def _tasks_run_inline(eager_celery: None) -> None:
    """Run the announcement task inline, as a worker would (once the test runs the on-commit callbacks)."""


def _next_report_goes_to(facility: Facility, *, staff_involved: str = "no", category: str = "phones") -> str:
    facility = Facility.objects.get(pk=facility.pk)  # as the next report reads it
    return route_tip(facility=facility, category=category, staff_involved=staff_involved).slug


def _only_pending() -> PendingChange:
    return PendingChange.objects.get(status=PendingChange.Status.PENDING)


def _approve(client: Client, change: PendingChange) -> None:
    response = client.post(f"/staff/changes/{change.pk}/approve/")
    assert (response.status_code, response["Location"]) == (302, "/staff/changes/")


def _with_emails(cast: dict[str, StaffMember], national_supervisor: StaffMember) -> dict[str, str]:
    addresses = {}
    for member in (*cast.values(), national_supervisor):
        member.user.email = f"{member.user.username}@inpe.example"
        member.user.save(update_fields=["email"])
        addresses[member.user.username] = member.user.email
    return addresses


def test_the_lima_office_is_never_made_national_and_demoting_the_national_unit_waits_for_approval(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    admin = staff_client("admin")
    national, lima = Unit.objects.get(slug="national"), Unit.objects.get(slug="lima")
    # First the national unit is demoted, then the Lima office made national: two requests, nothing applied.
    response = admin.post(
        f"/staff/admin/org/unit/{national.pk}/change/",
        {**UNIT_FORM, "name": national.name, "slug": "national", "kind": "regional"},
        follow=True,
    )
    page = response.content.decode()
    assert "national_supervisor" in page  # the admin says plainly who must approve
    assert Unit.objects.get(slug="national").kind == Unit.Kind.NATIONAL
    assert _next_report_goes_to(facilities["lurigancho"], staff_involved="yes") == "national"

    # The model's own rule still runs on the form: the Lima office serves Lima.
    response = admin.post(
        f"/staff/admin/org/unit/{lima.pk}/change/", {**UNIT_FORM, "name": lima.name, "slug": "lima", "kind": "national"}
    )
    assert response.status_code == 200
    assert PendingChange.objects.filter(model="org.unit", object_id=lima.pk).count() == 0

    # Approved, the demotion applies: staff-involved reports then have no national unit to go to.
    supervisor = staff_client("national_supervisor")
    _approve(supervisor, _only_pending())
    assert Unit.objects.get(slug="national").kind == Unit.Kind.REGIONAL
    with pytest.raises(ConflictPathUnavailable):
        route_tip(facility=facilities["lurigancho"], category="phones", staff_involved="yes")


def test_a_crafted_request_that_breaks_the_conflict_path_guard_is_refused_when_approved(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    """The admin's form refuses these; a request that got past it anyway meets the same rules at apply time."""
    lima, national = Unit.objects.get(slug="lima"), Unit.objects.get(slug="national")
    region = Region.objects.get(name="Lima")
    asked = [
        change_request(
            actor=cast["admin"].user,
            instance=Unit(pk=lima.pk, name=lima.name, slug=lima.slug, kind=Unit.Kind.NATIONAL),
            operation=PendingChange.Operation.UPDATE,
            stored=lima,
        ),
        change_request(
            actor=cast["admin"].user,
            instance=Region(pk=region.pk, name=region.name, unit=national),
            operation=PendingChange.Operation.UPDATE,
            stored=region,
        ),
    ]
    supervisor = staff_client("national_supervisor")
    for change in asked:
        assert change is not None
        response = supervisor.post(f"/staff/changes/{change.pk}/approve/", follow=True)
        assert "El cambio no se aplicó" in response.content.decode()  # Spanish by default
        change.refresh_from_db()
        assert change.status == PendingChange.Status.OBSOLETE
        refused = AuditEvent.objects.get(action=AuditAction.CHANGE_REFUSED, target_id=str(change.pk))
        assert refused.details["reason"] == "invalid"
    assert Unit.objects.get(slug="lima").kind == Unit.Kind.REGIONAL
    assert Region.objects.get(pk=region.pk).unit == lima
    assert _next_report_goes_to(facilities["lurigancho"], staff_involved="yes") == "national"
    assert audit_verify().ok


def test_repointing_a_region_waits_for_a_national_supervisor_and_is_in_the_chain_and_the_mail(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    national_supervisor: StaffMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    addresses = _with_emails(cast, national_supervisor)
    admin = staff_client("admin")
    region = facilities["lurigancho"].region
    lima, norte = Unit.objects.get(slug="lima"), Unit.objects.get(slug="norte")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/staff/admin/org/region/{region.pk}/change/", {"name": region.name, "unit": norte.pk})
    assert response.status_code == 302
    assert Region.objects.get(pk=region.pk).unit == lima
    assert _next_report_goes_to(facilities["lurigancho"]) == "lima"
    change = _only_pending()
    assert (change.kind, change.before, change.after) == ("routing", {"unit": lima.pk}, {"unit": norte.pk})

    requested = AuditEvent.objects.get(action=AuditAction.CHANGE_REQUESTED, target_id=str(change.pk))
    assert requested.actor == cast["admin"].user
    assert (requested.details["before"], requested.details["after"]) == ({"unit": lima.pk}, {"unit": norte.pk})

    # The national unit is told, each person on their own; nobody outside it is.
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == sorted([addresses["national_investigator"], addresses["national_supervisor"]])
    assert "Norte IA" in mail.outbox[0].body and "Lima IA" in mail.outbox[0].body

    supervisor = staff_client("national_supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        _approve(supervisor, change)
    assert Region.objects.get(pk=region.pk).unit == norte
    assert _next_report_goes_to(facilities["lurigancho"]) == "norte"
    approved = AuditEvent.objects.get(action=AuditAction.CHANGE_APPROVED, target_id=str(change.pk))
    assert approved.actor == national_supervisor.user
    assert approved.details["changes"] == [{"field": "unit", "from": lima.pk, "to": norte.pk}]
    assert len(mail.outbox) == 4  # the decision is announced too
    assert audit_verify().ok


def test_the_requester_and_a_regional_supervisor_cannot_approve_routing(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    admin = staff_client("admin")
    facility = facilities["lurigancho"]
    norte_region = facilities["trujillo"].region
    form = {"name": facility.name, "region": norte_region.pk, "capacity": 0, "population": 6500, "risk": 1}
    response = admin.post(f"/staff/admin/org/facility/{facility.pk}/change/", {**form, "is_active": "on"})
    assert response.status_code == 302
    change = _only_pending()

    for username in ("admin", "lima_supervisor"):
        client = staff_client(username)
        page = client.get("/staff/changes/").content.decode()
        assert f"/staff/changes/{change.pk}/approve/" not in page
        response = client.post(f"/staff/changes/{change.pk}/approve/", follow=True)
        assert "Usted no puede decidir este cambio" in response.content.decode()
        response = client.post(f"/staff/changes/{change.pk}/refuse/")
    assert _only_pending() == change
    assert _next_report_goes_to(facility) == "lima"
    assert not AuditEvent.objects.filter(action__in=[AuditAction.CHANGE_APPROVED, AuditAction.CHANGE_REFUSED]).exists()

    # The other fields of the same form were saved at once, as ever.
    assert Facility.objects.get(pk=facility.pk).region.name == "Lima"

    national_page = staff_client("national_supervisor").get("/staff/changes/").content.decode()
    assert f"/staff/changes/{change.pk}/approve/" in national_page
    _approve(staff_client("national_supervisor"), change)
    assert _next_report_goes_to(facility) == "norte"


@pytest.mark.parametrize("username", ["lima_investigator", "norte_investigator", "manager"])
def test_the_changes_page_is_not_for_everyone(cast: dict[str, StaffMember], username: str) -> None:
    assert staff_client(username).get("/staff/changes/").status_code == 404


def test_a_new_routing_rule_waits_and_a_refused_one_never_applies(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    admin = staff_client("admin")
    norte = Unit.objects.get(slug="norte")
    facility = facilities["lurigancho"]
    rule = {"facility": facility.pk, "category": "phones", "unit": norte.pk, "priority": 10, "is_active": "on"}
    response = admin.post("/staff/admin/org/routingrule/add/", rule, follow=True)
    assert "national_supervisor" in response.content.decode()
    assert not RoutingRule.objects.exists()
    assert _next_report_goes_to(facility) == "lima"

    supervisor = staff_client("national_supervisor")
    supervisor.post(f"/staff/changes/{_only_pending().pk}/refuse/")
    assert not RoutingRule.objects.exists()
    assert PendingChange.objects.get().status == PendingChange.Status.REFUSED

    admin.post("/staff/admin/org/routingrule/add/", rule)
    _approve(supervisor, _only_pending())
    assert _next_report_goes_to(facility) == "norte"
    assert _next_report_goes_to(facility, category="abuse") == "lima"
    assert audit_verify().ok


def test_changing_and_deleting_a_rule_wait_for_approval(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    admin = staff_client("admin")
    supervisor = staff_client("national_supervisor")
    norte, national = Unit.objects.get(slug="norte"), Unit.objects.get(slug="national")
    facility = facilities["lurigancho"]
    rule = RoutingRule.objects.create(facility=facility, category="phones", unit=norte, priority=10)

    form = {"facility": facility.pk, "category": "phones", "unit": national.pk, "priority": 10, "is_active": "on"}
    assert admin.post(f"/staff/admin/org/routingrule/{rule.pk}/change/", form).status_code == 302
    assert _next_report_goes_to(facility) == "norte"
    _approve(supervisor, _only_pending())
    assert _next_report_goes_to(facility) == "national"

    response = admin.post(f"/staff/admin/org/routingrule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert RoutingRule.objects.filter(pk=rule.pk).exists()
    assert _next_report_goes_to(facility) == "national"
    _approve(supervisor, _only_pending())
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
    assert _next_report_goes_to(facility) == "lima"


def test_a_stale_change_is_not_applied(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    """Two requests from the same starting point: once one is applied, the other no longer fits the record."""
    admin = staff_client("admin")
    region = facilities["lurigancho"].region
    for target in (Unit.objects.get(slug="norte"), Unit.objects.create(slug="sur", name="Sur IA")):
        admin.post(f"/staff/admin/org/region/{region.pk}/change/", {"name": region.name, "unit": target.pk})
    first, second = PendingChange.objects.order_by("pk")
    supervisor = staff_client("national_supervisor")
    _approve(supervisor, first)
    response = supervisor.post(f"/staff/changes/{second.pk}/approve/", follow=True)
    assert "El cambio no se aplicó" in response.content.decode()  # Spanish by default
    second.refresh_from_db()
    assert second.status == PendingChange.Status.OBSOLETE
    assert Region.objects.get(pk=region.pk).unit.slug == "norte"
    refused = AuditEvent.objects.get(action=AuditAction.CHANGE_REFUSED, target_id=str(second.pk))
    assert refused.details["reason"] == "stale"


def test_a_new_unit_is_created_as_a_regional_office_and_making_it_national_waits(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    admin = staff_client("admin")
    response = admin.post(
        "/staff/admin/org/unit/add/", {**UNIT_FORM, "name": "Sur IA", "slug": "sur", "kind": "regional"}
    )
    assert response.status_code == 302
    sur = Unit.objects.get(slug="sur")
    assert sur.kind == Unit.Kind.REGIONAL
    assert not PendingChange.objects.exists()  # a regional office diverts nothing: created at once

    # With no national unit left (demoted through an approved change), a new "national" unit waits too.
    national = Unit.objects.get(slug="national")
    admin.post(
        f"/staff/admin/org/unit/{national.pk}/change/",
        {**UNIT_FORM, "name": national.name, "slug": "national", "kind": "regional"},
    )
    _approve(staff_client("national_supervisor"), _only_pending())
    response = admin.post(
        "/staff/admin/org/unit/add/", {**UNIT_FORM, "name": "Centro IA", "slug": "centro", "kind": "national"}
    )
    assert response.status_code == 302
    assert Unit.objects.get(slug="centro").kind == Unit.Kind.REGIONAL
    change = _only_pending()
    assert (change.before, change.after) == ({"kind": "regional"}, {"kind": "national"})


def test_the_national_unit_sees_what_waits_and_what_was_decided(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    admin = staff_client("admin")
    region = facilities["lurigancho"].region
    norte = Unit.objects.get(slug="norte")
    admin.post(f"/staff/admin/org/region/{region.pk}/change/", {"name": region.name, "unit": norte.pk})
    page = staff_client("national_investigator").get("/staff/changes/").content.decode()
    assert "Lima IA → Norte IA" in page and "admin" in page and "national_supervisor" in page
    assert "/approve/" not in page  # an investigator sees, and does not decide

    _approve(staff_client("national_supervisor"), _only_pending())
    page = staff_client("national_investigator").get("/staff/changes/").content.decode()
    assert "Aprobado y aplicado" in page and "No hay cambios pendientes de aprobación." in page


def test_approving_without_the_csrf_token_is_refused(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    admin = staff_client("admin")
    region = facilities["lurigancho"].region
    admin.post(
        f"/staff/admin/org/region/{region.pk}/change/", {"name": region.name, "unit": Unit.objects.get(slug="norte").pk}
    )
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = staff_client("national_supervisor").cookies
    response = strict.post(f"/staff/changes/{_only_pending().pk}/approve/")
    assert response.status_code == 403
    assert _only_pending().is_pending
    assert _next_report_goes_to(facilities["lurigancho"]) == "lima"


def test_the_admins_own_log_does_not_claim_a_change_that_waits(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    from django.contrib.admin.models import LogEntry

    admin = staff_client("admin")
    region = facilities["lurigancho"].region
    norte = Unit.objects.get(slug="norte")
    admin.post(f"/staff/admin/org/region/{region.pk}/change/", {"name": "Lima Metropolitana", "unit": norte.pk})
    assert Region.objects.get(pk=region.pk).name == "Lima Metropolitana"
    entry = LogEntry.objects.latest("pk")
    assert json.loads(entry.change_message) == [{"changed": {"fields": ["Name"]}}]


def test_an_approval_and_its_audit_entry_exist_together_or_not_at_all(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    national_supervisor: StaffMember,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from approvals import services

    admin = staff_client("admin")
    region = facilities["lurigancho"].region
    admin.post(
        f"/staff/admin/org/region/{region.pk}/change/", {"name": region.name, "unit": Unit.objects.get(slug="norte").pk}
    )
    change = _only_pending()

    def refuse(**kwargs: object) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", refuse)
    with pytest.raises(RuntimeError):
        staff_client("national_supervisor").post(f"/staff/changes/{change.pk}/approve/")
    assert _only_pending() == change
    assert _next_report_goes_to(facilities["lurigancho"]) == "lima"
