"""Create the index keys that keyed pseudonyms are made with: the regional one and the national unit's own."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

import envelope
from linking.services import index_keys_create_missing


class Command(BaseCommand):
    help = (
        "Create every index key that does not exist yet: the regional key, sealed to every active unit key "
        "pair, and the national key, sealed only to the national unit's; both to the escrow key. Only public "
        "keys are needed. On an install upgraded from one index key, national reports recorded before keep "
        "the regional pseudonyms until `rotate_index_key --scope national` recomputes them (offline, escrow). "
        "To replace an existing index key, use rotate_index_key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = index_keys_create_missing()
        except envelope.EscrowKeyMissing as exc:
            raise CommandError("no escrow public key is configured; run create_escrow_key first") from exc
        if not created:
            raise CommandError("the index keys exist already; use rotate_index_key to replace one")
        for index_key in created:
            self.stdout.write(f"{index_key} created, sealed to {index_key.seals.count()} unit key(s).")
