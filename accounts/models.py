"""Staff identity: who a staff account is, its role, its key pair and its access to unit keys.

Two-factor login devices are django-otp's; passwords are Django's. The tables keep
the names they had when these models lived in `cases` (migration accounts 0001).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Hotline operator")
    INVESTIGATOR = "investigator", _("Investigator")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")
    # Holds the identity custodian key (D.Leg. 1327): approves or refuses disclosures of reserved identities.
    # Belongs to no unit and reads no tip.
    CUSTODIAN = "custodian", _("Identity custodian")


# Roles that may read the tips of the units they belong to.
TIP_READING_ROLES = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})


class StaffMember(models.Model):
    """A staff account's role and key pair; the private key is encrypted under the password."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(max_length=20, choices=Role.choices)
    public_key = models.BinaryField()
    private_key_ct = models.BinaryField(help_text="Encrypted under Argon2id(password, key_salt).")
    key_salt = models.BinaryField()
    # Set by an administrator's password reset: the member has no key pair (the three fields above are
    # empty) until they choose their own password at their next login, so no key is ever wrapped under a
    # password an administrator knows (accounts.services.staff_keys_choose).
    awaiting_own_password = models.BooleanField(default=False)

    class Meta:
        db_table = "cases_staffmember"

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def has_key_pair(self) -> bool:
        """Return whether the member holds a key pair that unit keys can be sealed to."""
        return not self.awaiting_own_password and bool(self.public_key)

    @property
    def can_read_tips(self) -> bool:
        """For templates and callers that hold a member: accounts.permissions.can_read_tips."""
        from accounts.permissions import can_read_tips  # permissions imports this module

        return can_read_tips(self)


class Membership(models.Model):
    """A staff member's access to one key of a unit: that unit key sealed to their public key."""

    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="memberships")
    keypair = models.ForeignKey("org.UnitKeyPair", on_delete=models.PROTECT, related_name="grants")
    sealed_unit_key = models.BinaryField()
    granted_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="grants_given"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "cases_membership"
        constraints = [models.UniqueConstraint(fields=["member", "keypair"], name="one_grant_per_member_key")]

    def __str__(self) -> str:
        return f"{self.member} in {self.unit}"


class CustodianGrant(models.Model):
    """A custodian's access to one identity custodian key: its private half sealed to their public key."""

    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="custodian_grants")
    keypair = models.ForeignKey("org.CustodianKeyPair", on_delete=models.PROTECT, related_name="grants")
    sealed_key = models.BinaryField()
    granted_by = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "keypair"], name="one_custodian_grant_per_key")]

    def __str__(self) -> str:
        return f"{self.member} holds {self.keypair}"
