"""Linking without reading: entities recorded on tips, and the keyed pseudonyms that link them.

An investigator records that a tip names a person, a phone number, a vehicle, a
company or a place. The value itself is encrypted under the tip's data key, like
everything else in the tip; beside it the server keeps a keyed pseudonym,
HMAC(index key, kind and normalised value), that is equal wherever the same entity is
recorded, in any unit (DESIGN.md section 4). The index key is shared by the units and
held like their own keys: sealed to each unit's key pair and to the escrow key.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PSEUDONYM_BYTES = 32


class IndexKey(models.Model):
    """One version of the index key. Only the active one makes new pseudonyms; rotation replaces it."""

    version = models.PositiveIntegerField(unique=True)
    is_active = models.BooleanField(default=True)
    sealed_to_escrow = models.BinaryField(help_text="The index key sealed to the escrow public key.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_index_key"
            )
        ]

    def __str__(self) -> str:
        return f"Index key v{self.version}"


class IndexKeySeal(models.Model):
    """The index key sealed (HPKE) to one unit key pair: its holders can open the index key."""

    index_key = models.ForeignKey(IndexKey, on_delete=models.CASCADE, related_name="seals")
    unit_keypair = models.ForeignKey("org.UnitKeyPair", on_delete=models.PROTECT, related_name="+")
    sealed_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["index_key", "unit_keypair"], name="one_index_key_seal_per_unit_key")
        ]

    def __str__(self) -> str:
        return f"{self.index_key} sealed to unit key {self.unit_keypair_id}"


class EntityKind(models.TextChoices):
    PERSON = "person", _("Person")
    PHONE = "phone", _("Phone number")
    VEHICLE = "vehicle", _("Vehicle (plate)")
    COMPANY = "company", _("Company or supplier")
    PLACE = "place", _("Place in the prison")


class PersonRole(models.TextChoices):
    UNKNOWN = "", _("Not known")
    STAFF = "staff", _("Staff")
    VISITOR = "visitor", _("Visitor")
    INMATE = "inmate", _("Inmate")
    OTHER = "other", _("Other")


class EntityMention(models.Model):
    """That one tip names one entity: the value encrypted, its keyed pseudonym in the clear.

    `pseudonym` is HMAC-SHA256(index key, kind and normalised value; for places also
    the facility), so it links tips without revealing the value; `index_key` is the
    version it was made with. `value_ct` is the value as recorded, encrypted under the
    tip's data key with associated data naming the tip and this mention.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: the unique (tip, pseudonym) constraint's index starts with it.
    tip = models.ForeignKey("tipline.Tip", on_delete=models.CASCADE, related_name="entity_mentions", db_index=False)
    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    person_role = models.CharField(max_length=20, choices=PersonRole.choices, blank=True)
    value_ct = models.BinaryField()
    pseudonym = models.BinaryField(max_length=PSEUDONYM_BYTES)
    index_key = models.ForeignKey(IndexKey, on_delete=models.PROTECT, related_name="mentions")
    created_by = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The day only, like the tip's own dates.
    created_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Every tip naming a pseudonym, answered from the index alone (suggested links, the pseudonym page).
            models.Index(fields=["pseudonym", "tip"], name="mention_pseudonym_tip"),
        ]
        constraints = [models.UniqueConstraint(fields=["tip", "pseudonym"], name="one_mention_per_tip_entity")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} mention {self.public_id}"

    @property
    def pseudonym_hex(self) -> str:
        return bytes(self.pseudonym).hex()
