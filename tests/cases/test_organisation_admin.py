"""Administrators manage regions, facilities, units and routing rules; no key is ever shown."""

from __future__ import annotations

import base64

import pytest

from accounts.keys import staff_private_key
from accounts.models import StaffMember
from approvals.models import PendingChange
from audit.models import AuditAction, AuditEvent
from audit.services import audit_verify
from cases import admin as admin_module
from org.models import Facility, Region, RoutingRule, Unit
from tests.conftest import PASSWORD, staff_client

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_routing_rule(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    admin = staff_client("admin")
    assert admin.get("/staff/admin/").status_code == 200
    national = Unit.objects.get(slug="national")
    response = admin.post(
        "/staff/admin/org/routingrule/add/",
        {"facility": "", "category": "drugs_weapons", "unit": national.pk, "priority": 10, "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    # The rule exists once a supervisor of the national unit approves it (tests/org/test_routing_changes_await_approval.py).
    assert not RoutingRule.objects.exists()
    _approve_all()
    assert RoutingRule.objects.get().category == "drugs_weapons"


def test_an_administrator_sets_a_units_deadlines_and_sees_no_key(cast: dict[str, StaffMember]) -> None:
    admin = staff_client("admin")
    lima = Unit.objects.get(slug="lima")
    page = admin.get(f"/staff/admin/org/unit/{lima.pk}/change/").content
    public_key = bytes(lima.active_keypair().public_key)
    for form in (public_key[:40], base64.b64encode(public_key)[:40], public_key.hex()[:40].encode()):
        assert form not in page
    assert b"keypair" not in page.lower()


@pytest.mark.parametrize("username", ["lima_investigator", "lima_supervisor", "manager"])
def test_other_roles_cannot_use_the_administration(cast: dict[str, StaffMember], username: str) -> None:
    client = staff_client(username)
    assert client.get("/staff/admin/").status_code == 302
    assert client.get("/staff/admin/org/routingrule/").status_code == 302


def test_following_the_admin_login_never_loops(cast: dict[str, StaffMember]) -> None:
    investigator = staff_client("lima_investigator")
    response = investigator.get("/staff/admin/org/routingrule/", follow=True)
    assert response.status_code == 404
    assert len(response.redirect_chain) < 5
    admin = staff_client("admin")
    response = admin.get("/staff/admin/login/?next=/staff/admin/org/facility/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/staff/admin/org/facility/"


def test_anonymous_visitors_are_sent_to_the_staff_login(db: None) -> None:
    from django.test import Client

    response = Client().get("/staff/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/staff/login/")


def test_the_admin_refuses_to_make_a_regional_office_the_national_unit(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    admin = staff_client("admin")
    # Even with the national unit demoted first, the Lima office serves Lima and cannot become national.
    national = Unit.objects.get(slug="national")
    response = admin.post(
        f"/staff/admin/org/unit/{national.pk}/change/",
        {
            "name": national.name,
            "slug": "national",
            "kind": "regional",
            "acknowledge_days": 7,
            "feedback_days": 90,
            "protection_working_days": 15,
        },
    )
    assert response.status_code == 302
    lima = Unit.objects.get(slug="lima")
    response = admin.post(
        f"/staff/admin/org/unit/{lima.pk}/change/",
        {
            "name": lima.name,
            "slug": "lima",
            "kind": "national",
            "acknowledge_days": 7,
            "feedback_days": 90,
            "protection_working_days": 15,
        },
    )
    assert response.status_code == 200
    assert "serves a region" in response.content.decode() or "atiende una región" in response.content.decode()
    assert Unit.objects.get(slug="lima").kind == Unit.Kind.REGIONAL


def test_the_admin_refuses_to_point_a_region_at_the_national_unit(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    admin = staff_client("admin")
    region = facilities["lurigancho"].region
    national = Unit.objects.get(slug="national")
    response = admin.post(f"/staff/admin/org/region/{region.pk}/change/", {"name": region.name, "unit": national.pk})
    assert response.status_code == 200
    assert Region.objects.get(pk=region.pk).unit.slug == "lima"


UNIT_FORM = {"acknowledge_days": 7, "feedback_days": 90, "protection_working_days": 15}


def _approve_all() -> None:
    """Approve every change awaiting approval, as the national unit's supervisor (a fixture of the test)."""
    supervisor = staff_client("national_supervisor")
    for change in PendingChange.objects.filter(status=PendingChange.Status.PENDING).order_by("pk"):
        supervisor.post(f"/staff/changes/{change.pk}/approve/")


def _changes(event: AuditEvent) -> dict[str, tuple[object, object]]:
    return {change["field"]: (change["from"], change["to"]) for change in event.details["changes"]}


def test_every_admin_change_is_in_the_audit_chain_with_before_and_after(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    admin = staff_client("admin")
    lima = Unit.objects.get(slug="lima")
    response = admin.post(
        f"/staff/admin/org/unit/{lima.pk}/change/",
        {**UNIT_FORM, "name": lima.name, "slug": "lima", "kind": "regional", "acknowledge_days": 3},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.ADMIN_CHANGED).latest("seq")
    assert (event.actor, event.target_type, event.target_id) == (cast["admin"].user, "unit", str(lima.pk))
    assert _changes(event) == {"acknowledge_days": (7, 3)}

    # A role and a routing rule are asked for, not applied: the request is in the chain with before and after.
    investigator = cast["lima_investigator"]
    response = admin.post(f"/staff/admin/accounts/staffmember/{investigator.pk}/change/", {"role": "supervisor"})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.CHANGE_REQUESTED).latest("seq")
    assert (event.actor, event.details["model"], event.details["object"]) == (
        cast["admin"].user,
        "accounts.staffmember",
        investigator.pk,
    )
    assert _changes(event) == {"role": ("investigator", "supervisor")}
    assert "public_key" not in str(event.details)

    response = admin.post(
        "/staff/admin/org/routingrule/add/",
        {"facility": "", "category": "phones", "unit": lima.pk, "priority": 10, "is_active": "on"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.CHANGE_REQUESTED).latest("seq")
    assert event.details["operation"] == "create"
    assert _changes(event)["unit"] == (None, lima.pk)
    assert audit_verify().ok


def test_every_admin_delete_is_in_the_audit_chain(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], national_supervisor: StaffMember
) -> None:
    admin = staff_client("admin")
    units = {slug: Unit.objects.get(slug=slug) for slug in ("lima", "norte")}
    one, two = (RoutingRule.objects.create(category=category, unit=units["lima"]) for category in ("phones", "abuse"))
    # Deleting a rule is asked for; once approved, the chain holds the request and the approval.
    response = admin.post(f"/staff/admin/org/routingrule/{one.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert RoutingRule.objects.filter(pk=one.pk).exists()
    requested = AuditEvent.objects.filter(action=AuditAction.CHANGE_REQUESTED).latest("seq")
    assert (requested.actor, requested.details["model"], requested.details["object"]) == (
        cast["admin"].user,
        "org.routingrule",
        one.pk,
    )
    assert _changes(requested)["category"] == ("phones", None)
    _approve_all()
    assert not RoutingRule.objects.filter(pk=one.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE_APPROVED, details__object=one.pk).exists()

    # The list page offers no bulk deletion of rules (each waits for its own approval).
    page = admin.get("/staff/admin/org/routingrule/").content.decode()
    assert "delete_selected" not in page
    response = admin.post(
        "/staff/admin/org/routingrule/", {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"}
    )
    assert RoutingRule.objects.filter(pk=two.pk).exists()

    # A facility, which routes nothing by itself, is deleted at once, and recorded.
    empty = Facility.objects.create(name="E.P. Vacío (test)", region=facilities["lurigancho"].region)
    response = admin.post(f"/staff/admin/org/facility/{empty.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.ADMIN_DELETED).latest("seq")
    assert (event.actor, event.target_type, event.target_id) == (cast["admin"].user, "facility", str(empty.pk))
    assert _changes(event)["name"] == ("E.P. Vacío (test)", None)
    assert audit_verify().ok


def test_an_admin_change_and_its_audit_event_exist_together_or_not_at_all(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = staff_client("admin")
    lima = Unit.objects.get(slug="lima")

    def refuse(**kwargs: object) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(admin_module, "audit_record", refuse)
    with pytest.raises(RuntimeError):
        admin.post(
            f"/staff/admin/org/unit/{lima.pk}/change/",
            {**UNIT_FORM, "name": lima.name, "slug": "lima", "kind": "regional", "acknowledge_days": 3},
        )
    assert Unit.objects.get(slug="lima").acknowledge_days == 7


NEW_PASSWORD = "a brand new admin passphrase 77"


def test_the_admins_password_change_link_goes_to_the_page_that_rewraps_the_key(cast: dict[str, StaffMember]) -> None:
    admin = staff_client("admin")
    change = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for url in ("/staff/admin/password_change/", "/staff/admin/password_change/done/"):
        response = admin.get(url)
        assert (response.status_code, response["Location"]) == (302, "/staff/account/password/")
        response = admin.post(url, change)
        assert (response.status_code, response["Location"]) == (302, "/staff/account/password/")
    member = StaffMember.objects.get(user__username="admin")
    assert member.user.check_password(PASSWORD)  # the stock form changed nothing

    response = admin.post(admin.get("/staff/admin/password_change/", follow=True).request["PATH_INFO"], change)
    assert response.status_code == 302
    staff_client("admin", NEW_PASSWORD)
    member.refresh_from_db()
    assert staff_private_key(member=member, password=NEW_PASSWORD)
