"""Reads behind the changes page and the announcement mail: changes described in people's words."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet

from approvals.models import PendingChange

RECENT_DECIDED = 50


@dataclass(frozen=True)
class ChangeLine:
    """One field of a change: its label, and its value before and after, as a person reads them."""

    field: str
    before: str
    after: str


def _display(field: models.Field, value: object) -> str:  # type: ignore[type-arg]
    if value is None or value == "":
        return "—"
    if field.is_relation and field.related_model is not None:
        related = field.related_model._default_manager.filter(pk=value).first()  # type: ignore[union-attr]
        return str(related) if related is not None else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def change_lines(change: PendingChange) -> list[ChangeLine]:
    """Return the fields the change touches, with labels and values resolved (names, not ids)."""
    meta = change.model_class()._meta
    lines = []
    for name in sorted(change.before.keys() | change.after.keys()):
        before, after = change.before.get(name), change.after.get(name)
        if before == after:
            continue
        field = meta.get_field(name)
        label = str(getattr(field, "verbose_name", name))
        lines.append(ChangeLine(field=label, before=_display(field, before), after=_display(field, after)))  # type: ignore[arg-type]
    return lines


def change_subject(change: PendingChange) -> str:
    """Return what the change is about: the record's name (or its kind for one yet to be created)."""
    model = change.model_class()
    obj = model._default_manager.filter(pk=change.object_id).first() if change.object_id else None
    return f"{model._meta.verbose_name}: {obj}" if obj is not None else str(model._meta.verbose_name)


def pending_changes() -> QuerySet[PendingChange]:
    """Return the changes awaiting approval, oldest first (the first asked is the first to decide)."""
    return (
        PendingChange.objects.filter(status=PendingChange.Status.PENDING)
        .select_related("requested_by")
        .order_by("requested_at", "id")
    )


def recent_decided_changes() -> QuerySet[PendingChange]:
    """Return the latest decided changes, newest first."""
    return (
        PendingChange.objects.exclude(status=PendingChange.Status.PENDING)
        .select_related("requested_by", "decided_by")
        .order_by("-decided_at", "-id")[:RECENT_DECIDED]
    )
