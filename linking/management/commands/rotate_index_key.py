"""Replace an index key (regional or national) and recompute its tips' keyed pseudonyms under the new one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import envelope
from linking.models import IndexScope
from linking.services import index_key_rotate


class Command(BaseCommand):
    help = (
        "Create a new version of the index key of a scope and recompute the pseudonym of every entity recorded "
        "on that scope's tips (the national unit's for --scope national, every other unit's for regional), "
        "decrypting each value with its tip's key opened by the escrow private key. All or nothing. Run it "
        "with --scope national once after upgrading to a national index key, so national reports recorded "
        "before are keyed under it, and after transferring cases into or out of the national unit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--escrow-private-key", type=Path, required=True, metavar="FILE")
        parser.add_argument("--scope", choices=IndexScope.values, default=IndexScope.REGIONAL)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            index_key, recomputed = index_key_rotate(
                escrow_private_key=options["escrow_private_key"].read_bytes(), scope=options["scope"]
            )
        except envelope.CryptoError as exc:
            raise CommandError("could not open the keys with that escrow key file; nothing was changed") from exc
        except envelope.EscrowKeyMissing as exc:
            raise CommandError("no escrow public key is configured") from exc
        self.stdout.write(f"{index_key} is active; {recomputed} pseudonym(s) recomputed.")
