"""Recover a staff member whose private key no longer opens: a new key pair and a new password.

For someone no administrator can reset on the staff pages (the only administrator,
or one locked out by a password set without re-wrapping their key). Run on the
server by someone with shell access; it is recorded in the audit log as done by
the system.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import StaffMember
from cases.members import staff_keys_replace


class Command(BaseCommand):
    help = (
        "Give a staff member a new key pair and a new password (prompted twice, or the first line of "
        "--password-file). Their unit-key grants are deleted (a supervisor, or add_staff_to_unit with the "
        "escrow key, grants them again) and their sessions end. Their authenticator is kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password-file", type=Path, metavar="FILE")

    def _new_password(self, password_file: Path | None) -> str:
        if password_file is not None:
            lines = password_file.read_text().splitlines()
            return lines[0] if lines else ""
        password = getpass.getpass("New password: ")
        if getpass.getpass("New password (again): ") != password:
            raise CommandError("the passwords do not match; nothing was changed")
        return password

    def handle(self, *args: Any, **options: Any) -> None:
        member = StaffMember.objects.filter(user__username=options["username"]).select_related("user").first()
        if member is None:
            raise CommandError("unknown staff member")
        password = self._new_password(options["password_file"])
        try:
            validate_password(password, member.user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        units = staff_keys_replace(member=member, new_password=password, actor=None, via="staff_recover")
        self.stdout.write(f"{member.user} has a new key pair and password; their sessions have ended.")
        for unit in units:
            self.stdout.write(
                f"  No longer holds the keys of {unit.slug}: a supervisor adds them again, or "
                f"add_staff_to_unit --username {member.user} --unit {unit.slug} --escrow-private-key FILE"
            )
