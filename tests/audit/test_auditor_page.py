"""The auditors' page: only auditors see the log, filter it, page through it and verify the chain."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from tests.audit.tamper import lift_triggers, raw_update
from tests.conftest import PASSWORD, staff_client

pytestmark = pytest.mark.django_db

PAGE = "/staff/audit/"
VERIFY = "/staff/audit/verify/"


@pytest.fixture
def auditor_client(auditor: StaffMember) -> Client:
    client = staff_client("auditor")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_an_auditor_sees_the_events_newest_first(chain: list[AuditEvent], auditor_client: Client) -> None:
    response = auditor_client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Audit log" in page
    assert "case-10" in page and "case-1<" in page
    assert "ana_investigator" in page and "Changed a status" in page
    assert page.index("case-10") < page.index("case-9") < page.index("case-1<")
    assert "<script" not in page and "style=" not in page


def test_an_auditor_filters_by_action_actor_and_unit(chain: list[AuditEvent], auditor_client: Client) -> None:
    page = auditor_client.get(PAGE, {"action": AuditAction.TIP_VIEWED}).content.decode()
    assert "case-4<" in page and "case-5<" not in page
    page = auditor_client.get(PAGE, {"actor": "ana_investigator", "unit": 7}).content.decode()
    assert all(f"case-{number}<" in page for number in (1, 5, 7))
    assert "case-3<" not in page and "case-4<" not in page
    page = auditor_client.get(PAGE, {"unit": "not a number"}).content.decode()
    assert "case-10" in page


def test_the_log_is_paged_by_a_hundred(auditor_client: Client) -> None:
    for number in range(1, 131):
        audit_record(actor=None, action=AuditAction.EXPORT, target_type="unit", target_id=f"export-{number}")
    first = auditor_client.get(PAGE, {"action": AuditAction.EXPORT})
    assert len(first.context["page"].object_list) == 100
    page = first.content.decode()
    assert "export-130<" in page and "export-31<" in page and "export-30<" not in page
    assert "?action=export&amp;page=2" in page
    second = auditor_client.get(PAGE, {"action": AuditAction.EXPORT, "page": 2}).content.decode()
    assert "export-30<" in second and "export-1<" in second and "export-31<" not in second


def test_verifying_an_intact_chain(chain: list[AuditEvent], auditor: StaffMember, auditor_client: Client) -> None:
    response = auditor_client.post(VERIFY, follow=True)
    assert response.redirect_chain[-1][0] == PAGE
    page = response.content.decode()
    assert "The audit log is intact" in page
    verified = AuditEvent.objects.get(action=AuditAction.AUDIT_VERIFIED)
    assert verified.actor == auditor.user and verified.details["ok"] is True
    assert "Verified the audit log" in page


def test_verifying_a_broken_chain_names_the_event(chain: list[AuditEvent], auditor_client: Client) -> None:
    lift_triggers()
    raw_update(4, "target_id", "case-99")
    page = auditor_client.post(VERIFY, follow=True).content.decode()
    assert "The audit log is broken at event 4: hash mismatch (row altered)." in page


@pytest.mark.parametrize("username", ["lima_investigator", "lima_supervisor", "manager", "admin"])
def test_other_staff_do_not_find_the_page(cast: dict[str, StaffMember], chain: list[AuditEvent], username: str) -> None:
    client = staff_client(username)
    assert client.get(PAGE).status_code == 404
    assert client.post(VERIFY).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFIED).exists()


def test_an_account_without_a_staff_role_does_not_find_the_page(chain: list[AuditEvent]) -> None:
    client = Client()
    client.force_login(get_user_model().objects.create_user(username="plain", password=PASSWORD))
    # Not verified staff (no role, no second factor): sent to the staff login, never shown the log.
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_anonymous_visitors_are_sent_to_log_in(chain: list[AuditEvent]) -> None:
    for response in (Client().get(PAGE), Client().post(VERIFY)):
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/?next=")
