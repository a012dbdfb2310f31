"""Create the index key that keyed pseudonyms are made with, sealed to every unit key and the escrow key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

import envelope
from linking.services import IndexKeyExists, index_key_create


class Command(BaseCommand):
    help = (
        "Create the first index key and seal it to every active unit key pair and to the escrow key. "
        "Only public keys are needed. To replace an existing index key, use rotate_index_key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            index_key, _key = index_key_create()
        except IndexKeyExists as exc:
            raise CommandError("an index key exists already; use rotate_index_key to replace it") from exc
        except envelope.EscrowKeyMissing as exc:
            raise CommandError("no escrow public key is configured; run create_escrow_key first") from exc
        self.stdout.write(f"Index key v{index_key.version} created, sealed to {index_key.seals.count()} unit key(s).")
