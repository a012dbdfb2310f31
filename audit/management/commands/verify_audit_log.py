"""Verify the audit log's hash chain; exit 1 if it is broken (for cron and monitoring)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import audit_chain_verify, audit_verify


class Command(BaseCommand):
    help = (
        "Recompute every audit event's hash and check the links between them. Print the chain head on "
        "success (keep it somewhere the database owner cannot write, to notice a rewritten chain later); "
        "exit 1 and name the first broken event otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--record", action="store_true", help="Append an audit_verified event with the result to the log."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_chain_verify(actor=None) if options["record"] else audit_verify()
        if not result.ok:
            raise CommandError(f"Audit log BROKEN at event {result.first_broken_seq}: {result.reason}")
        self.stdout.write(f"Audit log OK: {result.checked} events verified.")
        self.stdout.write(f"Chain head: event {result.checked}, hash {result.head_hash}")
