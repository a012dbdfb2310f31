"""Protection of the whistleblower (D.Leg. 1327, ISO 37002): decisions, measures and check-ins.

A protection request (on the report, or later at /followup/) sets the case's
`protection_due`, counted in Peruvian working days (cases.deadlines). A supervisor
decides it (ProtectionDecision), grants measures (ProtectionMeasure: which, by whom,
until when), and the whistleblower reads both in plain words at /followup/. Each
decision, and the closure of the case, schedules check-ins 30, 60 and 90 days later
(CheckIn): a question the whistleblower answers at /followup/. Retaliation is
reported from /followup/ at any time: a new tip of category "retaliation", routed to
the national unit as a case of its own (tipline.Tip.retaliation_for links the two).

Only clear metadata is kept here (kinds, dates, who decided); what the whistleblower
writes goes into the tip's thread, sealed under its data key like any reply.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

# Check-ins after a decision and after closure, in calendar days.
CHECK_IN_DAYS = (30, 60, 90)


class MeasureKind(models.TextChoices):
    """A protection measure; what the whistleblower reads about each is in MEASURE_EXPLANATIONS, beside it."""

    IDENTITY_RESERVED = "identity_reserved", _("Identity kept reserved")
    TEMPORARY_TRANSFER = "temporary_transfer", _("Temporary transfer to another post or facility")
    POST_KEPT = "post_kept", _("Contract or post kept")
    DUTIES_CHANGED = "duties_changed", _("Change of shifts or duties")
    PERSONAL_SECURITY = "personal_security", _("Personal security measures")
    LEGAL_ASSISTANCE = "legal_assistance", _("Legal assistance")
    OTHER = "other", _("Other measure")


# What each measure means, in the whistleblower's words (shown at /followup/).
MEASURE_EXPLANATIONS = {
    MeasureKind.IDENTITY_RESERVED: _(
        "Your name and contact details are kept reserved: the investigators know you only by a code."
    ),
    MeasureKind.TEMPORARY_TRANSFER: _(
        "You will be moved for a time to another post or place, away from the people you reported."
    ),
    MeasureKind.POST_KEPT: _(
        "Your contract or post is protected: you cannot be dismissed or not renewed for reporting."
    ),
    MeasureKind.DUTIES_CHANGED: _(
        "Your shifts or duties are changed so that you do not work with the people you reported."
    ),
    MeasureKind.PERSONAL_SECURITY: _("Measures are taken to keep you physically safe."),
    MeasureKind.LEGAL_ASSISTANCE: _("You will be given legal advice and assistance."),
    MeasureKind.OTHER: _("Internal affairs will explain this measure to you in a message."),
}


class ProtectionDecision(models.Model):
    """A supervisor's decision on a protection request: granted or refused, when, and the deadline it met."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="protection_decisions")
    granted = models.BooleanField()
    decided_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField()
    due_on = models.DateField(help_text="The working-day deadline this decision answered.")

    class Meta:
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"Protection {'granted' if self.granted else 'refused'} on {self.case}"

    @property
    def on_time(self) -> bool:
        return self.decided_on <= self.due_on


class ProtectionMeasure(models.Model):
    """One granted measure: which, by whom, from when and until when (or until ended)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="protection_measures")
    decision = models.ForeignKey(
        ProtectionDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="measures"
    )
    kind = models.CharField(max_length=30, choices=MeasureKind.choices)
    granted_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    granted_on = models.DateField()
    until = models.DateField(null=True, blank=True, help_text="Empty: until the case is closed and monitored.")
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["granted_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case}"

    @property
    def explanation(self) -> str:
        return str(MEASURE_EXPLANATIONS[MeasureKind(self.kind)])


class CheckIn(models.Model):
    """A question to the whistleblower 30, 60 or 90 days after a protection decision or the case's closure."""

    class After(models.TextChoices):
        DECISION = "decision", _("after the protection decision")
        CLOSURE = "closure", _("after the case was closed")

    class Answer(models.TextChoices):
        FINE = "fine", _("All is well")
        WORRIED = "worried", _("I am worried something may happen")
        RETALIATION = "retaliation", _("I am suffering retaliation")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="check_ins")
    tip = models.ForeignKey("tipline.Tip", on_delete=models.CASCADE, related_name="check_ins")
    after = models.CharField(max_length=10, choices=After.choices)
    days = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    # The day only, as for every whistleblower event (DESIGN.md section 8).
    answered_on = models.DateField(null=True, blank=True)
    answer = models.CharField(max_length=12, choices=Answer.choices, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tip", "after", "days", "due_on"], name="one_check_in_per_moment")
        ]
        indexes = [
            models.Index(
                fields=["tip", "due_on"], condition=models.Q(answered_on__isnull=True), name="check_in_unanswered"
            )
        ]

    def __str__(self) -> str:
        return f"Check-in {self.days} days {self.after} on {self.tip}"
