"""Reads of the audit log for the auditors' page."""

from __future__ import annotations

from django.db.models import QuerySet

from audit.models import AuditEvent


def audit_event_list(*, action: str = "", actor_username: str = "", unit_id: int | None = None) -> QuerySet[AuditEvent]:
    """Return the audit events matching every filter given, newest first."""
    events = AuditEvent.objects.order_by("-seq")
    if action:
        events = events.filter(action=action)
    if actor_username:
        events = events.filter(actor_username=actor_username)
    if unit_id is not None:
        events = events.filter(unit_id=unit_id)
    return events
