"""Verify the audit log's hash chain; exit 1 if it is broken (for cron and monitoring)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.models import AuditAction
from audit.services import audit_record, audit_verify


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
        result = audit_verify()
        if options["record"]:
            audit_record(
                actor=None,
                action=AuditAction.AUDIT_VERIFIED,
                target_type="audit_log",
                target_id="",
                details={"ok": result.ok, "checked": result.checked, "first_broken_seq": result.first_broken_seq},
            )
        if not result.ok:
            raise CommandError(f"Audit log BROKEN at event {result.first_broken_seq}: {result.reason}")
        self.stdout.write(f"Audit log OK: {result.checked} events verified.")
        self.stdout.write(f"Chain head: event {result.checked}, hash {result.head_hash}")
