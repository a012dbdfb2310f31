"""Restore refuses a backup that is not exactly what was written, and a target that is not empty.

Every refusal happens before the target is touched: it stays empty, so the operator
can fix the cause and run the restore again.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from backups.create import BackupResult, receipt_settings_now
from backups.database import BackupError, Database, is_empty
from backups.manifest import MANIFEST_NAME
from envelope import primitives as crypto
from tests.backups.conftest import Canary, local_store, make_backup, restore_into
from tipline import storage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backup(canary: Canary, tmp_path: Path) -> BackupResult:
    return make_backup(tmp_path / "backup")


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def assert_untouched(target: Database, store: Storage) -> None:
    assert is_empty(target)
    assert storage.file_names(store=store) == []


def test_a_changed_attachment_file_is_refused(backup: BackupResult, target_database: Database, tmp_path: Path) -> None:
    [attachment] = [name for name in backup.manifest.files if name.startswith("attachments/")]
    flip_a_byte(backup.out_dir / attachment)
    store = local_store(tmp_path / "store")

    with pytest.raises(BackupError, match=f"{attachment} does not match its SHA-256 in the manifest"):
        restore_into(backup.out_dir, target_database, store)
    assert_untouched(target_database, store)


def test_a_changed_database_dump_is_refused(backup: BackupResult, target_database: Database, tmp_path: Path) -> None:
    flip_a_byte(backup.out_dir / backup.manifest.database_file)
    store = local_store(tmp_path / "store")

    with pytest.raises(BackupError, match="does not match its SHA-256 in the manifest"):
        restore_into(backup.out_dir, target_database, store)
    assert_untouched(target_database, store)


def test_a_file_slipped_into_the_backup_is_refused(
    backup: BackupResult, target_database: Database, tmp_path: Path
) -> None:
    (backup.out_dir / "attachments" / ("0" * 32)).write_bytes(b"not from the backup")
    store = local_store(tmp_path / "store")

    with pytest.raises(BackupError, match="files not in the manifest: attachments/0000"):
        restore_into(backup.out_dir, target_database, store)
    assert_untouched(target_database, store)


def test_a_rewritten_manifest_is_refused_against_its_recorded_sha256(
    backup: BackupResult, target_database: Database, tmp_path: Path
) -> None:
    manifest = json.loads((backup.out_dir / MANIFEST_NAME).read_text())
    manifest["row_counts"]["tipline_tip"] = 0
    (backup.out_dir / MANIFEST_NAME).write_text(json.dumps(manifest))
    store = local_store(tmp_path / "store")

    with pytest.raises(BackupError, match="does not have the SHA-256 recorded when the backup was made"):
        restore_into(backup.out_dir, target_database, store, manifest_sha256=backup.manifest_sha256)
    assert_untouched(target_database, store)


def test_an_unfinished_backup_without_manifest_is_refused(
    backup: BackupResult, target_database: Database, tmp_path: Path
) -> None:
    (backup.out_dir / MANIFEST_NAME).unlink()

    with pytest.raises(BackupError, match="not a backup, or an unfinished one"):
        restore_into(backup.out_dir, target_database, local_store(tmp_path / "store"))


def test_a_database_that_is_not_empty_is_refused(
    backup: BackupResult, target_database: Database, tmp_path: Path
) -> None:
    restore_into(backup.out_dir, target_database, local_store(tmp_path / "first-store"))
    second_store = local_store(tmp_path / "second-store")

    with pytest.raises(BackupError, match="is not empty; restore only into an empty one"):
        restore_into(backup.out_dir, target_database, second_store)
    assert storage.file_names(store=second_store) == []


def test_an_attachment_store_that_is_not_empty_is_refused(
    backup: BackupResult, target_database: Database, tmp_path: Path
) -> None:
    store = local_store(tmp_path / "store")
    store.save("a" * 32, ContentFile(b"someone else's file"))

    with pytest.raises(BackupError, match="attachment store .* is not empty"):
        restore_into(backup.out_dir, target_database, store)
    assert is_empty(target_database)


def test_another_escrow_public_key_is_refused(backup: BackupResult, target_database: Database, tmp_path: Path) -> None:
    other = crypto.generate_keypair().public
    store = local_store(tmp_path / "store")

    with pytest.raises(BackupError, match="escrow public key is not the one the backup was made with"):
        restore_into(backup.out_dir, target_database, store, escrow_public_key=other)
    assert_untouched(target_database, store)


def test_another_argon2_cost_is_refused(backup: BackupResult, target_database: Database, tmp_path: Path) -> None:
    cheaper = replace(receipt_settings_now(), argon2_iterations=receipt_settings_now().argon2_iterations + 1)
    store = local_store(tmp_path / "store")

    with pytest.raises(BackupError, match="no tracking code and no staff password would open anything"):
        restore_into(backup.out_dir, target_database, store, receipt_settings=cheaper)
    assert_untouched(target_database, store)


def test_a_backup_from_a_newer_version_is_refused(
    backup: BackupResult, target_database: Database, tmp_path: Path
) -> None:
    known = {(app, name) for app, names in backup.manifest.migrations.items() for name in names}
    known.discard(("audit", "0002_append_only_triggers"))
    store = local_store(tmp_path / "store")

    with pytest.raises(BackupError, match="made by a newer version .*audit.0002_append_only_triggers"):
        restore_into(backup.out_dir, target_database, store, known_migrations=known)
    assert_untouched(target_database, store)
