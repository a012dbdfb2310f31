"""The organisation both sides share: regions, facilities, units and the units' public keys.

Its own app so that the public side (which routes and seals to a unit) and the
staff side (which works the unit's tips) both depend on it, and never on each other
in the wrong direction (DESIGN.md section 3: cases may import tipline, not the reverse).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CONFLICT_PATH_SERVES_A_REGION = _(
    "A unit that serves a region cannot be the national unit: reports that accuse staff would go to the "
    "office they may accuse. Point the region at its regional office first."
)


class Region(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    unit = models.ForeignKey(
        "Unit", on_delete=models.PROTECT, related_name="regions", verbose_name=_("internal-affairs unit")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse to let a region be served by the national unit (the conflict-of-interest path).

        Routing (org.routing.conflict_path_unit) and a database trigger refuse it too.
        """
        if self.unit_id is not None and Unit.objects.filter(pk=self.unit_id, kind=Unit.Kind.NATIONAL).exists():
            raise ValidationError({"unit": CONFLICT_PATH_SERVES_A_REGION})


class Facility(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="facilities")
    capacity = models.PositiveIntegerField(_("capacity"), default=0)
    population = models.PositiveIntegerField(_("current population"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    is_illustrative = models.BooleanField(
        _("illustrative demo data"), default=False, help_text=_("Invented for the demo; not a real record.")
    )
    risk = models.PositiveSmallIntegerField(
        _("risk level"),
        choices=[
            (0, pgettext_lazy("risk level", "Low")),
            (1, pgettext_lazy("risk level", "Normal")),
            (2, pgettext_lazy("risk level", "High")),
            (3, pgettext_lazy("risk level", "Critical")),
        ],
        default=1,
        help_text=_("Set by internal affairs from history and intelligence; raises the triage score of its tips."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    class Kind(models.TextChoices):
        NATIONAL = "national", _("National internal affairs")
        REGIONAL = "regional", _("Regional office")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGIONAL)
    # Deadlines (DESIGN.md section 6): EU directive and D.Leg. 1327 defaults, configurable per unit.
    acknowledge_days = models.PositiveSmallIntegerField(_("acknowledge within (days)"), default=7)
    feedback_days = models.PositiveSmallIntegerField(_("give feedback within (days)"), default=90)
    protection_working_days = models.PositiveSmallIntegerField(
        _("decide a protection request within (working days)"), default=15
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=models.Q(kind="national"), name="one_national_unit")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse to make a unit that serves a region the national unit (the conflict-of-interest path).

        Routing (org.routing.conflict_path_unit) and a database trigger refuse it too.
        """
        if self.kind == Unit.Kind.NATIONAL and self.pk is not None and Region.objects.filter(unit_id=self.pk).exists():
            raise ValidationError({"kind": CONFLICT_PATH_SERVES_A_REGION})

    def active_keypair(self) -> UnitKeyPair | None:
        return self.keypairs.filter(is_active=True).order_by("-created_at").first()


class UnitKeyPair(models.Model):
    """A unit's public key. The private half is only ever stored sealed to members and escrow."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="keypairs")
    public_key = models.BinaryField()
    sealed_to_escrow = models.BinaryField(help_text="The unit's private key sealed to the escrow key.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.unit} key {self.pk}"


class CustodianKeyPair(models.Model):
    """The identity custodian's public key (D.Leg. 1327): reserved identities are sealed to it, never to a unit.

    Held by staff of the custodian role, who belong to no unit (accounts.CustodianGrant);
    the private half is only ever stored sealed to them and to escrow.
    """

    public_key = models.BinaryField()
    sealed_to_escrow = models.BinaryField(help_text="The custodian private key sealed to the escrow key.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"identity custodian key {self.pk}"

    @classmethod
    def active(cls) -> CustodianKeyPair | None:
        """Return the key new reserved identities are sealed to, or None if none was made."""
        return cls.objects.filter(is_active=True).order_by("-created_at", "-pk").first()


class RoutingRule(models.Model):
    """Send tips of a facility and/or a category to a unit other than the region's.

    The most specific active rule wins (facility and category, then facility, then
    category), then the lowest priority number. The conflict-of-interest path to the
    national unit always comes first and cannot be overridden by a rule.
    """

    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules"
    )
    category = models.CharField(_("category"), max_length=20, blank=True, help_text=_("Empty: any category."))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="routing_rules")
    priority = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(facility__isnull=False) | ~models.Q(category=""), name="rule_matches_something"
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility or '*'} / {self.category or '*'} -> {self.unit}"
