"""Raw-SQL tampering with the audit table, as an attacker with the database owner's rights would do it.

The append-only triggers refuse UPDATE and DELETE even in raw SQL, so the attacker
first lifts them (drops them on SQLite, disables them on PostgreSQL). Everything
happens inside the test's transaction and is rolled back with it, triggers included.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from audit.models import AuditEvent

TABLE = AuditEvent._meta.db_table


def lift_triggers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE waits for no one, but refuses while deferred foreign-key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER {name}")


def raw_update(seq: int, column: str, value: Any) -> None:
    """Set one column of one event, converting the value as the ORM would."""
    field = next(f for f in AuditEvent._meta.concrete_fields if f.column == column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET {column} = %s WHERE seq = %s", [field.get_db_prep_save(value, connection), seq]
        )
        assert cursor.rowcount == 1


def raw_delete(seq: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [seq])
        assert cursor.rowcount == 1
