"""The investigation inside a case: its plan of tasks and its interview records.

What a task asks, its result, who was interviewed and what they said are encrypted
under the case key (envelope.TASK, envelope.INTERVIEW), like the case's notes, so a
case moved to another unit or merged into another keeps them readable only with the
case key. Who does a task, by when, and whether it is done are clear metadata: they
drive the reminders and the "awaiting my action" queue, like the case's deadlines.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class Task(models.Model):
    """One step of a case's investigation plan: what (encrypted), who, by when, and when it was done."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="tasks")
    what_ct = models.BinaryField()
    result_ct = models.BinaryField(default=b"")
    assignee = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="investigation_tasks"
    )
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_on", "due_on", "id"]
        indexes = [
            # A member's open tasks by due date: reminders, the digest and "awaiting my action".
            models.Index(
                fields=["assignee", "due_on"], condition=models.Q(done_on__isnull=True), name="task_open_by_assignee"
            ),
        ]

    def __str__(self) -> str:
        return f"Task {self.public_id}"

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def may_be_done_by(self, member_id: int, *, case_assignee_id: int | None, supervises: bool) -> bool:
        """Return whether a member who works the case may mark it done: its assignee, the case's, or a supervisor."""
        return supervises or member_id in (self.assignee_id, case_assignee_id)


class Interview(models.Model):
    """An interview held for a case: when, by whom, and who and what (both encrypted)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="interviews")
    held_on = models.DateField()
    conducted_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    interviewee_ct = models.BinaryField()
    summary_ct = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"Interview {self.public_id}"
