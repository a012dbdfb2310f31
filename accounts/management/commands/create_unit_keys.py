"""Create a new key for a unit (sealed to escrow) and grant it to the named members."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import envelope
from accounts.keys import membership_grant, unit_keypair_create
from accounts.models import StaffMember
from org.models import Unit


class Command(BaseCommand):
    help = "Create a unit's key pair; new tips are sealed to it. Grant it to members with --grant-to."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="The unit's slug.")
        parser.add_argument("--grant-to", action="append", default=[], metavar="USERNAME")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = Unit.objects.filter(slug=options["unit"]).first()
        if unit is None:
            raise CommandError(f"no unit with slug {options['unit']!r}")
        members = []
        for username in options["grant_to"]:
            member = StaffMember.objects.filter(user__username=username).first()
            if member is None:
                raise CommandError(f"{username!r} is not a staff member with a key pair")
            members.append(member)
        keypair, private_key = unit_keypair_create(unit=unit)
        for member in members:
            membership_grant(member=member, keypair=keypair, unit_private_key=private_key)
        self.stdout.write(
            f"Unit {unit.slug}: key {keypair.pk} (fingerprint {envelope.fingerprint(bytes(keypair.public_key))}), "
            f"granted to {len(members)} member(s)."
        )
