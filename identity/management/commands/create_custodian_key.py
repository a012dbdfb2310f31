"""Create a new identity custodian key (sealed to escrow) and grant it to the named custodians."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

import envelope
from accounts.keys import custodian_grant, custodian_keypair_create
from accounts.models import StaffMember
from audit.models import AuditAction
from audit.services import audit_record


class Command(BaseCommand):
    help = (
        "Create the identity custodian key; contacts given from now on are sealed to it. "
        "Grant it to custodians (role 'custodian', in no unit) with --grant-to."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grant-to", action="append", default=[], metavar="USERNAME")

    def handle(self, *args: Any, **options: Any) -> None:
        members = []
        for username in options["grant_to"]:
            member = StaffMember.objects.filter(user__username=username).first()
            if member is None:
                raise CommandError(f"{username!r} is not a staff member")
            members.append(member)
        with transaction.atomic():
            keypair, private_key = custodian_keypair_create()
            for member in members:
                try:
                    custodian_grant(member=member, keypair=keypair, custodian_private_key=private_key)
                except ValueError as exc:
                    raise CommandError(str(exc)) from exc
                audit_record(
                    actor=None,
                    action=AuditAction.CUSTODIAN_KEY_GRANTED,
                    target_type="user",
                    target_id=member.user_id,
                    details={"custodian_keypair": keypair.pk},
                )
        self.stdout.write(
            f"Identity custodian key {keypair.pk} (fingerprint {envelope.fingerprint(bytes(keypair.public_key))}), "
            f"granted to {len(members)} custodian(s)."
        )
