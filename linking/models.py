"""Linking without reading: entities recorded on tips, and the keyed pseudonyms that link them.

An investigator records that a tip names a person, a phone number, a vehicle, a
company or a place. The value itself is encrypted under the tip's data key, like
everything else in the tip; beside it the server keeps a keyed pseudonym,
HMAC(index key, kind and normalised value), that is equal wherever the same entity is
recorded within one scope (DESIGN.md section 4). There are two index keys, each held
like the units' own keys (sealed to unit key pairs and to the escrow key): the regional
one, sealed to every unit (so links across regional offices show, and the national
unit sees links to regional tips), and the national one, sealed only to the national
(conflict-of-interest) unit. A tip's mentions are made with the key of its unit's
scope, so a regional office can never match a name against the national unit's tips.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import envelope

PSEUDONYM_BYTES = 32


class IndexScope(models.TextChoices):
    """Whose index key made a pseudonym: the regional units' shared one, or the national unit's own."""

    REGIONAL = envelope.INDEX_REGIONAL, _("Regional units")
    NATIONAL = envelope.INDEX_NATIONAL, _("National unit")


class IndexKey(models.Model):
    """One version of an index key of one scope. Only the active one of a scope makes new pseudonyms."""

    scope = models.CharField(max_length=10, choices=IndexScope.choices, default=IndexScope.REGIONAL)
    version = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    sealed_to_escrow = models.BinaryField(help_text="The index key sealed to the escrow public key.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scope", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "version"], name="one_index_key_per_scope_version"),
            models.UniqueConstraint(
                fields=["scope"], condition=models.Q(is_active=True), name="one_active_index_key_per_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope.capitalize()} index key v{self.version}"


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
