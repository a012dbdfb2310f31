"""Grant a unit's current key to a staff member, unlocked by a supervisor or the escrow key."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import envelope
from accounts.keys import membership_grant, staff_unlock_keys, unit_private_key_from_escrow, vault_unit_key_name
from accounts.models import StaffMember
from org.models import Unit


class Command(BaseCommand):
    help = (
        "Add a staff member to a unit by sealing the unit's key to them. The unit key is opened either "
        "with --grantor (a member of the unit; password from $TIPLINE_GRANTOR_PASSWORD or prompted) or "
        "with --escrow-private-key (the offline escrow key file)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--unit", required=True, help="The unit's slug.")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--grantor", metavar="USERNAME")
        source.add_argument("--escrow-private-key", type=Path, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = Unit.objects.filter(slug=options["unit"]).first()
        member = StaffMember.objects.filter(user__username=options["username"]).first()
        if unit is None or member is None:
            raise CommandError("unknown unit or staff member")
        keypair = unit.active_keypair()
        if keypair is None:
            raise CommandError(f"unit {unit.slug} has no key; run create_unit_keys first")
        grantor = None
        try:
            if options["escrow_private_key"]:
                unit_key = unit_private_key_from_escrow(
                    keypair=keypair, escrow_private_key=options["escrow_private_key"].read_bytes()
                )
            else:
                grantor = StaffMember.objects.filter(user__username=options["grantor"]).first()
                if grantor is None:
                    raise CommandError("unknown grantor")
                password = os.environ.get("TIPLINE_GRANTOR_PASSWORD") or getpass.getpass("Grantor's password: ")
                unlocked = staff_unlock_keys(member=grantor, password=password)
                unit_key = unlocked.get(vault_unit_key_name(keypair.pk), b"")
                if not unit_key:
                    raise CommandError("the grantor does not hold this unit's current key")
        except envelope.CryptoError as exc:
            raise CommandError("could not open the unit key (wrong password or key file)") from exc
        membership_grant(member=member, keypair=keypair, unit_private_key=unit_key, granted_by=grantor)
        self.stdout.write(f"{member.user} now holds key {keypair.pk} of {unit.slug}.")
