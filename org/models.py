"""The organisation both sides share: regions, facilities, units and the units' public keys.

Its own app so that the public side (which routes and seals to a unit) and the
staff side (which works the unit's tips) both depend on it, and never on each other
in the wrong direction (DESIGN.md section 3: cases may import tipline, not the reverse).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    unit = models.ForeignKey(
        "Unit", on_delete=models.PROTECT, related_name="regions", verbose_name=_("internal-affairs unit")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Facility(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="facilities")
    capacity = models.PositiveIntegerField(_("capacity"), default=0)
    population = models.PositiveIntegerField(_("current population"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    is_illustrative = models.BooleanField(
        _("illustrative demo data"), default=False, help_text=_("Invented for the demo; not a real record.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    class Kind(models.TextChoices):
        NATIONAL = "national", _("National internal affairs")
        REGIONAL = "regional", _("Regional office")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGIONAL)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=models.Q(kind="national"), name="one_national_unit")
        ]

    def __str__(self) -> str:
        return self.name

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
