"""Say whether this configuration would start in production (config/startup.py), as gunicorn and Celery will."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.startup import StartupRefused, production_checks


class Command(BaseCommand):
    help = (
        "Run the start-up checks of gunicorn and Celery (ALLOWED_HOSTS, escrow public key, attachment store); "
        "exit 1 with one line on the first failure. With DEBUG on nothing is checked."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DEBUG:
            self.stdout.write("DEBUG is on: the start-up checks are skipped (never run production with DEBUG on).")
            return
        try:
            production_checks()
        except StartupRefused as exc:
            raise CommandError(f"not ready: {exc}") from None
        self.stdout.write("ready: ALLOWED_HOSTS, escrow public key and attachment store checked.")
