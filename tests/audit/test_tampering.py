"""Tampering with the stored log, by someone who can lift the triggers, is found at the row it touched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from audit.models import AuditChainHead, AuditEvent
from audit.services import audit_verify
from tests.audit.tamper import lift_triggers, raw_delete, raw_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def tamperable(chain: list[AuditEvent]) -> list[AuditEvent]:
    lift_triggers()
    return chain


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("at", lambda e: e.at - timedelta(seconds=1)),
        ("actor_id", lambda e: None),
        ("actor_username", lambda e: "someone_else"),
        ("action", lambda e: "export"),
        ("target_type", lambda e: "tip"),
        ("target_id", lambda e: "case-99"),
        ("unit_id", lambda e: 8),
        ("details", lambda e: {"from": "received", "to": "closed", "step": 4}),
        ("prev_hash", lambda e: "f" * 64),
        ("hash", lambda e: "0" * 63 + "1"),
    ],
)
def test_altering_any_column_is_detected_at_that_row(tamperable: list[AuditEvent], column: str, value: Any) -> None:
    raw_update(4, column, value(tamperable[3]))
    result = audit_verify()
    assert not result.ok
    assert result.first_broken_seq == 4
    assert result.checked == 3


def test_an_altered_row_is_reported_as_altered(tamperable: list[AuditEvent]) -> None:
    raw_update(4, "target_id", "case-99")
    assert audit_verify().reason == "hash mismatch (row altered)"


def test_an_altered_row_with_a_recomputed_hash_is_detected_at_the_next_row(tamperable: list[AuditEvent]) -> None:
    forged = AuditEvent.objects.get(seq=4)
    forged.target_id = "case-99"
    raw_update(4, "target_id", "case-99")
    raw_update(4, "hash", forged.compute_hash())
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 5)
    assert "link broken" in result.reason


def test_deleting_a_middle_row_is_detected(tamperable: list[AuditEvent]) -> None:
    raw_delete(5)
    result = audit_verify()
    assert (result.ok, result.first_broken_seq, result.reason) == (False, 6, "row missing before seq 6")


def test_deleting_the_first_row_is_detected(tamperable: list[AuditEvent]) -> None:
    raw_delete(1)
    result = audit_verify()
    assert (result.ok, result.first_broken_seq, result.reason) == (False, 2, "row missing before seq 2")


def test_deleting_the_last_row_is_detected_through_the_chain_head(tamperable: list[AuditEvent]) -> None:
    raw_delete(10)
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 10)
    assert result.reason == "row missing after seq 9: the chain head is at seq 10"


def test_swapping_two_rows_is_detected(tamperable: list[AuditEvent]) -> None:
    raw_update(4, "seq", 1000)
    raw_update(5, "seq", 4)
    raw_update(1000, "seq", 5)
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 4)


def test_relinking_around_a_removed_row_is_detected(tamperable: list[AuditEvent]) -> None:
    # Remove event 5, renumber the rest down and point 6 (now 5) at 4: no gap is left.
    raw_delete(5)
    for seq in range(6, 11):
        raw_update(seq, "seq", seq - 1)
    raw_update(5, "prev_hash", tamperable[3].hash)
    head = AuditChainHead.objects.get()
    head.last_seq = 9
    head.save(update_fields=["last_seq"])
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 5)


def test_a_changed_chain_head_is_detected(chain: list[AuditEvent]) -> None:
    AuditChainHead.objects.update(last_hash="a" * 64)
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 10)
    assert "chain head" in result.reason


def test_a_missing_chain_head_is_detected(chain: list[AuditEvent]) -> None:
    AuditChainHead.objects.all().delete()
    result = audit_verify()
    assert (result.ok, result.reason) == (False, "chain head missing")


def test_an_event_inserted_outside_the_chain_is_detected(chain: list[AuditEvent]) -> None:
    stray = AuditEvent(
        seq=11, at=chain[-1].at, action="login", target_type="user", target_id="1", prev_hash=chain[-1].hash
    )
    stray.hash = stray.compute_hash()
    stray.save()
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 11)
