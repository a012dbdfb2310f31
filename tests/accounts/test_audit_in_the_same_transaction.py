"""Logging out, ending every session and clearing a login lock: the change and its audit entry go together."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import security, services
from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


class AuditDown(Exception):
    pass


def _refuse(**kwargs: Any) -> None:
    raise AuditDown


def _sessions_of(member: StaffMember) -> int:
    user_id = str(member.user.pk)
    return sum(1 for session in Session.objects.all() if session.get_decoded().get("_auth_user_id") == user_id)


def _logged_in(client: Client) -> bool:
    return client.get("/staff/account/").status_code == 200


def test_logging_out_everywhere_ends_every_session_and_records_how_many(cast: dict[str, StaffMember]) -> None:
    member = cast["lima_investigator"]
    phone, laptop = staff_client("lima_investigator"), staff_client("lima_investigator")

    assert services.staff_sessions_end_all(user=member.user) == 2

    assert _sessions_of(member) == 0
    assert not _logged_in(phone) and not _logged_in(laptop)
    entry = AuditEvent.objects.get(action=AuditAction.LOGOUT_EVERYWHERE)
    assert entry.details == {"sessions": 2}


def test_a_failed_audit_write_ends_no_session(cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch) -> None:
    member = cast["lima_investigator"]
    phone, laptop = staff_client("lima_investigator"), staff_client("lima_investigator")
    monkeypatch.setattr(services, "audit_record", _refuse)

    with pytest.raises(AuditDown):
        services.staff_sessions_end_all(user=member.user)

    assert _sessions_of(member) == 2
    assert _logged_in(phone) and _logged_in(laptop)


def test_logging_out_is_recorded(cast: dict[str, StaffMember]) -> None:
    client = staff_client("lima_investigator")

    assert client.post("/staff/logout/").status_code == 302

    assert not _logged_in(client)
    entry = AuditEvent.objects.filter(action=AuditAction.LOGOUT).get()
    assert entry.actor == cast["lima_investigator"].user


def test_a_failed_audit_write_does_not_log_out(cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch) -> None:
    client = staff_client("lima_investigator")
    monkeypatch.setattr(services, "audit_record", _refuse)

    with pytest.raises(AuditDown):
        client.post("/staff/logout/")

    monkeypatch.undo()
    assert _logged_in(client)
    assert not AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()


@pytest.fixture
def locked(cast: dict[str, StaffMember], settings: Any, monkeypatch: pytest.MonkeyPatch, fresh_cache: None) -> str:
    """Lock out lima_investigator's user name with too many failures."""
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"test-{uuid.uuid4()}")
    username = cast["lima_investigator"].user.get_username()
    for _ in range(settings.STAFF_LOGIN_MAX_FAILURES):
        security.login_failure_record(username=username)
    assert security.login_throttle_locked(username=username)
    return username


def test_clearing_a_login_lock_is_recorded(locked: str, cast: dict[str, StaffMember]) -> None:
    security.login_lock_clear(user=cast["lima_investigator"].user, actor=cast["admin"])

    assert not security.login_throttle_locked(username=locked)
    entry = AuditEvent.objects.get(action=AuditAction.SETTINGS_CHANGED)
    assert entry.actor == cast["admin"].user
    assert entry.details == {"login_lock": "cleared"}


def test_a_failed_audit_write_keeps_the_lock(
    locked: str, cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(security, "audit_record", _refuse)

    with pytest.raises(AuditDown):
        security.login_lock_clear(user=cast["lima_investigator"].user, actor=cast["admin"])

    assert security.login_throttle_locked(username=locked)
