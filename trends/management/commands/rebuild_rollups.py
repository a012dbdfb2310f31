"""Rewrite every trends roll-up and spike alert from the tips and cases (what the nightly task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from trends.services import rollups_rebuild


class Command(BaseCommand):
    help = "Rewrite every trends roll-up and spike alert from the tips and cases (the nightly rebuild, now)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = rollups_rebuild()
        self.stdout.write(
            f"Rebuilt the roll-ups of {result.facilities} facilities: {result.tip_rows} tip rows, "
            f"{result.case_rows} case rows, {result.alerts} spike alerts."
        )
