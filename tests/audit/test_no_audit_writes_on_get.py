"""Looking at a staff page writes nothing to the audit log, except pages that show content.

Reading a tip (its page, or a case page that shows its tips), opening an attachment,
seeing where a pseudonym appears and downloading an export are recorded; every other
GET leaves the log as it was. Writes are recorded by the services behind POSTs.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from audit.models import AuditAction, AuditEvent
from org.models import Facility
from tests.conftest import PASSWORD, staff_client
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(cast: dict[str, StaffMember]) -> dict[str, StaffMember]:
    for username, role in (("operadora", Role.OPERATOR), ("auditora", Role.AUDITOR)):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        cast[username] = staff_member_create(user=user, role=role, password=PASSWORD)
    return cast


def _actions_of_get(client: Client, path: str) -> list[str]:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    response = client.get(path)
    assert response.status_code in (200, 302), (path, response.status_code)
    return list(AuditEvent.objects.filter(seq__gt=last).order_by("seq").values_list("action", flat=True))


PAGES = {
    "lima_investigator": ["/staff/", "/staff/account/", "/staff/account/password/"],
    "lima_supervisor": ["/staff/", "/staff/units/lima/members/", "/staff/trends/", "/staff/changes/"],
    "manager": ["/staff/", "/staff/trends/"],
    "admin": ["/staff/", "/staff/account/totp/", "/staff/admin/", "/staff/admin/org/facility/", "/staff/changes/"],
    "auditora": ["/staff/", "/staff/audit/", "/staff/audit/?action=login", "/staff/changes/"],
    "operadora": ["/staff/", "/staff/phone/"],
}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_pages_without_content_write_nothing(username: str, staff: dict[str, StaffMember]) -> None:
    client = staff_client(username)
    for path in PAGES[username]:
        assert _actions_of_get(client, path) == [], path


def test_the_admins_password_reset_page_writes_nothing(staff: dict[str, StaffMember]) -> None:
    path = f"/staff/staff/{staff['lima_investigator'].pk}/reset-password/"
    assert _actions_of_get(staff_client("admin"), path) == []


def test_reading_a_tip_is_the_only_write_of_its_pages(
    staff: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"])
    client = staff_client("lima_investigator")

    assert _actions_of_get(client, f"/staff/cases/{tip.case_link.case.public_id}/") == [AuditAction.TIP_VIEWED]
    assert _actions_of_get(client, f"/staff/tips/{tip.public_id}/") == [AuditAction.TIP_VIEWED]


def test_a_page_refused_writes_nothing(staff: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"])
    client = staff_client("norte_investigator")
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()

    assert client.get(f"/staff/tips/{tip.public_id}/").status_code == 404
    assert client.get(f"/staff/cases/{tip.case_link.case.public_id}/").status_code == 404
    assert client.get("/staff/audit/").status_code == 404

    assert not AuditEvent.objects.filter(seq__gt=last).exists()
