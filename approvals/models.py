"""A change to routing or to a role that waits for a second person's approval (DESIGN.md section 5).

Who reads future reports is decided by routing (a unit's kind, region -> unit,
facility -> region, routing rules) and by roles (a supervisor seals the unit key to
anyone). An administrator's edit of either is not applied: it is kept here, with the
record's values before and the values asked for, until a supervisor of the national
unit (routing) or of the affected unit (roles), never the person who asked, approves
or refuses it (approvals/services.py).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The fields whose change must be approved, by model label: every other field is edited directly.
ROUTING_FIELDS: dict[str, tuple[str, ...]] = {
    "org.unit": ("kind",),
    "org.region": ("unit",),
    "org.facility": ("region",),
    "org.routingrule": ("facility", "category", "unit", "priority", "is_active"),
}
ROLE_FIELDS: dict[str, tuple[str, ...]] = {"accounts.staffmember": ("role",)}


def governed_fields(model: type[models.Model]) -> tuple[str, ...]:
    """Return the fields of `model` whose change waits for approval (empty for any other model)."""
    label = model._meta.label_lower
    return ROUTING_FIELDS.get(label) or ROLE_FIELDS.get(label) or ()


class PendingChange(models.Model):
    """One requested create, update or delete of a routing record or a role, and its decision."""

    class Kind(models.TextChoices):
        ROUTING = "routing", pgettext_lazy("change kind", "Routing")
        ROLE = "role", pgettext_lazy("change kind", "Role")

    class Operation(models.TextChoices):
        CREATE = "create", pgettext_lazy("change operation", "Create")
        UPDATE = "update", pgettext_lazy("change operation", "Change")
        DELETE = "delete", pgettext_lazy("change operation", "Delete")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("change status", "Awaiting approval")
        APPLIED = "applied", pgettext_lazy("change status", "Approved and applied")
        REFUSED = "refused", pgettext_lazy("change status", "Refused")
        OBSOLETE = (
            "obsolete",
            pgettext_lazy("change status", "Not applied: the record changed or the change breaks a rule"),
        )

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    operation = models.CharField(_("operation"), max_length=10, choices=Operation.choices)
    model = models.CharField(max_length=50, help_text="The app label and model name, e.g. org.unit.")
    object_id = models.PositiveIntegerField(null=True, blank=True, help_text="Empty until a created record exists.")
    # Only the governed fields, foreign keys as ids: what the record held when asked, and what was asked for.
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="changes_requested"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="changes_decided"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="pendingchange_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_operation_display()} {self.model} {self.object_id or ''}".strip()

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
