"""Print a staff member's current TOTP code, so a demo can be followed without a phone (DEBUG only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP

from accounts.services import staff_totp_device


class Command(BaseCommand):
    help = "Print the current 6-digit login code of a staff member's authenticator. Refused unless DEBUG is on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("totp_code only works on a demo server (DEBUG on); use an authenticator app.")
        user = get_user_model().objects.filter(username=options["username"]).first()
        device = staff_totp_device(user=user) if user is not None else None
        if device is None:
            raise CommandError(f"{options['username']!r} has no authenticator; enrol one with enrol_totp.")
        code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        self.stdout.write(f"{code:0{device.digits}d}")
