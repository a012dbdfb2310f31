"""Fixtures for backup and restore: the test database as the source, an empty target of the same engine.

The tests are transactional: a backup reads what is committed (pg_dump is another
process; SQLite's backup API another connection). On PostgreSQL the target is a
database of our own, `tipline_backups_restore_check`, created empty for each test
and dropped afterwards; on SQLite it is a file under the test's tmp_path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.files.storage import Storage
from django.db import connection

from accounts.models import StaffMember
from backups.create import BackupResult, backup_create, escrow_public_key_now, receipt_settings_now
from backups.database import POSTGRESQL, SQLITE, Database
from backups.drill_phases import encrypted_upload
from backups.restore import RestoreResult, backup_restore, known_migrations_here
from org.models import Facility
from tipline import storage
from tipline.models import Category, SmugglingChannel, StaffInvolved, Tip, WhenPeriod
from tipline.services import TipSubmission, tip_submit
from tipline.storage import AttachmentFileSystemStorage

TARGET_DATABASE = "tipline_backups_restore_check"


def source_database() -> Database:
    """Return the test run's own database, as the backup reads it."""
    return Database.from_settings(connection.settings_dict)


@pytest.fixture
def target_database(tmp_path: Path) -> Iterator[Database]:
    source = source_database()
    if source.vendor == SQLITE:
        yield Database(vendor=SQLITE, name=str(tmp_path / "restored" / "tipline.sqlite3"))
        return
    target = Database(
        vendor=POSTGRESQL,
        name=TARGET_DATABASE,
        host=source.host,
        port=source.port,
        user=source.user,
        password=source.password,
    )
    maintenance = replace(target, name="postgres")

    def recreate(create: bool) -> None:
        with maintenance.connect_postgresql() as conn:
            conn.autocommit = True
            conn.execute(f'DROP DATABASE IF EXISTS "{TARGET_DATABASE}" WITH (FORCE)')
            if create:
                conn.execute(f'CREATE DATABASE "{TARGET_DATABASE}"')

    recreate(True)
    yield target
    recreate(False)


@dataclass(frozen=True)
class Canary:
    """A tip whose every typed or uploaded word carries one unique string."""

    text: str
    tip: Tip
    receipt: str
    attachment_bytes: bytes


@pytest.fixture
def canary(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Canary:
    text = f"CANARY-BACKUP-{uuid.uuid4().hex}"
    attachment = f"{text} la lista de visitas del domingo\n".encode() * 200
    tip, receipt = tip_submit(
        submission=TipSubmission(
            facility=facilities["lurigancho"],
            category=Category.BRIBERY,
            smuggling_channel=SmugglingChannel.STAFF,
            staff_involved=StaffInvolved.NO,
            when_period=WhenPeriod.THIS_WEEK,
            occurred_on=None,
            description=f"{text}: el técnico Ramos cobra cupos por celulares.",
            contact=f"{text} contacto",
        ),
        # Through the real encrypting upload handler, as a browser's file would go.
        uploads=[encrypted_upload(attachment, name=f"{text}.txt")],
    )
    return Canary(text=text, tip=tip, receipt=receipt, attachment_bytes=attachment)


def make_backup(out_dir: Path) -> BackupResult:
    """Back up the test database and this test's attachment store, as `python -m backups.create` does."""
    return backup_create(
        out_dir=out_dir,
        database=source_database(),
        store=storage.attachment_store(),
        escrow_public_key=escrow_public_key_now(),
        receipt_settings=receipt_settings_now(),
    )


def local_store(directory: Path) -> Storage:
    """Return an attachment store in local files under `directory`, as a restore target would have."""
    return AttachmentFileSystemStorage(location=directory)


def restore_into(backup_dir: Path, target: Database, store: Storage, **overrides: object) -> RestoreResult:
    """Restore into `target` and `store` with this instance's settings, as `python -m backups.restore` does."""
    arguments: dict[str, object] = {
        "backup_dir": backup_dir,
        "database": target,
        "store": store,
        "escrow_public_key": escrow_public_key_now(),
        "receipt_settings": receipt_settings_now(),
        "known_migrations": known_migrations_here(),
    }
    arguments.update(overrides)
    return backup_restore(**arguments)  # type: ignore[arg-type]


@pytest.fixture
def escrow_private_key(tipline_settings: LazySettings) -> bytes:
    key: bytes = tipline_settings.TEST_ESCROW_PRIVATE_KEY
    return key
