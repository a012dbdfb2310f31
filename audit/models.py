"""The append-only, hash-chained audit log of every staff action (DESIGN.md section 6).

Each event's hash covers a canonical serialisation of its own columns and the hash of
the event before it, so changing, removing, inserting or reordering any row breaks
the chain at that point (see `audit.services.audit_verify`). Rows are written only by
`audit.services.audit_record`; the ORM refuses to change or delete them, and a
database trigger (migration 0002) refuses it too.

`details` holds non-content metadata only, such as {"from": "received", "to":
"triage"}. Tip content, the names of people, receipt codes, contact details, IP
addresses and user agents never go into the audit log: it is read by auditors, who
may not read tips, and it is never deleted.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Bumped whenever the serialisation below changes; it is the first element hashed.
HASH_VERSION = "tipline-audit-v1"
# The prev_hash of the first event.
GENESIS_HASH = "0" * 64
TARGET_TYPE_MAX_LENGTH = 20
TARGET_ID_MAX_LENGTH = 64


class AuditLogIsAppendOnly(Exception):
    """An audit event was about to be changed or deleted."""


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed to log in")
    LOGOUT = "logout", _("Logged out")
    LOGOUT_EVERYWHERE = "logout_everywhere", _("Logged out everywhere")
    PASSWORD_CHANGED = "password_changed", _("Changed password")
    TOTP_ENROLLED = "totp_enrolled", _("Enrolled an authenticator")
    TIP_VIEWED = "tip_viewed", _("Viewed a tip")
    ATTACHMENT_DECRYPTED = "attachment_decrypted", _("Opened an attachment")
    ATTACHMENT_INFECTED = "attachment_infected", _("Found an attachment infected")
    MESSAGE_SENT = "message_sent", _("Sent a message to a whistleblower")
    NOTE_ADDED = "note_added", _("Added a note")
    STATUS_CHANGED = "status_changed", _("Changed a status")
    CASE_ASSIGNED = "case_assigned", _("Assigned a case")
    CASE_ACKNOWLEDGED = "case_acknowledged", _("Acknowledged a case")
    TIPS_LINKED = "tips_linked", _("Linked tips")
    TIP_TRANSFERRED = "tip_transferred", _("Transferred a tip")
    RECUSAL_ADDED = "recusal_added", _("Recused someone")
    KEY_GRANTED = "key_granted", _("Granted a key")
    KEY_REVOKED = "key_revoked", _("Revoked a key")
    UNIT_KEY_ROTATED = "unit_key_rotated", _("Rotated a unit key")
    EXPORT = "export", _("Exported data")
    MEMBER_ADDED = "member_added", _("Added a member")
    MEMBER_REMOVED = "member_removed", _("Removed a member")
    SETTINGS_CHANGED = "settings_changed", _("Changed settings")
    PHONE_TIP_ENTERED = "phone_tip_entered", _("Entered a tip from a phone call")
    AUDIT_VERIFIED = "audit_verified", _("Verified the audit log")
    ENTITY_RECORDED = "entity_recorded", _("Recorded an entity named in a tip")
    ENTITY_REMOVED = "entity_removed", _("Removed an entity from a tip")
    PSEUDONYM_VIEWED = "pseudonym_viewed", _("Viewed where a pseudonym appears")
    INDEX_KEY_ROTATED = "index_key_rotated", _("Rotated the index key")
    ADMIN_CHANGED = "admin_changed", _("Changed an organisation record")
    ADMIN_DELETED = "admin_deleted", _("Deleted an organisation record")
    PSEUDONYM_PROBED = "pseudonym_probed", _("Looked up a pseudonym in other units")
    CHANGE_REQUESTED = "change_requested", _("Asked for a routing or role change")
    CHANGE_APPROVED = "change_approved", _("Approved a routing or role change")
    CHANGE_REFUSED = "change_refused", _("Refused a routing or role change")
    ENTITY_CONFIRMED = "entity_confirmed", _("Confirmed an entity the machine found in a tip")
    LINK_JUDGED = "link_judged", _("Judged whether two reports are about the same matter")
    ENTITIES_BACKFILLED = "entities_backfilled", _("Linked the entities of waiting reports through escrow")
    TASK_CHANGED = "task_changed", _("Planned or completed an investigation task")
    INTERVIEW_RECORDED = "interview_recorded", _("Recorded an interview")
    EXHIBIT_REGISTERED = "exhibit_registered", _("Registered an exhibit")
    CUSTODY_CHANGED = "custody_changed", _("Recorded a change of custody of an exhibit")
    SEARCH_RECORDED = "search_recorded", _("Recorded a cell search")
    OUTCOME_RECORDED = "outcome_recorded", _("Recorded an outcome, proceeding or referral")
    REFERRAL_FILE_MADE = "referral_file_made", _("Made a referral file")
    PROTECTION_DECIDED = "protection_decided", _("Decided a protection request")
    PROTECTION_MEASURE_CHANGED = "protection_measure", _("Granted, changed or ended a protection measure")
    DISCLOSURE_REQUESTED = "disclosure_requested", _("Asked for a reserved identity to be disclosed")
    DISCLOSURE_APPROVED = "disclosure_approved", _("Approved the disclosure of a reserved identity")
    DISCLOSURE_REFUSED = "disclosure_refused", _("Refused the disclosure of a reserved identity")
    IDENTITY_OPENED = "identity_opened", _("Read a disclosed identity")
    CUSTODIAN_KEY_GRANTED = "custodian_key_granted", _("Granted the identity custodian key")
    LEGAL_HOLD_CHANGED = "legal_hold", _("Placed or lifted a legal hold")
    RETENTION_CHANGED = "retention_changed", _("Changed a retention schedule")
    CASE_ERASED = "case_erased", _("Deleted a case on its retention schedule")


# Actions whose exact time would date someone who is not staff: an operator's entry of a tip dates the
# caller's call (DESIGN.md section 8). Their events are dated to the start of their day (Lima). The
# chain still places such an event between its neighbours, whose times bound it: on a quiet day that
# may narrow it to less than the day (batching these entries would close that; not done yet).
DAY_DATED_ACTIONS = frozenset({AuditAction.PHONE_TIP_ENTERED})


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Reads as usual; bulk changes and deletions are refused."""

    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One staff (or system) action: who, what, on which object, and the link to the event before."""

    seq = models.BigIntegerField(primary_key=True, help_text="1, 2, 3, ... without gaps; allocated under a lock.")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    actor_username = models.CharField(max_length=150, blank=True, help_text="Empty for the system.")
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    target_type = models.CharField(max_length=TARGET_TYPE_MAX_LENGTH)
    target_id = models.CharField(max_length=TARGET_ID_MAX_LENGTH, blank=True)
    unit_id = models.BigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True, help_text="Non-content metadata only.")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        # Even Django's internal lookups go through the refusing queryset.
        base_manager_name = "objects"
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["action", "-seq"], name="audit_event_action_idx"),
            models.Index(fields=["actor_username", "-seq"], name="audit_event_actor_idx"),
            models.Index(fields=["unit_id", "-seq"], name="audit_event_unit_idx"),
            # One object's history (an exhibit's custody entries: evidence.custody.custody_verify).
            models.Index(fields=["target_type", "target_id", "seq"], name="audit_event_target_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("audit events cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit events cannot be deleted")

    @property
    def is_dated_to_day(self) -> bool:
        """Return True if `at` holds only this event's day (DAY_DATED_ACTIONS), not its time."""
        return self.action in DAY_DATED_ACTIONS

    def canonical_bytes(self) -> bytes:
        """Return the versioned serialisation that the hash covers."""
        fields = [
            HASH_VERSION,
            self.seq,
            self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            self.actor_id,
            self.actor_username,
            self.action,
            self.target_type,
            self.target_id,
            self.unit_id,
            self.details,
            self.prev_hash,
        ]
        return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()

    def compute_hash(self) -> str:
        """Return the SHA-256 of this event's canonical serialisation, in hex."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()


class AuditChainHead(models.Model):
    """The newest event's seq and hash: the single row that writers lock to take turns.

    It also lets verification notice a deleted last event, which leaves no gap behind.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_is_a_singleton")]

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_seq}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("the audit chain head cannot be deleted")
