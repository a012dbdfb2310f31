"""Replace the index key and recompute every keyed pseudonym under the new one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import envelope
from linking.services import index_key_rotate


class Command(BaseCommand):
    help = (
        "Create a new version of the index key and recompute every recorded entity's pseudonym with it, "
        "decrypting each value with its tip's key opened by the escrow private key. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--escrow-private-key", type=Path, required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            index_key, recomputed = index_key_rotate(escrow_private_key=options["escrow_private_key"].read_bytes())
        except envelope.CryptoError as exc:
            raise CommandError("could not open the keys with that escrow key file; nothing was changed") from exc
        except envelope.EscrowKeyMissing as exc:
            raise CommandError("no escrow public key is configured") from exc
        self.stdout.write(f"Index key v{index_key.version} is active; {recomputed} pseudonym(s) recomputed.")
