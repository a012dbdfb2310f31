"""Load invented demo data: units, facilities, staff with keys, and a few sample tips.

Every name here is invented and marked illustrative. The demo password and the demo
staff's TOTP secret are published in the README and refused whenever DEBUG is off.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from cases.auth_services import staff_totp_device, staff_totp_enrol, totp_is_demo_key, totp_key_base32
from cases.keys import membership_grant, staff_member_create, unit_keypair_create
from cases.models import Role
from org.models import Facility, Region, Unit
from tipline import crypto
from tipline.models import Category, SmugglingChannel, StaffInvolved, WhenPeriod
from tipline.services import TipSubmission, tip_submit

UNITS = [
    ("national", "Oficina Nacional de Asuntos Internos (demo)", Unit.Kind.NATIONAL),
    ("lima", "Oficina Regional Lima – Asuntos Internos (demo)", Unit.Kind.REGIONAL),
    ("norte", "Oficina Regional Norte – Asuntos Internos (demo)", Unit.Kind.REGIONAL),
]
REGIONS = [("Lima (demo)", "lima"), ("Norte (demo)", "norte")]
FACILITIES = [
    ("E.P. Lurigancho (ilustrativo)", "Lima (demo)", 3200, 6500),
    ("E.P. Miguel Castro Castro (ilustrativo)", "Lima (demo)", 1100, 4400),
    ("E.P. Ancón I (ilustrativo)", "Lima (demo)", 1500, 2600),
    ("E.P. Mujeres de Chorrillos (ilustrativo)", "Lima (demo)", 450, 900),
    ("E.P. Trujillo (ilustrativo)", "Norte (demo)", 1100, 3300),
    ("E.P. Chiclayo (ilustrativo)", "Norte (demo)", 1150, 3600),
]
# username, role, unit slugs
STAFF = [
    ("investigator", Role.INVESTIGATOR, ["lima"]),
    ("supervisor", Role.SUPERVISOR, ["lima"]),
    ("investigator_norte", Role.INVESTIGATOR, ["norte"]),
    ("investigator_national", Role.INVESTIGATOR, ["national"]),
    ("manager", Role.MANAGER, []),
    ("admin", Role.ADMINISTRATOR, []),
]
SAMPLE_TIPS = [
    (
        "E.P. Lurigancho (ilustrativo)",
        Category.PHONES,
        SmugglingChannel.VISITORS,
        StaffInvolved.NO,
        "DEMO (invented): on visiting day, two visitors passed mobile phones and chargers hidden in food "
        "containers at the entrance of pavilion 4. The search at the gate did not open the containers.",
    ),
    (
        "E.P. Miguel Castro Castro (ilustrativo)",
        Category.BRIBERY,
        SmugglingChannel.STAFF,
        StaffInvolved.NO,
        "DEMO (invented): a guard on the night shift charges inmates a weekly payment to keep phones in their cells.",
    ),
]


class Command(BaseCommand):
    help = "Load invented demo data (idempotent). Prints the demo password and sample receipts."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE.exists():
            private = settings.VAR_DIR / "escrow" / "DEMO-escrow-private.key"
            call_command("create_escrow_key", private_key_out=private, stdout=self.stdout)
        if Unit.objects.filter(slug="lima").exists():
            self.stdout.write("Demo data already loaded.")
            self._enrol_demo_authenticators()
            self._print_logins()
            return
        with transaction.atomic():
            receipts = self._load()
            self._enrol_demo_authenticators()
        self._print_logins()
        for facility, receipt in receipts:
            self.stdout.write(f"Sample tip at {facility}: tracking code {crypto.format_receipt(receipt)}")

    def _load(self) -> list[tuple[str, str]]:
        units = {slug: Unit.objects.create(slug=slug, name=name, kind=kind) for slug, name, kind in UNITS}
        regions = {name: Region.objects.create(name=name, unit=units[slug]) for name, slug in REGIONS}
        facilities = {
            name: Facility.objects.create(
                name=name, region=regions[region], capacity=capacity, population=population, is_illustrative=True
            )
            for name, region, capacity, population in FACILITIES
        }
        user_model = get_user_model()
        members = {}
        for username, role, _units in STAFF:
            user = user_model(username=username, email=f"{username}@example.invalid")
            user.set_password(settings.TIPLINE_DEMO_PASSWORD)
            user.save()
            members[username] = staff_member_create(user=user, role=role, password=settings.TIPLINE_DEMO_PASSWORD)
        for slug, unit in units.items():
            keypair, private_key = unit_keypair_create(unit=unit)
            for username, _role, unit_slugs in STAFF:
                if slug in unit_slugs:
                    membership_grant(member=members[username], keypair=keypair, unit_private_key=private_key)
        receipts = []
        for facility, category, channel, involved, text in SAMPLE_TIPS:
            _tip, receipt = tip_submit(
                submission=TipSubmission(
                    facility=facilities[facility],
                    category=category,
                    smuggling_channel=channel,
                    staff_involved=involved,
                    when_period=WhenPeriod.THIS_MONTH,
                    occurred_on=None,
                    description=text,
                    contact="",
                )
            )
            receipts.append((facility, receipt))
        return receipts

    def _enrol_demo_authenticators(self) -> None:
        """Give every demo staff user the published demo TOTP secret (kept if already there)."""
        for user in get_user_model().objects.filter(username__in=[username for username, _r, _u in STAFF]):
            device = staff_totp_device(user=user)
            if device is None or not totp_is_demo_key(device):
                staff_totp_enrol(user=user, key_hex=settings.TIPLINE_DEMO_TOTP_KEY)

    def _print_logins(self) -> None:
        names = ", ".join(username for username, _role, _units in STAFF)
        self.stdout.write(
            f"Demo staff at /staff/: {names}; password: {settings.TIPLINE_DEMO_PASSWORD} "
            "(accepted only while DEBUG is on)."
        )
        self.stdout.write(
            f"Demo authenticator secret (TOTP, all demo staff): {totp_key_base32(settings.TIPLINE_DEMO_TOTP_KEY)} -- add it to any "
            "authenticator app, or print the current code with: manage.py totp_code --username investigator "
            "(DEBUG only)."
        )
