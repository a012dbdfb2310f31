"""Roll-ups of the clear metadata, and the spike alerts found in them (DESIGN.md section 7).

Every roll-up row is a count for one cell, keyed by the facility and the ISO week
(its Monday) plus the dimensions the dashboard breaks down by. They hold exact
counts: suppression of small cells happens when they are read (trends/suppression.py),
never here, so a change of the threshold needs no rebuild.

A cell is rewritten whole from the source rows (tips or cases) of its facility and
week, by the incremental refresh after a change and by the nightly rebuild, through
the same code (trends/services.py): both give identical rows.

`unit` is the unit the tips (or cases) are routed to now. Supervisors read only their
units' rows: a tip routed to the national unit because local staff are involved must
not show up, even as a count, on the dashboard of the unit it was kept from.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tipline.models import Category, IntakeChannel, SmugglingChannel


class TipRollup(models.Model):
    """Tips received, by unit, facility, category, smuggling channel, intake channel and ISO week."""

    week = models.DateField(help_text="Monday of the ISO week the tips were received in.")
    facility = models.ForeignKey("org.Facility", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.CharField(max_length=20, choices=Category.choices)
    smuggling_channel = models.CharField(max_length=20, choices=SmugglingChannel.choices, blank=True)
    intake_channel = models.CharField(max_length=10, choices=IntakeChannel.choices)
    tips = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "week", "unit", "category", "smuggling_channel", "intake_channel"],
                name="trends_tip_rollup_cell",
            )
        ]
        indexes = [
            # The dashboard's reads: a period, maybe one category; everything needed is in the index.
            models.Index(
                fields=["week", "category", "facility", "unit", "smuggling_channel", "intake_channel", "tips"],
                name="trends_tip_rollup_by_week",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tips} tips, facility {self.facility_id}, week of {self.week}"


class TipWeekRollup(models.Model):
    """Tips received, by unit, facility, category and ISO week: the trend lines, ranking, heat map and spikes.

    The sums of TipRollup over the two channels, kept apart because the charts read
    many weeks of every facility and this table is several times smaller.
    """

    week = models.DateField(help_text="Monday of the ISO week the tips were received in.")
    facility = models.ForeignKey("org.Facility", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.CharField(max_length=20, choices=Category.choices)
    tips = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility", "week", "unit", "category"], name="trends_tip_week_rollup_cell")
        ]
        indexes = [
            models.Index(fields=["week", "category", "facility", "unit", "tips"], name="trends_tip_week_by_week"),
        ]

    def __str__(self) -> str:
        return f"{self.tips} tips, facility {self.facility_id}, week of {self.week}"


class CaseRollup(models.Model):
    """Cases by unit, facility, category, smuggling channel and ISO week received: outcomes, time to close, deadlines.

    Deadlines met count here, on time or late; deadlines still open are in
    OpenDeadlineRollup with their due date, so "overdue" is decided when read and a
    case does not need rewriting on the day its deadline passes.
    """

    week = models.DateField(help_text="Monday of the ISO week the cases were received in.")
    facility = models.ForeignKey("org.Facility", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.CharField(max_length=20, choices=Category.choices)
    smuggling_channel = models.CharField(max_length=20, choices=SmugglingChannel.choices, blank=True)

    cases = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    substantiated = models.PositiveIntegerField(default=0)
    unsubstantiated = models.PositiveIntegerField(default=0)
    referred = models.PositiveIntegerField(default=0)
    not_actionable = models.PositiveIntegerField(default=0)
    # Time to close, over the closed cases with a closing date: a sum and a histogram.
    close_days_sum = models.PositiveIntegerField(default=0)
    closed_within_7 = models.PositiveIntegerField(default=0)
    closed_within_30 = models.PositiveIntegerField(default=0)
    closed_within_90 = models.PositiveIntegerField(default=0)
    closed_within_180 = models.PositiveIntegerField(default=0)
    closed_after_180 = models.PositiveIntegerField(default=0)
    acknowledged_on_time = models.PositiveIntegerField(default=0)
    acknowledged_late = models.PositiveIntegerField(default=0)
    feedback_on_time = models.PositiveIntegerField(default=0)
    feedback_late = models.PositiveIntegerField(default=0)
    # Outcomes beyond the case (ISO 37002 indicators): sanctions imposed in its proceedings
    # (outcomes.models.IMPOSED_SANCTIONS), and cases whose whistleblower wrote back at least once.
    sanctions = models.PositiveIntegerField(default=0)
    came_back = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "week", "unit", "category", "smuggling_channel"], name="trends_case_rollup_cell"
            )
        ]
        indexes = [models.Index(fields=["week", "category", "facility", "unit"], name="trends_case_rollup_by_week")]

    def __str__(self) -> str:
        return f"{self.cases} cases, facility {self.facility_id}, week of {self.week}"


class Deadline(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledgement")
    FEEDBACK = "feedback", _("Feedback")


class CaseTimingRollup(models.Model):
    """How many cases took so many days from receipt to acknowledgement, or to closing: medians and percentiles.

    One row per distinct number of days, so a percentile over any period, region and
    category is read from a few hundred rows whatever the number of cases.
    """

    class Event(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    week = models.DateField(help_text="Monday of the ISO week the cases were received in.")
    facility = models.ForeignKey("org.Facility", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.CharField(max_length=20, choices=Category.choices)
    event = models.CharField(max_length=20, choices=Event.choices)
    days = models.PositiveIntegerField()
    cases = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "week", "unit", "category", "event", "days"], name="trends_case_timing_cell"
            )
        ]
        indexes = [
            models.Index(
                fields=["week", "category", "facility", "unit", "event", "days", "cases"],
                name="trends_case_timing_by_week",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cases} cases {self.event} in {self.days} days"


class OpenDeadlineRollup(models.Model):
    """Deadlines not yet met in open cases, by unit, facility, category, week received, kind and due date."""

    week = models.DateField(help_text="Monday of the ISO week the cases were received in.")
    facility = models.ForeignKey("org.Facility", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.CharField(max_length=20, choices=Category.choices)
    deadline = models.CharField(max_length=20, choices=Deadline.choices)
    due_on = models.DateField()
    open = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "week", "unit", "category", "deadline", "due_on"], name="trends_open_deadline_cell"
            )
        ]
        indexes = [models.Index(fields=["week", "category", "facility", "unit"], name="trends_open_deadline_by_week")]

    def __str__(self) -> str:
        return f"{self.open} open {self.deadline} deadlines due {self.due_on}"


class PseudonymRollup(models.Model):
    """How many pseudonyms of one kind are named in at least two tips at two or more facilities.

    Only the number: never a pseudonym, never a value. Country-wide and all-time.
    """

    kind = models.CharField(max_length=20, unique=True)
    pseudonyms = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.pseudonyms} repeatedly named ({self.kind})"


class PseudonymTally(models.Model):
    """In how many tips one keyed pseudonym is named: what PseudonymRollup is kept current from.

    A number per pseudonym, never its value and never a tip. Kept by the change
    (trends/services.py `pseudonym_tallies_add` and `pseudonym_tallies_remove`); a
    pseudonym named in no tip has no row.
    """

    pseudonym = models.BinaryField(max_length=32, unique=True)
    kind = models.CharField(max_length=20)
    tips = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.kind} pseudonym in {self.tips} tips"


class PseudonymFacilityTally(models.Model):
    """In how many tips of one facility one keyed pseudonym is named; rows with no tip are deleted."""

    pseudonym = models.BinaryField(max_length=32)
    facility = models.ForeignKey("org.Facility", on_delete=models.CASCADE, related_name="+", db_index=False)
    tips = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pseudonym", "facility"], name="trends_pseudonym_facility_tally")
        ]

    def __str__(self) -> str:
        return f"pseudonym in {self.tips} tips at facility {self.facility_id}"


class SpikeAlert(models.Model):
    """A week in which a facility received unusually many tips of one category, against its own baseline.

    Counts only the tips routed to the unit of the facility's region, the unit that sees the alert.

    Rewritten with the roll-ups; the status (open or dismissed) is people's and
    survives every rewrite. `created_on` is a day, not a time: an alert is created
    right after the tip that tipped the count over, and its time would date that tip.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")

    class Method(models.TextChoices):
        POISSON = "poisson", _("Poisson")
        NEGATIVE_BINOMIAL = "negative_binomial", _("Negative binomial (overdispersed baseline)")

    facility = models.ForeignKey("org.Facility", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    week = models.DateField(help_text="Monday of the ISO week of the spike.")
    observed = models.PositiveIntegerField()
    baseline_total = models.PositiveIntegerField(help_text="Tips of the 12 weeks before.")
    expected = models.FloatField(help_text="The baseline's weekly mean.")
    p_value = models.FloatField()
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_on = models.DateField()
    dismissed_by = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-week", "facility_id", "category"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "category", "week"], name="trends_one_alert_per_cell")
        ]
        indexes = [models.Index(fields=["status", "week"], name="trends_alert_status_week")]

    def __str__(self) -> str:
        return f"Spike: {self.category} at facility {self.facility_id}, week of {self.week}"
