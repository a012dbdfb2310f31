"""Tips, their messages and attachments.

Only routing and statistics metadata is stored in the clear (DESIGN.md section 4):
facility, category, smuggling channel, intake channel, coarse dates, status, the
conflict flag. Everything a person wrote is a ciphertext column (suffix `_ct`),
encrypted under the tip's data key with associated data naming the tip and field.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    PHONES = "phones", _("Mobile phones or SIM cards")
    BRIBERY = "bribery", _("Bribery or extortion by staff")
    DRUGS_WEAPONS = "drugs_weapons", _("Drugs or weapons")
    ABUSE = "abuse", _("Abuse or threats")
    NEGLIGENCE = "negligence", _("Negligence")
    # Reported from /followup/ by a whistleblower who suffers reprisals for a report; always goes to the
    # national unit (org.routing.route_tip), as a case of its own linked to the first (Tip.retaliation_for).
    RETALIATION = "retaliation", _("Retaliation for reporting")
    OTHER = "other", _("Other")


class SmugglingChannel(models.TextChoices):
    NOT_APPLICABLE = "", _("Does not apply")
    VISITORS = "visitors", _("Visitors")
    STAFF = "staff", _("Staff")
    SUPPLIERS = "suppliers", _("Suppliers or contractors")
    THROWN = "thrown", _("Packages thrown over the wall")
    UNKNOWN = "unknown", _("Unknown")
    OTHER = "other", _("Other")


class IntakeChannel(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone line")


class StaffInvolved(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("I don't know")


class WhenPeriod(models.TextChoices):
    DATE = "date", _("On a specific date")
    THIS_WEEK = "this_week", _("This week")
    THIS_MONTH = "this_month", _("This month")
    LAST_MONTHS = "last_months", _("In the last few months")
    OVER_A_YEAR = "over_a_year", _("More than a year ago")
    ONGOING = "ongoing", _("It keeps happening")
    UNSURE = "unsure", _("I am not sure")


class Tip(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lookup_id = models.BinaryField(unique=True, help_text="HKDF of the receipt's Argon2id key; finds the tip.")

    # Clear metadata, for routing and statistics.
    facility = models.ForeignKey("org.Facility", on_delete=models.PROTECT, related_name="tips")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="tips")
    category = models.CharField(max_length=20, choices=Category.choices)
    smuggling_channel = models.CharField(max_length=20, choices=SmugglingChannel.choices, blank=True)
    intake_channel = models.CharField(max_length=10, choices=IntakeChannel.choices, default=IntakeChannel.WEB)
    staff_involved = models.CharField(max_length=10, choices=StaffInvolved.choices)
    protection_requested = models.BooleanField(
        default=False, help_text="The whistleblower asked for protection measures (D.Leg. 1327)."
    )
    when_period = models.CharField(max_length=20, choices=WhenPeriod.choices)
    occurred_month = models.DateField(null=True, blank=True, help_text="First day of the month it happened, if known.")
    received_on = models.DateField(help_text="The day only: a precise time could be matched to network logs.")
    # A case status's value, kept in step with the tip's case. The vocabulary (labels, what the
    # whistleblower reads about each status) lives in cases/statuses.py: tipline never imports cases.
    status = models.CharField(max_length=20, default="received")

    # The data key, sealed three ways.
    unit_keypair = models.ForeignKey("org.UnitKeyPair", on_delete=models.PROTECT, related_name="+")
    data_key_for_unit = models.BinaryField()
    data_key_for_escrow = models.BinaryField()
    data_key_for_receipt = models.BinaryField()

    # Encrypted content. `contact_ct` is only read for tips sent before identities were reserved: a contact
    # given since is a ReservedIdentity, which the unit cannot open.
    description_ct = models.BinaryField()
    contact_ct = models.BinaryField()
    occurred_on_ct = models.BinaryField()

    # A report of retaliation suffered for the report of another tip (sent from that tip's /followup/ page).
    retaliation_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retaliation_reports"
    )
    # Deleted on its retention schedule (retention/): every key and ciphertext is gone, the clear metadata
    # stays for the statistics, and the receipt opens a page that says so.
    erased_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["unit", "-received_on", "-id"], name="tip_unit_newest")]

    def __str__(self) -> str:
        return f"Tip {self.public_id}"


class Message(models.Model):
    class Author(models.TextChoices):
        WHISTLEBLOWER = "whistleblower", _("You")
        STAFF = "staff", _("Internal affairs")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=20, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body_ct = models.BinaryField()
    created_on = models.DateField(help_text="The day only, as for tips.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Message {self.public_id}"


class ScanStatus(models.TextChoices):
    CLEAN = "clean", _("Scanned, nothing found")
    NOT_SCANNED = "not_scanned", _("Not scanned yet")
    INFECTED = "infected", _("Infected: download blocked")


class Attachment(models.Model):
    """An encrypted file. The store holds only ciphertext; name and type are encrypted too."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    storage_name = models.CharField(max_length=64, unique=True)
    file_key_ct = models.BinaryField(help_text="The file's stream key, encrypted under the tip's data key.")
    name_ct = models.BinaryField()
    content_type_ct = models.BinaryField()
    # The malware scan (tipline/scanning.py): at intake, or later for a file the scanner could not take then.
    scan_status = models.CharField(max_length=12, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Attachment {self.public_id}"

    @property
    def blocked(self) -> bool:
        """Return whether the file was found infected, so that nobody may download it."""
        return self.scan_status == ScanStatus.INFECTED


class ReservedIdentity(models.Model):
    """Contact details or a name a whistleblower chose to give, reserved behind a code (D.Leg. 1327).

    Sealed under a key of its own (envelope.RESERVED_IDENTITY) that is sealed to the
    identity custodian and to escrow, never to the unit: the unit sees the code and that
    an identity is reserved. A custodian's approved disclosure (identity/) seals the key
    to the members who asked.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="reserved_identities")
    code = models.CharField(max_length=20, unique=True, help_text="What the unit calls the whistleblower.")
    custodian_keypair = models.ForeignKey("org.CustodianKeyPair", on_delete=models.PROTECT, related_name="+")
    identity_key_for_custodian = models.BinaryField()
    identity_key_for_escrow = models.BinaryField()
    contact_ct = models.BinaryField()
    given_on = models.DateField(help_text="The day only, as for tips.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Reserved identity {self.code}"
