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
    DNI = "dni", _("DNI number")
    TIME = "time", _("Time (day, shift, night)")
    IMEI = "imei", _("IMEI of a phone")


class MentionOrigin(models.TextChoices):
    """Who found that a tip names an entity: a member recording it, or the machine reading the tip at intake."""

    STAFF = "staff", _("Recorded by a member")
    MACHINE = "machine", _("Found by the machine")


class MentionStatus(models.TextChoices):
    """Where a mention is in its life.

    A machine-found mention is stored at intake with its value sealed and no pseudonym
    (the server holds no index key then): PENDING. The first staff session that can open
    the index key and the tip computes its pseudonym: LINKED. A member who removes a
    machine-found mention leaves it DISMISSED (value kept sealed, no pseudonym), so the
    machine never offers it on that tip again: their corrections win.
    """

    PENDING = "pending", _("Waiting to be linked")
    LINKED = "linked", _("Linked")
    DISMISSED = "dismissed", _("Removed by a member")


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
    # None while PENDING or DISMISSED (MentionStatus): only a LINKED mention has a pseudonym.
    pseudonym = models.BinaryField(max_length=PSEUDONYM_BYTES, null=True, blank=True)
    index_key = models.ForeignKey(IndexKey, on_delete=models.PROTECT, related_name="mentions", null=True, blank=True)
    origin = models.CharField(max_length=10, choices=MentionOrigin.choices, default=MentionOrigin.STAFF)
    status = models.CharField(max_length=10, choices=MentionStatus.choices, default=MentionStatus.LINKED)
    created_by = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A member who checked a machine-found mention and kept it.
    confirmed_by = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The day only, like the tip's own dates.
    created_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Every tip naming a pseudonym, answered from the index alone (suggested links, the pseudonym page).
            models.Index(fields=["pseudonym", "tip"], name="mention_pseudonym_tip"),
            # The automatic step's work list: the tips with mentions waiting for their pseudonyms.
            models.Index(fields=["tip"], condition=models.Q(status="pending"), name="mention_pending_by_tip"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tip", "pseudonym"], name="one_mention_per_tip_entity"),
            models.CheckConstraint(
                condition=models.Q(status="linked", pseudonym__isnull=False)
                | (~models.Q(status="linked") & models.Q(pseudonym__isnull=True)),
                name="only_linked_mentions_have_pseudonyms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} mention {self.public_id}"

    @property
    def linked_pseudonym(self) -> bytes:
        """The pseudonym of a LINKED mention, as bytes (a database driver may hand a memoryview)."""
        if self.pseudonym is None:
            raise ValueError(f"mention {self.public_id} is {self.status}: it has no pseudonym")
        return bytes(self.pseudonym)

    @property
    def pseudonym_hex(self) -> str:
        return self.linked_pseudonym.hex()


class NameKey(models.Model):
    """One keyed pseudonym of one part of a person's name (linking.names.NameKey), so spellings meet blind.

    A person mention gets several: its surnames and given names as written, their
    Spanish phonetic keys, the phonetic keys with one letter left out (a typo), a
    given name's initial, a nickname. `pseudonym` is HMAC(index key, the key's text);
    `slot`, `position` and `method` say which part and how it was keyed, never what it
    says. How many tips name a key (its rarity) is counted from the index (pseudonym,
    tip), so the counts are of pseudonyms too.
    """

    mention = models.ForeignKey(EntityMention, on_delete=models.CASCADE, related_name="name_keys")
    tip = models.ForeignKey("tipline.Tip", on_delete=models.CASCADE, related_name="+", db_index=False)
    slot = models.CharField(max_length=10)
    position = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=10)
    pseudonym = models.BinaryField(max_length=PSEUDONYM_BYTES)

    class Meta:
        indexes = [models.Index(fields=["pseudonym", "tip"], name="name_key_pseudonym_tip")]

    def __str__(self) -> str:
        return f"{self.slot} {self.method} key of mention {self.mention_id}"


class Verdict(models.TextChoices):
    NONE = "", _("Not judged")
    SAME = "same", _("The same")
    NOT_SAME = "not_same", _("Not the same")


class TipLink(models.Model):
    """That two tips seem to be about the same matter, found blind: a score and the evidence in codes.

    Made by the automatic step from pseudonyms only (linking.automatic); no value. The
    pair is stored once, lower tip id first. An analyst's verdict stays when the link is
    computed again: a pair judged "not the same" is never suggested again.
    """

    tip_low = models.ForeignKey("tipline.Tip", on_delete=models.CASCADE, related_name="+", db_index=False)
    tip_high = models.ForeignKey("tipline.Tip", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    # Codes of linking.scoring.EVIDENCE (what was shared, never the value).
    evidence = models.JSONField(default=list)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, blank=True, default=Verdict.NONE)
    verdict_by = models.ForeignKey(
        "accounts.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verdict_on = models.DateField(null=True, blank=True)
    computed_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tip_low", "tip_high"], name="one_link_per_tip_pair"),
            models.CheckConstraint(condition=models.Q(tip_low__lt=models.F("tip_high")), name="link_tips_ordered"),
        ]

    def __str__(self) -> str:
        return f"Link {self.tip_low_id}-{self.tip_high_id} ({self.score:.2f})"
