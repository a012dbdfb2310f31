"""Write to the audit log and verify its hash chain.

Call `audit_record` from the service that performs the action, inside the same
transaction as the change it records, so the event exists exactly when the change
does (views never call it). Writers take turns on the chain head's row lock until
their transaction ends, so record the event late in a long transaction.

The audit log imports no app: every app writes to it.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import Subquery
from django.utils import timezone

from audit.models import (
    DAY_DATED_ACTIONS,
    GENESIS_HASH,
    TARGET_ID_MAX_LENGTH,
    TARGET_TYPE_MAX_LENGTH,
    AuditAction,
    AuditChainHead,
    AuditEvent,
)

DETAILS_MAX_BYTES = 2048
# Keys that would carry content or identity. A key is refused when one of these is
# one of its underscore-separated parts: "client_ip" and "receipt_code" are refused,
# "recipient" and "ship_date" are not.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "body",
        "contact",
        "content",
        "description",
        "email",
        "ip",
        "ip_address",
        "password",
        "phone",
        "plaintext",
        "receipt",
        "text",
        "user_agent",
        "useragent",
    }
)
VERIFY_CHUNK_SIZE = 2000
# A logged value is cut to this many characters, so an event stays well under the details limit.
AUDIT_VALUE_MAX_CHARS = 120


@dataclass(frozen=True)
class AuditVerification:
    """The result of walking the chain: where it first breaks, if it does, and why."""

    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
    head_hash: str = ""


def _forbidden_key(key: str) -> bool:
    normalised = f"_{key.strip().lower().replace('-', '_').replace(' ', '_')}_"
    return any(f"_{word}_" in normalised for word in FORBIDDEN_DETAIL_KEYS)


def _refuse_content(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("audit details keys must be strings")
            if _forbidden_key(key):
                raise ValueError(f"audit details may not carry content or identity (key {key!r})")
            _refuse_content(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_content(item)
    elif isinstance(value, float):
        # A float may not survive the database's JSON type unchanged, and then its hash would not match.
        raise ValueError("audit details may not hold floats; use an integer or a string")


def _clean_details(details: dict[str, Any] | None) -> dict[str, Any]:
    if details is None:
        return {}
    if not isinstance(details, dict):
        raise ValueError("audit details must be a dict")
    _refuse_content(details)
    try:
        text = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"audit details must be JSON-serialisable: {exc}") from exc
    if len(text.encode()) > DETAILS_MAX_BYTES:
        raise ValueError(f"audit details must be smaller than {DETAILS_MAX_BYTES} bytes")
    # Store exactly what the database will give back (tuples become lists), so the hash still matches.
    cleaned: dict[str, Any] = json.loads(text)
    return cleaned


def audit_snapshot(obj: models.Model, *, fields: Iterable[str] | None = None) -> dict[str, object]:
    """Return the record's concrete field values (foreign keys as ids) as small JSON values.

    Only the named `fields` when given. Binary fields are left out: on StaffMember
    they are the public key and the wrapped private key, which have no place in the
    log. Call it on organisation and staff records only, never on a tip's.
    """
    wanted = set(fields) if fields is not None else None
    snapshot: dict[str, object] = {}
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.BinaryField) or field.primary_key:
            continue
        if wanted is not None and field.name not in wanted:
            continue
        value = field.value_from_object(obj)
        if value is not None and not isinstance(value, bool | int | str):
            value = str(value)
        if isinstance(value, str):
            value = value[:AUDIT_VALUE_MAX_CHARS]
        snapshot[field.name] = value
    return snapshot


def audit_changes(before: dict[str, object], after: dict[str, object]) -> list[dict[str, object]]:
    """Return the fields whose values differ, each as {"field", "from", "to"} (None for absent)."""
    return [
        {"field": name, "from": before.get(name), "to": after.get(name)}
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]


def _event_time(action: str) -> datetime.datetime:
    """Return the time to store for an event: now, or the start of today (Lima) for DAY_DATED_ACTIONS."""
    if action in DAY_DATED_ACTIONS:
        return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    return timezone.now()


def audit_record(
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: str | int,
    unit_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log, chained to the one before it.

    `actor` is None for the system (Celery, management commands). `details` is
    non-content metadata only; raise ValueError for an unknown action, or for
    details that are not small JSON or have a key that names content or identity
    (description, body, contact, receipt, ip, user_agent, ...). An action of
    DAY_DATED_ACTIONS is dated to the start of its day: the chain still orders it
    among the others, and its hash covers that day like any other time.
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if not target_type or len(target_type) > TARGET_TYPE_MAX_LENGTH:
        raise ValueError(f"audit target_type must be a non-empty string of at most {TARGET_TYPE_MAX_LENGTH} characters")
    target = str(target_id)
    if len(target) > TARGET_ID_MAX_LENGTH:
        raise ValueError(f"audit target_id must be at most {TARGET_ID_MAX_LENGTH} characters")
    cleaned = _clean_details(details)
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.last_seq + 1,
            # Taken under the lock, so time never runs backwards along the chain (but for day-dated events).
            at=_event_time(action),
            actor=actor,
            actor_username=actor.get_username() if actor is not None else "",
            action=str(action),
            target_type=target_type,
            target_id=target,
            unit_id=unit_id,
            details=cleaned,
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def _broken(checked: int, seq: int, reason: str) -> AuditVerification:
    return AuditVerification(ok=False, checked=checked, first_broken_seq=seq, reason=reason)


def audit_verify() -> AuditVerification:
    """Walk the whole chain in order and report the first event where it breaks.

    Every event's hash is recomputed and its link to the one before checked; seq
    must run 1, 2, 3, ... without gaps (a deleted row leaves one) and the last event
    must be the one the chain head points to (a deleted last row leaves no gap).
    Events appended while this runs are left for the next run. Memory use does not
    grow with the log.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.last_seq if head is not None else 0
    expected_seq = 1
    expected_prev = GENESIS_HASH
    checked = 0
    events = AuditEvent.objects.filter(seq__lte=head_seq).order_by("seq")
    for event in events.iterator(chunk_size=VERIFY_CHUNK_SIZE):
        if event.seq > expected_seq:
            return _broken(checked, event.seq, f"row missing before seq {event.seq}")
        if event.seq < expected_seq:
            return _broken(checked, event.seq, f"unexpected seq {event.seq} (expected {expected_seq})")
        if event.prev_hash != expected_prev:
            return _broken(
                checked, event.seq, "link broken: prev_hash is not the previous event's hash (reordered or re-linked)"
            )
        if event.compute_hash() != event.hash:
            return _broken(checked, event.seq, "hash mismatch (row altered)")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    last_seq = expected_seq - 1
    if head is None:
        first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
        if first is not None:
            return _broken(checked, first, "chain head missing")
        return AuditVerification(ok=True, checked=0, first_broken_seq=None, reason="", head_hash=GENESIS_HASH)
    if head.last_seq != last_seq:
        return _broken(
            checked, last_seq + 1, f"row missing after seq {last_seq}: the chain head is at seq {head.last_seq}"
        )
    if head.last_hash != expected_prev:
        return _broken(checked, last_seq, "chain head does not match the last event (head altered)")
    # One statement, so an event committed meanwhile (with its head update) is not mistaken for a stray.
    stray = (
        AuditEvent.objects.filter(seq__gt=Subquery(AuditChainHead.objects.filter(pk=1).values("last_seq")[:1]))
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    if stray is not None:
        return _broken(checked, stray, "event not recorded in the chain head (written outside audit_record)")
    return AuditVerification(ok=True, checked=checked, first_broken_seq=None, reason="", head_hash=head.last_hash)


def audit_chain_verify(*, actor: User | None) -> AuditVerification:
    """Verify the chain (audit_verify) and append the result to it, as done by `actor` (None for the system)."""
    result = audit_verify()
    audit_record(
        actor=actor,
        action=AuditAction.AUDIT_VERIFIED,
        target_type="audit_log",
        target_id="",
        details={"ok": result.ok, "checked": result.checked, "first_broken_seq": result.first_broken_seq},
    )
    return result
