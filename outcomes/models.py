"""What a case led to: the persons concerned and their outcomes, disciplinary proceedings, referrals, exports.

A person concerned (the guard, the supplier, the visitor a case is about) is known to
everything outside the case by a code ("P-1"); their name and details are encrypted
under the case key (envelope.PERSON_CONCERNED). A proceeding's reference, stage and
sanction, a referral's authority, reference and status, and the national complaints
platform's code are official clear metadata: they feed the ISO 37002 indicators and
the public figures, counted under the small-count rule, never listed outside the unit.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonRole(models.TextChoices):
    STAFF = "staff", _("Prison staff")
    VISITOR = "visitor", _("Visitor")
    INMATE = "inmate", _("Inmate")
    SUPPLIER = "supplier", _("Supplier or contractor")
    OTHER = "other", _("Other")


class PersonOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    SANCTIONED = "sanctioned", _("Sanctioned")
    CLEARED = "cleared", _("Cleared")
    REFERRED = "referred", _("Referred to another authority")
    LEFT = "left", _("Left the institution before a decision")
    NO_ACTION = "no_action", _("No action possible")


class PersonConcerned(models.Model):
    """Someone a case is about, by code; name and details encrypted under the case key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="persons_concerned")
    code = models.CharField(max_length=10, help_text="P-1, P-2, ... within the case.")
    role = models.CharField(max_length=20, choices=PersonRole.choices)
    name_ct = models.BinaryField()
    details_ct = models.BinaryField(default=b"")
    outcome = models.CharField(max_length=20, choices=PersonOutcome.choices, default=PersonOutcome.PENDING)
    outcome_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="one_person_code_per_case")]

    def __str__(self) -> str:
        return f"{self.code} of {self.case}"


class ProceedingStage(models.TextChoices):
    """The stages of a disciplinary proceeding (PAD) under Ley 30057 del Servicio Civil."""

    PRELIMINARY = "preliminary", _("Preliminary inquiry")
    INSTRUCTION = "instruction", _("Instruction phase")
    SANCTIONING = "sanctioning", _("Sanctioning phase")
    APPEAL = "appeal", _("Appeal")
    CONCLUDED = "concluded", _("Concluded")


class Sanction(models.TextChoices):
    NONE_YET = "", _("None yet")
    DISMISSED = "no_sanction", _("Closed without sanction")
    VERBAL_WARNING = "verbal_warning", _("Verbal warning")
    WRITTEN_WARNING = "written_warning", _("Written warning")
    SUSPENSION = "suspension", _("Suspension without pay")
    DISMISSAL = "dismissal", _("Dismissal")
    DISQUALIFICATION = "disqualification", _("Disqualification from public service")


# The sanctions that count as "sanctions imposed" (the public figures, sanctions per substantiated case).
IMPOSED_SANCTIONS = frozenset(
    {
        Sanction.VERBAL_WARNING,
        Sanction.WRITTEN_WARNING,
        Sanction.SUSPENSION,
        Sanction.DISMISSAL,
        Sanction.DISQUALIFICATION,
    }
)


class Proceeding(models.Model):
    """A disciplinary proceeding opened on a case against one person concerned: reference, stage, sanction."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="proceedings")
    person = models.ForeignKey(
        PersonConcerned, null=True, blank=True, on_delete=models.SET_NULL, related_name="proceedings"
    )
    reference = models.CharField(_("reference"), max_length=100)
    stage = models.CharField(max_length=20, choices=ProceedingStage.choices, default=ProceedingStage.PRELIMINARY)
    sanction = models.CharField(max_length=20, choices=Sanction.choices, blank=True, default=Sanction.NONE_YET)
    suspension_days = models.PositiveSmallIntegerField(null=True, blank=True)
    opened_on = models.DateField()
    sanctioned_on = models.DateField(null=True, blank=True)
    concluded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["opened_on", "id"]
        indexes = [models.Index(fields=["sanctioned_on"], name="proceeding_by_sanction_day")]

    def __str__(self) -> str:
        return f"Proceeding {self.reference}"


class Authority(models.TextChoices):
    PROCURADURIA = "procuraduria", _("Public Prosecutor's Office of the sector (Procuraduría)")
    FISCALIA = "fiscalia", _("Public Ministry (Fiscalía)")
    CONTROL_OFFICE = "control_office", _("The entity's control office (OCI)")
    CONTRALORIA = "contraloria", _("Comptroller General (Contraloría)")
    POLICE = "police", _("National Police")
    OTHER = "other", _("Other authority")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received by the authority")
    IN_PROGRESS = "in_progress", _("In progress there")
    CONCLUDED = "concluded", _("Concluded there")
    RETURNED = "returned", _("Returned to us")


class Referral(models.Model):
    """The case (or part of it) sent to another authority, with that authority's reference and status."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    authority = models.CharField(max_length=20, choices=Authority.choices)
    reference = models.CharField(_("their reference"), max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    sent_on = models.DateField()
    updated_on = models.DateField()

    class Meta:
        ordering = ["sent_on", "id"]

    def __str__(self) -> str:
        return f"Referral to {self.authority} of {self.case}"


class PlatformFiling(models.Model):
    """The code the same matter has on Peru's national complaints platform, where it was filed there too."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="platform_filings")
    code = models.CharField(_("platform code"), max_length=50)
    recorded_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="one_platform_code_per_case")]

    def __str__(self) -> str:
        return f"{self.code} ({self.case})"


class ReferralExport(models.Model):
    """One referral file (PDF) made of a case: who made it, its SHA-256, and what was redacted (ids, no content)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referral_exports")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports")
    made_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)
    # Indexed: "verify a referral file" finds the export by it.
    sha256 = models.CharField(max_length=64, db_index=True)
    # Field names and message/note ids left out, and the exhibits' ids with their SHA-256: never content.
    redactions = models.JSONField(default=list)
    manifest = models.JSONField(default=list)

    class Meta:
        ordering = ["-made_at", "-id"]

    def __str__(self) -> str:
        return f"Referral file {self.public_id}"
