"""Disclosure of a reserved identity (D.Leg. 1327): requested with a reason, decided by a custodian.

A member who works a case asks for the reserved identity (tipline.ReservedIdentity)
with a written reason, sealed to the custodian key: only a custodian reads it. A
custodian (a role outside every unit) approves or refuses; an approval opens the
identity key with the custodian key and seals it to the requesting member
(DisclosureGrant), and only that member can then read it. Every step is in the audit
chain, and the whistleblower reads at /followup/ that their identity was disclosed,
when, and to whom (the role and the unit, never a name).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Role


class DisclosureStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("disclosure status", "Awaiting the custodian")
    APPROVED = "approved", pgettext_lazy("disclosure status", "Approved: disclosed")
    REFUSED = "refused", pgettext_lazy("disclosure status", "Refused")


class DisclosureRequest(models.Model):
    """A request to disclose one reserved identity to the member who asks, and the custodian's decision."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="disclosure_requests")
    identity = models.ForeignKey(
        "tipline.ReservedIdentity", on_delete=models.CASCADE, related_name="disclosure_requests"
    )
    requested_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    # The requester's role and unit when they asked: what the whistleblower is told.
    requester_role = models.CharField(max_length=20)
    requester_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField()
    custodian_keypair = models.ForeignKey("org.CustodianKeyPair", on_delete=models.PROTECT, related_name="+")
    reason_for_custodian = models.BinaryField(help_text="The written reason, sealed to the custodian key.")
    status = models.CharField(
        _("status"), max_length=10, choices=DisclosureStatus.choices, default=DisclosureStatus.PENDING
    )
    decided_by = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "requested_by"],
                condition=models.Q(status="pending"),
                name="one_pending_disclosure_per_member",
            )
        ]
        indexes = [models.Index(fields=["status", "requested_on"], name="disclosure_by_status")]

    def __str__(self) -> str:
        return f"Disclosure of {self.identity} to {self.requested_by}"

    @property
    def requester_role_label(self) -> str:
        """Return the requester's role as the pages and the whistleblower read it ("Investigator")."""
        return str(Role(self.requester_role).label) if self.requester_role in Role.values else self.requester_role


class DisclosureGrant(models.Model):
    """A reserved identity's key sealed to one member under an approved disclosure."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="grants")
    member = models.ForeignKey("accounts.StaffMember", on_delete=models.CASCADE, related_name="disclosure_grants")
    sealed_identity_key = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "member"], name="one_grant_per_disclosure_member")]

    def __str__(self) -> str:
        return f"{self.request} sealed to {self.member}"
