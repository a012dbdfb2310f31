"""Key and link every tip whose entities wait for a staff session, through the offline escrow key (a backfill)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import envelope
from linking.services import waiting_tips_link_with_escrow


class Command(BaseCommand):
    help = (
        "Link the reports whose entities the machine found at intake but no staff session has keyed yet, "
        "opening each report and the index keys with the escrow private key (offline, on the escrow "
        "machine). With --extract-missing, reports stored before automatic linking get their entities "
        "found first, from the report and the whistleblower's replies. Staff sessions do the same work a "
        "few reports per page; this is for a backlog, an upgrade, or a unit whose members are away."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--escrow-private-key", type=Path, required=True, metavar="FILE")
        parser.add_argument("--extract-missing", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            extracted, linked = waiting_tips_link_with_escrow(
                escrow_private_key=options["escrow_private_key"].read_bytes(),
                extract_missing=options["extract_missing"],
            )
        except envelope.CryptoError as exc:
            raise CommandError("could not open the keys with that escrow key file; nothing was linked") from exc
        seconds = time.perf_counter() - started
        rate = linked / seconds if seconds > 0 else 0.0
        self.stdout.write(
            f"{linked} report(s) linked, {extracted} read for entities first, in {seconds:.1f} s ({rate:.0f} reports/s)."
        )
