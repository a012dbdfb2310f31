"""Django's flush, which also empties the append-only audit log.

The audit log's triggers refuse UPDATE, DELETE (and, on PostgreSQL, TRUNCATE) of
its rows, so the stock flush would fail on SQLite (which flushes with DELETE) and
on PostgreSQL (TRUNCATE). Erasing the whole database is what flush is for, and it
erases the chain head with the events, which leaves an empty, valid chain. The
triggers are lifted for the flush only, in the same transaction, and restored
before it commits. Django's transactional tests (live_server, transaction=True)
call this command after every test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from audit.models import AuditEvent


def _lift_append_only_triggers(connection: BaseDatabaseWrapper) -> Callable[[], None]:
    """Lift the audit table's triggers and return the function that restores them."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return lambda: None
        if connection.vendor == "postgresql":
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"ALTER TABLE {quoted} DISABLE TRIGGER USER")  # noqa: S608

            def restore() -> None:
                with connection.cursor() as cursor:
                    cursor.execute(f"ALTER TABLE {quoted} ENABLE TRIGGER USER")  # noqa: S608

            return restore
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")

            def restore() -> None:
                with connection.cursor() as cursor:
                    for _name, sql in triggers:
                        cursor.execute(sql)

            return restore
    return lambda: None


class Command(flush.Command):
    help = flush.Command.help + " The audit log is emptied too."

    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        with transaction.atomic(using=connection.alias):
            restore = _lift_append_only_triggers(connection)
            super().handle(**options)
            restore()
