"""Seal the active index keys to the unit key pairs of their scope that lack them, opened with the escrow key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import envelope
from linking.models import IndexKey
from linking.services import index_key_seal_with_escrow


class Command(BaseCommand):
    help = (
        "Seal each active index key to every active unit key pair of its scope without a copy (a new unit, a "
        "rotated unit key; the national key only ever to the national unit). Sessions do this by themselves "
        "whenever someone who holds the index key records an entity; this command does it at once with the "
        "escrow private key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--escrow-private-key", type=Path, required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        if not IndexKey.objects.filter(is_active=True).exists():
            raise CommandError("there is no index key; run create_index_key first")
        try:
            sealed = index_key_seal_with_escrow(escrow_private_key=options["escrow_private_key"].read_bytes())
        except envelope.CryptoError as exc:
            raise CommandError("could not open the index key with that escrow key file") from exc
        self.stdout.write(f"Sealed the index keys to {sealed} unit key(s).")
