"""Create the organisation's escrow key pair: the public half for the server, the private half offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

import envelope


class Command(BaseCommand):
    help = "Create the escrow key pair. Move the private key file offline (printed, in a safe) immediately."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--private-key-out", required=True, type=Path, help="Where to write the private key.")
        parser.add_argument(
            "--force", action="store_true", help="Replace an existing public key (breaks recovery of older tips)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        public_path: Path = settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE
        private_path: Path = options["private_key_out"]
        if public_path.exists() and not options["force"]:
            raise CommandError(f"{public_path} exists; use --force to replace it")
        pair = envelope.new_keypair()
        for path, data in ((private_path, pair.private), (public_path, pair.public)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path.chmod(0o600)
        self.stdout.write(f"Escrow public key: {public_path} (fingerprint {envelope.fingerprint(pair.public)})")
        self.stdout.write(f"Escrow PRIVATE key: {private_path} -- move it offline now.")
