"""Recording events: each one links to the one before, and the whole chain verifies."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from audit.models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEvent
from audit.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db


def test_a_chain_of_events_verifies(chain: list[AuditEvent]) -> None:
    result = audit_verify()
    assert result.ok, result.reason
    assert result.checked == 10
    assert result.first_broken_seq is None
    assert result.head_hash == chain[-1].hash


def test_an_empty_log_verifies(db: None) -> None:
    result = audit_verify()
    assert result.ok and result.checked == 0


def test_events_are_numbered_and_each_links_to_the_one_before(chain: list[AuditEvent]) -> None:
    assert [event.seq for event in chain] == list(range(1, 11))
    assert chain[0].prev_hash == GENESIS_HASH
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
        assert after.at >= before.at
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (10, chain[-1].hash)


def test_the_hash_is_sha256_of_the_documented_serialisation(actor: User) -> None:
    event = audit_record(
        actor=actor,
        action=AuditAction.STATUS_CHANGED,
        target_type="case",
        target_id=42,
        unit_id=3,
        details={"to": "triage", "from": "received"},
    )
    stored = AuditEvent.objects.get(seq=event.seq)
    serialised = json.dumps(
        [
            "tipline-audit-v1",
            1,
            stored.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            actor.pk,
            "ana_investigator",
            "status_changed",
            "case",
            "42",
            3,
            {"from": "received", "to": "triage"},
            "0" * 64,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert stored.hash == hashlib.sha256(serialised.encode()).hexdigest()


def test_the_actors_name_survives_a_rename(chain: list[AuditEvent], actor: User) -> None:
    actor.username = "ana_renamed"
    actor.save(update_fields=["username"])
    assert AuditEvent.objects.get(seq=1).actor_username == "ana_investigator"
    assert audit_verify().ok


def test_system_events_have_no_actor(chain: list[AuditEvent]) -> None:
    system_event = AuditEvent.objects.get(seq=3)
    assert system_event.actor is None and system_event.actor_username == ""


def test_an_event_rolled_back_with_its_transaction_leaves_no_gap(chain: list[AuditEvent]) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action=AuditAction.EXPORT, target_type="unit", target_id=7)
        raise RuntimeError("the export failed")
    audit_record(actor=None, action=AuditAction.EXPORT, target_type="unit", target_id=7)
    result = audit_verify()
    assert result.ok and result.checked == 11


@pytest.mark.parametrize(
    "details",
    [
        {"description": "the guard at gate 2"},
        {"body": "hello"},
        {"contact": "+51 999 999 999"},
        {"receipt": "1234 5678 9012 3456"},
        {"receipt_code": "1234"},
        {"ip": "203.0.113.9"},
        {"client_ip": "203.0.113.9"},
        {"user_agent": "Mozilla/5.0"},
        {"User-Agent": "Mozilla/5.0"},
        {"changes": {"description": "nested"}},
        {"changes": [{"contact": "nested in a list"}]},
    ],
)
def test_details_that_name_content_or_identity_are_refused(details: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="content or identity"):
        audit_record(actor=None, action=AuditAction.NOTE_ADDED, target_type="case", target_id=1, details=details)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "details",
    [
        {"padding": "x" * 2100},
        {"when": object()},
        {"score": 0.5},
        {"nan": [float("nan")]},
        ["not", "a", "dict"],
    ],
    ids=["too-large", "not-json", "float", "nan", "not-a-dict"],
)
def test_details_that_are_not_small_json_metadata_are_refused(details: Any) -> None:
    with pytest.raises(ValueError):
        audit_record(actor=None, action=AuditAction.NOTE_ADDED, target_type="case", target_id=1, details=details)
    assert not AuditEvent.objects.exists()


def test_ordinary_metadata_is_accepted(db: None) -> None:
    details = {"from": "received", "to": "triage", "assignee": "lima_investigator", "recipient_unit": 3, "ok": True}
    event = audit_record(actor=None, action=AuditAction.CASE_ASSIGNED, target_type="case", target_id=1, details=details)
    assert AuditEvent.objects.get(seq=event.seq).details == details


def test_an_unknown_action_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_record(actor=None, action="tip_deleted", target_type="tip", target_id=1)
    assert not AuditEvent.objects.exists()
