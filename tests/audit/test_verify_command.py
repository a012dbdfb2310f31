"""`manage.py verify_audit_log`: what it prints, how it exits, and when it records itself."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditAction, AuditEvent
from tests.audit.tamper import lift_triggers, raw_update

pytestmark = pytest.mark.django_db


def test_an_intact_log_is_reported_ok(chain: list[AuditEvent]) -> None:
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Audit log OK: 10 events verified."
    assert lines[1] == f"Chain head: event 10, hash {chain[-1].hash}"
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFIED).exists()


def test_a_broken_log_fails_naming_the_event(chain: list[AuditEvent]) -> None:
    lift_triggers()
    raw_update(7, "details", {"from": "received", "to": "closed"})
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_log", stdout=StringIO())
    assert str(failure.value) == "Audit log BROKEN at event 7: hash mismatch (row altered)"
    assert failure.value.returncode == 1
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFIED).exists()


def test_record_appends_the_result_to_the_log(chain: list[AuditEvent]) -> None:
    call_command("verify_audit_log", "--record", stdout=StringIO())
    event = AuditEvent.objects.get(action=AuditAction.AUDIT_VERIFIED)
    assert (event.seq, event.actor, event.details) == (11, None, {"ok": True, "checked": 10, "first_broken_seq": None})
    call_command("verify_audit_log", stdout=(out := StringIO()))
    assert out.getvalue().startswith("Audit log OK: 11 events verified.")


def test_record_also_records_a_failure(chain: list[AuditEvent]) -> None:
    lift_triggers()
    raw_update(7, "target_id", "case-99")
    with pytest.raises(CommandError):
        call_command("verify_audit_log", "--record", stdout=StringIO())
    event = AuditEvent.objects.get(action=AuditAction.AUDIT_VERIFIED)
    assert event.details == {"ok": False, "checked": 6, "first_broken_seq": 7}
