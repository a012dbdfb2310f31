"""Scan the attachments the malware scanner could not take when they arrived (clamd down or too slow).

Each file is decrypted in memory with its tip's key, opened by the offline escrow
private key, and streamed to clamd; a file found infected is marked (its download
is blocked) and audited as done by the system. Run it once clamd answers again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import envelope
from cases.services import attachments_scan_offline
from tipline import scanning


class Command(BaseCommand):
    help = (
        "Scan every attachment marked 'not scanned' with clamd, opening each tip's key with the escrow "
        "private key. Prints how many were clean, infected, and still not scanned."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--escrow-private-key", type=Path, required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        if scanning.scan_chunks([b""]).verdict is scanning.Verdict.UNAVAILABLE:
            raise CommandError(
                "clamd does not answer (TIPLINE_CLAMD_SOCKET or TIPLINE_CLAMD_HOST); nothing was scanned"
            )
        try:
            tally = attachments_scan_offline(escrow_private_key=options["escrow_private_key"].read_bytes())
        except envelope.CryptoError as exc:
            raise CommandError("could not open the tips' keys with that escrow key file") from exc
        self.stdout.write(
            f"{tally.clean} clean, {tally.infected} infected (download blocked), {tally.not_scanned} still not scanned."
        )
