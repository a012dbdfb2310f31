"""Print today's counts of slowed and refused public requests (numbers only, nothing about anyone)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tipline import abuse


class Command(BaseCommand):
    help = "Print today's counts of slowed and refused public requests (tipline/abuse.py)."

    def handle(self, *args: Any, **options: Any) -> None:
        for event, number in abuse.counters_today().items():
            self.stdout.write(f"{event}\t{number}")
