"""Enrol a new authenticator (TOTP device) for a staff member and print its secret once."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import staff_totp_enrol, totp_secret_base32


class Command(BaseCommand):
    help = (
        "Give a staff member a new authenticator (replacing any earlier one) and print its secret "
        "and otpauth:// URI, to add to any TOTP authenticator app."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--qr", action="store_true", help="also draw the URI as a QR code in the terminal")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"], staff__isnull=False).first()
        if user is None:
            raise CommandError(f"{options['username']!r} is not a staff account")
        device = staff_totp_enrol(user=user)
        self.stdout.write(f"Secret (base32): {totp_secret_base32(device)}")
        self.stdout.write(f"URI: {device.config_url}")
        if options["qr"]:
            drawing = io.StringIO()
            segno.make(device.config_url, error="m").terminal(out=drawing, compact=True)
            self.stdout.write(drawing.getvalue(), ending="")
