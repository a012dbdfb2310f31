"""Evidence: cell searches (requisas), the exhibits a case holds, their chain of custody, and seized identifiers.

A cell search is an operational record of the institution, not a whistleblower's
words: its facility, area, day, whether a tip prompted it and what it found are clear
metadata, read only by the unit that holds it, and counted (never listed) by the
managers' view. An exhibit belongs to one case; its description and a digital file's
key and name are encrypted under the case key. Every change of hands is a custody
entry, confirmed by the member who hands the exhibit over, chained by a SHA-256 digest
to the entry before it and recorded with that digest in the audit chain, so a changed,
removed or inserted entry shows (evidence/custody.py verifies it).

A seized device's IMEI or phone number is an ExhibitIdentifier: the value encrypted
under the case key, and beside it the same keyed pseudonym linking makes for a tip that
names it (linking.EntityMention), so a phone seized in a search meets, blind, the tips
that named its number.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tipline.models import Category, SmugglingChannel

DIGEST_HEX = 64


class CellSearch(models.Model):
    """A search (requisa) of a facility or one of its areas on a day, and what it found."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="cell_searches")
    facility = models.ForeignKey("org.Facility", on_delete=models.PROTECT, related_name="cell_searches")
    area = models.CharField(_("area searched"), max_length=100, blank=True, help_text=_("A pavilion, a block, a cell."))
    held_on = models.DateField(_("day of the search"))
    # The case whose tip prompted the search, if one did; its category and channel are copied for the counts.
    prompted_by = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="prompted_searches"
    )
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    smuggling_channel = models.CharField(max_length=20, choices=SmugglingChannel.choices, blank=True)

    # What was found: counts by kind (zero: nothing of that kind).
    phones_found = models.PositiveIntegerField(_("phones"), default=0)
    sim_cards_found = models.PositiveIntegerField(_("SIM cards"), default=0)
    chargers_found = models.PositiveIntegerField(_("chargers"), default=0)
    drugs_found = models.PositiveIntegerField(_("drug seizures"), default=0)
    weapons_found = models.PositiveIntegerField(_("weapons"), default=0)
    other_found = models.PositiveIntegerField(_("other items"), default=0)

    recorded_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["held_on", "facility"], name="cell_search_by_day"),
            models.Index(fields=["unit", "-held_on", "-id"], name="cell_search_unit_newest"),
        ]

    def __str__(self) -> str:
        return f"Cell search {self.public_id}"

    @property
    def found_anything(self) -> bool:
        return any(
            (
                self.phones_found,
                self.sim_cards_found,
                self.chargers_found,
                self.drugs_found,
                self.weapons_found,
                self.other_found,
            )
        )


class ExhibitKind(models.TextChoices):
    PHONE = "phone", _("Mobile phone")
    SIM_CARD = "sim_card", _("SIM card")
    CHARGER = "charger", _("Charger or battery")
    DRUGS = "drugs", _("Drugs")
    MONEY = "money", _("Money")
    WEAPON = "weapon", _("Weapon")
    DOCUMENT = "document", _("Document")
    DIGITAL_FILE = "digital_file", _("Digital file (video, audio, image, export)")
    OTHER = "other", _("Other")


class ExhibitStatus(models.TextChoices):
    IN_CUSTODY = "in_custody", _("In the unit's custody")
    HANDED_OVER = "handed_over", _("Handed over to another authority")
    RETURNED = "returned", _("Returned to its owner")
    DESTROYED = "destroyed", _("Destroyed")


class Exhibit(models.Model):
    """One item of evidence of a case, who holds it now, and (for digital evidence) its file and SHA-256."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="exhibits")
    search = models.ForeignKey(CellSearch, null=True, blank=True, on_delete=models.SET_NULL, related_name="exhibits")
    kind = models.CharField(max_length=20, choices=ExhibitKind.choices)
    description_ct = models.BinaryField()
    seized_on = models.DateField()
    status = models.CharField(max_length=20, choices=ExhibitStatus.choices, default=ExhibitStatus.IN_CUSTODY)
    # The member who holds it now; None once it left the unit (handed over, returned, destroyed).
    holder = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="exhibits_held"
    )
    # Digital evidence: the SHA-256 of the file as received (hex), and the file itself, encrypted, in the
    # attachment store under `storage_name` with its own key sealed under the case key.
    sha256 = models.CharField(max_length=DIGEST_HEX, blank=True)
    storage_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    file_key_ct = models.BinaryField(default=b"")
    file_name_ct = models.BinaryField(default=b"")
    registered_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seized_on", "id"]

    def __str__(self) -> str:
        return f"Exhibit {self.public_id}"


class CustodyEntry(models.Model):
    """One link of an exhibit's chain of custody, confirmed by the member who handed it over.

    `digest` is SHA-256 over the previous entry's digest and this entry's clear fields
    (evidence/custody.py says exactly which); the audit entry written in the same
    transaction carries it, so the audit chain vouches for the custody chain.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        TRANSFERRED = "transferred", _("Handed to another member")
        HANDED_OVER = "handed_over", _("Handed over to another authority")
        RETURNED = "returned", _("Returned to its owner")
        DESTROYED = "destroyed", _("Destroyed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exhibit = models.ForeignKey(Exhibit, on_delete=models.CASCADE, related_name="custody")
    seq = models.PositiveIntegerField(help_text="1, 2, 3, ... within the exhibit.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_member = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_member = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # An outside recipient (a prosecutor's office, the police, the owner), named as on the receipt it signed:
    # sealed under the case key (envelope.CUSTODY_ENTRY).
    to_outside_ct = models.BinaryField(default=b"")
    remarks_ct = models.BinaryField(default=b"")
    # The member who confirmed the entry with their password: the one who hands the exhibit over.
    signed_by = models.ForeignKey("accounts.StaffMember", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    prev_digest = models.CharField(max_length=DIGEST_HEX)
    digest = models.CharField(max_length=DIGEST_HEX)

    class Meta:
        ordering = ["exhibit", "seq"]
        constraints = [models.UniqueConstraint(fields=["exhibit", "seq"], name="one_custody_entry_per_seq")]

    def __str__(self) -> str:
        return f"Custody entry {self.seq} of {self.exhibit}"


class ExhibitIdentifier(models.Model):
    """An IMEI or phone number of a seized device: encrypted, with linking's keyed pseudonym beside it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exhibit = models.ForeignKey(Exhibit, on_delete=models.CASCADE, related_name="identifiers")
    # A linking.EntityKind value: "imei" or "phone".
    kind = models.CharField(max_length=20)
    value_ct = models.BinaryField()
    pseudonym = models.BinaryField(max_length=32)
    index_key = models.ForeignKey("linking.IndexKey", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["pseudonym", "exhibit"], name="exhibit_identifier_pseudonym")]
        constraints = [
            models.UniqueConstraint(fields=["exhibit", "pseudonym"], name="one_identifier_per_exhibit_entity")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.exhibit}"
