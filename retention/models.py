"""Retention schedules per unit, legal holds, and what deletion keeps (retention/services.py).

A closed case is deleted when its unit's schedule says so: counted from its closing
day, or for a substantiated case from the end of its last disciplinary proceeding,
and never while a legal hold is placed on it. Deletion destroys every sealed copy of
every key of the case and its tips (unit, escrow, receipt; the reserved identities'
custodian and escrow copies), the ciphertext and the attachment files; the clear
metadata stays (so the roll-ups keep their counts), the audit chain keeps a deletion
record without content, and the receipt opens a page that says the report was closed
and deleted on schedule.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionSchedule(models.Model):
    """How long a unit keeps a closed case, by how it was closed (years)."""

    unit = models.OneToOneField("org.Unit", on_delete=models.CASCADE, related_name="retention_schedule")
    not_actionable_years = models.PositiveSmallIntegerField(_("closed as not actionable: keep for (years)"), default=1)
    unsubstantiated_years = models.PositiveSmallIntegerField(_("unsubstantiated: keep for (years)"), default=2)
    substantiated_years = models.PositiveSmallIntegerField(
        _("substantiated: keep after the disciplinary proceedings end for (years)"), default=5
    )
    referred_years = models.PositiveSmallIntegerField(_("referred to another authority: keep for (years)"), default=5)
    updated_on = models.DateField(auto_now=True)

    class Meta:
        verbose_name = _("retention schedule")

    def __str__(self) -> str:
        return f"Retention schedule of {self.unit}"


class LegalHold(models.Model):
    """A hold that stops a case's retention clock (a court order, a pending appeal...) until it is lifted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="legal_holds")
    reason_ct = models.BinaryField(help_text="Why, encrypted under the case key (envelope.LEGAL_HOLD).")
    placed_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    placed_on = models.DateField()
    lifted_by = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_on", "-id"]
        indexes = [models.Index(fields=["case"], condition=models.Q(lifted_on__isnull=True), name="legal_hold_active")]

    def __str__(self) -> str:
        return f"Legal hold on {self.case}"

    @property
    def is_active(self) -> bool:
        return self.lifted_on is None
