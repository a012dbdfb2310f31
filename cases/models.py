"""The cases internal affairs works: cases, their tips, notes, timeline and recusals."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMember
from cases.statuses import CaseStatus, allowed_transitions, is_closed
from tipline.models import Category, SmugglingChannel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# A date after every real deadline: the "next deadline" of a case with none open.
NO_DEADLINE = datetime.date(9999, 12, 31)
# "Due soon": today, tomorrow or the day after (the reminders, the digest, "awaiting my action").
DUE_SOON_DAYS = 2


def open_deadline_before(day: datetime.date) -> models.Q:
    """Match cases with a deadline not yet met that falls before `day`."""
    # The deadline fields, not `next_due`: they are what the services write, so the
    # counts stay right even for a row whose `next_due` was not recomputed.
    return (
        models.Q(acknowledged_on__isnull=True, acknowledge_due__lt=day)
        | models.Q(feedback_given_on__isnull=True, feedback_due__lt=day)
        | models.Q(protection_decided_on__isnull=True, protection_due__lt=day)
    )


@dataclass(frozen=True)
class DeadlineState:
    """One deadline of a case as the case page shows it: due, met (on time or late), or overdue."""

    label: StrOrPromise
    due: datetime.date
    met_on: datetime.date | None
    is_overdue: bool

    @property
    def days_late(self) -> int:
        """Return how many days after the due date it was met (0: on time, or not met)."""
        if self.met_on is None:
            return 0
        return max((self.met_on - self.due).days, 0)

    @property
    def state(self) -> str:
        """Return where the deadline stands in words: met (late, by how much), overdue, or not yet met."""
        if self.met_on is not None:
            if self.days_late:
                return ngettext("met late (%(days)d day)", "met late (%(days)d days)", self.days_late) % {
                    "days": self.days_late
                }
            return str(gettext("met"))
        return str(gettext("overdue")) if self.is_overdue else str(gettext("not yet"))


class Case(models.Model):
    """One matter for internal affairs: one or more related tips, worked as a whole.

    Title, notes and the closing reason are encrypted under the case's own key,
    sealed to the unit like a tip's data key. Status, priority, assignment and
    deadlines are clear metadata: they drive the queue.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="cases")
    unit_keypair = models.ForeignKey("org.UnitKeyPair", on_delete=models.PROTECT, related_name="+")
    case_key_for_unit = models.BinaryField()
    case_key_for_escrow = models.BinaryField()
    title_ct = models.BinaryField()

    # Copied from the first tip, for filtering the queue without joins.
    facility = models.ForeignKey("org.Facility", on_delete=models.PROTECT, related_name="cases")
    category = models.CharField(max_length=20, choices=Category.choices)
    smuggling_channel = models.CharField(max_length=20, choices=SmugglingChannel.choices, blank=True)

    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    triage_score = models.PositiveSmallIntegerField(default=0)
    assignee = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )

    received_on = models.DateField()
    acknowledge_due = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True)
    feedback_due = models.DateField()
    feedback_given_on = models.DateField(null=True, blank=True)
    protection_due = models.DateField(null=True, blank=True)
    protection_decided_on = models.DateField(null=True, blank=True)
    next_due = models.DateField(default=NO_DEADLINE, help_text="The earliest open deadline; orders the queue.")
    closed_on = models.DateField(null=True, blank=True)
    closing_reason_ct = models.BinaryField(default=b"")
    # The whistleblower answered and no member who works the case has opened it since (the queue's mark).
    unread_reply = models.BooleanField(default=False)
    # Deleted on its retention schedule (retention/): keys, content and files are gone; the clear metadata
    # (status, dates, facility, category) stays, so the statistics keep their counts.
    erased_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "next_due", "id"], name="case_queue_by_deadline"),
            # The default queue (open cases) and the newest open cases (link candidates).
            models.Index(
                fields=["unit", "next_due", "id"], condition=models.Q(closed_on__isnull=True), name="case_open_queue"
            ),
            models.Index(
                fields=["unit", "-received_on", "-id"],
                condition=models.Q(closed_on__isnull=True),
                name="case_open_newest",
            ),
            # "Awaiting my action": a member's open cases (cases.selectors.awaiting_action_of).
            models.Index(
                fields=["assignee", "next_due", "id"],
                condition=models.Q(closed_on__isnull=True),
                name="case_open_by_assignee",
            ),
            # A queue filtered by status, and the counts per status.
            models.Index(fields=["unit", "status", "next_due", "id"], name="case_status_queue"),
            # The queue narrowed to open cases with an unread whistleblower reply.
            models.Index(
                fields=["unit", "next_due", "id"],
                condition=models.Q(unread_reply=True, closed_on__isnull=True),
                name="case_unread_queue",
            ),
            # "Same facility, category and channel within 30 days": linking's suggested links.
            models.Index(
                fields=["facility", "category", "smuggling_channel", "received_on"], name="case_similar_metadata"
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.public_id}"

    @property
    def is_closed(self) -> bool:
        return is_closed(self.status)

    def can_transition_to(self, status: str) -> bool:
        """Return whether ISO 37002's workflow allows moving from the current status to `status`."""
        return status in allowed_transitions(self.status)

    def open_deadlines(self) -> dict[str, datetime.date]:
        """Return the deadlines not yet met, by name."""
        if self.is_closed:
            return {}
        deadlines = {}
        if self.acknowledged_on is None:
            deadlines["acknowledge"] = self.acknowledge_due
        if self.feedback_given_on is None:
            deadlines["feedback"] = self.feedback_due
        if self.protection_due is not None and self.protection_decided_on is None:
            deadlines["protection"] = self.protection_due
        return deadlines

    def deadline_states(self, today: datetime.date) -> list[DeadlineState]:
        """Return each of the case's deadlines: met on time, met late (by how much), overdue, or pending."""
        deadlines: list[tuple[StrOrPromise, datetime.date | None, datetime.date | None]] = [
            (_("Acknowledge"), self.acknowledge_due, self.acknowledged_on),
            (_("Feedback"), self.feedback_due, self.feedback_given_on),
            (_("Protection decision"), self.protection_due, self.protection_decided_on),
        ]
        return [
            DeadlineState(
                label=label,
                due=due,
                met_on=met_on,
                is_overdue=met_on is None and self.closed_on is None and due < today,
            )
            for label, due, met_on in deadlines
            if due is not None
        ]

    def compute_next_due(self) -> datetime.date:
        return min(self.open_deadlines().values(), default=NO_DEADLINE)


class CaseTip(models.Model):
    """A tip's place in a case; every tip is in exactly one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_tips")
    tip = models.OneToOneField("tipline.Tip", on_delete=models.CASCADE, related_name="case_link")
    # The day only: a precise time would date the whistleblower's visit (DESIGN.md section 8).
    added_on = models.DateField(default=timezone.localdate)

    def __str__(self) -> str:
        return f"{self.tip} in {self.case}"


class Note(models.Model):
    """An internal note, encrypted under the case key; the whistleblower never sees it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    body_ct = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note {self.public_id}"


class CaseEvent(models.Model):
    """The case's timeline: every change, with actor and time. Details never hold content."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ASSIGNED = "assigned", _("Assigned")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        NOTE_ADDED = "note_added", _("Note added")
        QUESTION_SENT = "question_sent", _("Message sent to the whistleblower")
        REPLY_RECEIVED = "reply_received", _("Reply from the whistleblower")
        FEEDBACK_GIVEN = "feedback_given", _("Feedback given")
        PROTECTION_DECIDED = "protection_decided", _("Protection request decided")
        LINKED = "linked", _("Related tips linked")
        TRANSFERRED = "transferred", _("Transferred to another unit")
        RECUSED = "recused", _("Investigator recused")
        # The investigation inside the case (investigation/, evidence/, outcomes/).
        TASK_ADDED = "task_added", _("Task planned")
        TASK_DONE = "task_done", _("Task done")
        INTERVIEW_RECORDED = "interview_recorded", _("Interview recorded")
        EXHIBIT_REGISTERED = "exhibit_registered", _("Exhibit registered")
        CUSTODY_CHANGED = "custody_changed", _("Exhibit changed hands")
        SEARCH_RECORDED = "search_recorded", _("Cell search recorded")
        PERSON_ADDED = "person_added", _("Person concerned added")
        OUTCOME_RECORDED = "outcome_recorded", _("Outcome recorded for a person concerned")
        PROCEEDING_OPENED = "proceeding_opened", _("Disciplinary proceeding opened")
        PROCEEDING_UPDATED = "proceeding_updated", _("Disciplinary proceeding updated")
        REFERRAL_SENT = "referral_sent", _("Referred to another authority")
        REFERRAL_UPDATED = "referral_updated", _("Referral updated")
        PLATFORM_CODE_RECORDED = "platform_code", _("National platform code recorded")
        REFERRAL_FILE_MADE = "referral_file", _("Referral file made")
        # The whistleblower through the life of the case (protection/, identity/, retention/).
        PROTECTION_REQUESTED = "protection_requested", _("Protection requested by the whistleblower")
        PROTECTION_MEASURE = "protection_measure", _("Protection measure granted or changed")
        CHECK_IN_ANSWERED = "check_in_answered", _("The whistleblower answered a protection check-in")
        RETALIATION_REPORTED = "retaliation_reported", _("Retaliation reported by the whistleblower")
        DISCLOSURE_REQUESTED = "disclosure_requested", _("Disclosure of the reserved identity requested")
        DISCLOSURE_DECIDED = "disclosure_decided", _("Disclosure of the reserved identity decided")
        LEGAL_HOLD_PLACED = "legal_hold_placed", _("Legal hold placed")
        LEGAL_HOLD_LIFTED = "legal_hold_lifted", _("Legal hold lifted")
        ERASED = "erased", _("Deleted on its retention schedule")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now, help_text="Midnight of the day for whistleblower events.")
    actor = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case}"

    @property
    def is_day_only(self) -> bool:
        return self.kind in WHISTLEBLOWER_EVENT_KINDS


# Events the whistleblower causes: stored with the day only, like the tip's own dates.
WHISTLEBLOWER_EVENT_KINDS = frozenset(
    {
        CaseEvent.Kind.OPENED,
        CaseEvent.Kind.REPLY_RECEIVED,
        CaseEvent.Kind.PROTECTION_REQUESTED,
        CaseEvent.Kind.CHECK_IN_ANSWERED,
        CaseEvent.Kind.RETALIATION_REPORTED,
    }
)


class Recusal(models.Model):
    """An investigator who must not see a case (a conflict of interest): it is hidden from them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recusals")
    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="recusals")
    decided_by = models.ForeignKey(StaffMember, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "member"], name="one_recusal_per_member")]

    def __str__(self) -> str:
        return f"{self.member} recused from {self.case}"


class DailyMailSent(models.Model):
    """A daily mail (a unit's summary, an assignee's reminder) claimed for sending on one day.

    Kept in the database, not the cache: a Redis restart (it keeps nothing on disk by
    default) must not make a second run send the day's mails again. The unique
    constraint makes the claim atomic across workers.
    """

    class Kind(models.TextChoices):
        UNIT_DIGEST = "digest", "unit digest"
        ASSIGNEE_REMINDER = "reminder", "assignee reminder"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    owner_id = models.BigIntegerField(help_text="The unit (digest) or staff member (reminder).")
    day = models.DateField()
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "owner_id", "day"], name="one_daily_mail_per_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.owner_id} {self.day}"
