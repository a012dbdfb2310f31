"""The database half of a backup: a consistent dump, an empty-target check, a restore.

PostgreSQL: `pg_dump --format=custom` inside a REPEATABLE READ snapshot that this
module exports first, so the row counts, the audit chain head and the list of
attachment files recorded in the manifest are read in exactly the snapshot the dump
holds; `pg_restore --single-transaction` into an empty database. The audit log's
triggers are schema objects of the post-data section: pg_restore creates them after
the rows are loaded, and loading only inserts, which they never refuse.

SQLite (the embedded default): the online backup API copies a consistent image of
the live file while it is in use; the manifest is read from that copy.

Every function takes a `Database` rather than using Django's connection, so a
backup can be read from one database and restored into another in one process.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
DUMP_FILE_NAMES = {POSTGRESQL: "database.pgdump", SQLITE: "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and what to do."""


class Cursor(Protocol):
    """The part of a DB-API cursor this module uses (psycopg and sqlite3 both fit)."""

    def execute(self, query: str, /) -> Any: ...

    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class Database:
    """Where a database is: its engine, and its name (a file path for SQLite) and server."""

    vendor: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings_dict: Mapping[str, Any]) -> Database:
        """Return the database described by one entry of Django's DATABASES."""
        engine = str(settings_dict["ENGINE"])
        if engine.endswith("postgresql"):
            vendor = POSTGRESQL
        elif engine.endswith("sqlite3"):
            vendor = SQLITE
        else:
            raise BackupError(f"unsupported database engine {engine!r}: only PostgreSQL and SQLite are backed up")
        return cls(
            vendor=vendor,
            name=str(settings_dict["NAME"]),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
        )

    @property
    def dump_file_name(self) -> str:
        return DUMP_FILE_NAMES[self.vendor]

    def libpq_env(self) -> dict[str, str]:
        """Return the environment for pg_dump and pg_restore (the password never goes on a command line)."""
        env = dict(os.environ)
        for key, value in (("PGHOST", self.host), ("PGPORT", self.port), ("PGUSER", self.user)):
            if value:
                env[key] = value
            else:
                env.pop(key, None)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect_postgresql(self) -> Any:
        import psycopg
        from psycopg.conninfo import make_conninfo

        params = {
            "dbname": self.name,
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
        }
        return psycopg.connect(make_conninfo("", **{key: value for key, value in params.items() if value}))

    def connect_sqlite(self) -> sqlite3.Connection:
        # Django's in-memory test database is a shared-cache URI; files are plain paths.
        return sqlite3.connect(self.name, uri=self.name.startswith("file:"))


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- reading a snapshot -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotReader:
    """Queries against one consistent state of the database (the one the dump holds)."""

    vendor: str
    cursor: Cursor

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        self.cursor.execute(query)
        return [tuple(row) for row in self.cursor.fetchall()]

    def tables(self) -> list[str]:
        """Return the names of the application's tables, sorted."""
        if self.vendor == POSTGRESQL:
            query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        return [str(row[0]) for row in self.rows(query)]

    def row_counts(self) -> dict[str, int]:
        """Return the number of rows of every table."""
        return {
            table: int(self.rows(f"SELECT COUNT(*) FROM {quote_name(table)}")[0][0])  # noqa: S608 - catalogue names  # nosec B608
            for table in self.tables()
        }


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (apt-get install postgresql-client)")
    return path


def _run(command: list[str], *, env: dict[str, str]) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if completed.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed (exit {completed.returncode}): {completed.stderr.strip()}")


@contextmanager
def dump_in_snapshot(database: Database, dump_path: Path) -> Iterator[SnapshotReader]:
    """Write a consistent dump to `dump_path` and yield a reader of exactly the state it holds.

    The snapshot is established before this yields, so anything done inside the
    block (copying the attachment store) happens after every dumped row committed.
    """
    if database.vendor == POSTGRESQL:
        with _postgresql_dump(database, dump_path) as reader:
            yield reader
    else:
        with _sqlite_dump(database, dump_path) as reader:
            yield reader


@contextmanager
def _postgresql_dump(database: Database, dump_path: Path) -> Iterator[SnapshotReader]:
    import psycopg

    pg_dump = _pg_tool("pg_dump")
    with database.connect_postgresql() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = str(cursor.fetchall()[0][0])
            # Uncompressed: the rows are ciphertext (incompressible) and clear metadata, and an
            # uncompressed dump can be searched for plaintext, as the tests and the drill do.
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--compress=0",
                    f"--snapshot={snapshot}",
                    f"--file={dump_path}",
                    f"--dbname={database.name}",
                ],
                env=database.libpq_env(),
            )
            yield SnapshotReader(POSTGRESQL, cursor)
        conn.rollback()


@contextmanager
def _sqlite_dump(database: Database, dump_path: Path) -> Iterator[SnapshotReader]:
    if not database.name.startswith("file:") and not Path(database.name).is_file():
        raise BackupError(f"no SQLite database at {database.name}")
    with closing(database.connect_sqlite()) as source, closing(sqlite3.connect(dump_path)) as copy:
        # One step (pages=-1): the copy is the database as it was at one moment.
        source.backup(copy)
    with closing(sqlite3.connect(f"file:{dump_path}?mode=ro", uri=True)) as copy:
        yield SnapshotReader(SQLITE, copy.cursor())


# --- restoring ----------------------------------------------------------------------------------------


def is_empty(database: Database) -> bool:
    """Return whether the database holds no table, sequence, view or function of its own."""
    if database.vendor == POSTGRESQL:
        with database.connect_postgresql() as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                "        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
                "          AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%')"
                "     + (SELECT COUNT(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                "        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))"
            )
            return int(cursor.fetchall()[0][0]) == 0
    path = Path(database.name)
    if not path.exists():
        return True
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]) == 0


def restore_dump(database: Database, dump_path: Path) -> None:
    """Load a dump made by `dump_in_snapshot` into an empty database, all or nothing."""
    if database.vendor == POSTGRESQL:
        _run(
            [
                _pg_tool("pg_restore"),
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                f"--dbname={database.name}",
                str(dump_path),
            ],
            env=database.libpq_env(),
        )
        return
    target = Path(database.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    with (
        closing(sqlite3.connect(f"file:{dump_path}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(partial)) as copy,
    ):
        source.backup(copy)
    # Appears under its name only once complete.
    os.replace(partial, target)


@contextmanager
def reader_of(database: Database) -> Iterator[SnapshotReader]:
    """Yield a reader of a database as it is now (used to check a restored one)."""
    if database.vendor == POSTGRESQL:
        with database.connect_postgresql() as conn, conn.cursor() as cursor:
            yield SnapshotReader(POSTGRESQL, cursor)
        return
    with closing(database.connect_sqlite()) as conn:
        yield SnapshotReader(SQLITE, conn.cursor())
