"""What a backup holds: ciphertext and clear metadata, never what a whistleblower wrote, never a secret.

The dump is written uncompressed, so searching its bytes is meaningful: the clear
facility name is found in it, the canary typed into the tip and its file is not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from backups.create import BackupResult
from backups.database import BackupError
from backups.manifest import MANIFEST_NAME
from tests.backups.conftest import Canary, make_backup
from tipline import storage

pytestmark = pytest.mark.django_db(transaction=True)


def backup_files(backup: BackupResult) -> dict[str, bytes]:
    return {
        path.relative_to(backup.out_dir).as_posix(): path.read_bytes()
        for path in backup.out_dir.rglob("*")
        if path.is_file()
    }


def holding(files: dict[str, bytes], needle: bytes) -> list[str]:
    return sorted(name for name, data in files.items() if needle in data)


def test_the_backup_holds_no_plaintext_of_the_canary_tip(canary: Canary, tmp_path: Path) -> None:
    backup = make_backup(tmp_path / "backup")
    files = backup_files(backup)

    assert set(files) == {MANIFEST_NAME, *backup.manifest.files}
    # The search sees into the dump: the facility is clear metadata, on purpose.
    assert holding(files, b"E.P. Lurigancho (test)") == [backup.manifest.database_file]
    assert holding(files, canary.text.encode()) == []
    assert holding(files, canary.attachment_bytes[:200]) == []


def test_the_backup_holds_no_secret_kept_offline(canary: Canary, tmp_path: Path, escrow_private_key: bytes) -> None:
    files = backup_files(make_backup(tmp_path / "backup"))

    assert holding(files, escrow_private_key) == []
    assert holding(files, settings.TIPLINE_RECEIPT_PEPPER.encode()) == []
    assert holding(files, settings.SECRET_KEY.encode()) == []


@pytest.mark.parametrize("name", ["0123456789abcdef0123456789abcdef", "escrow-private.key", "keys/escrow.key"])
def test_a_backup_with_the_escrow_private_key_in_the_store_is_refused(
    canary: Canary, tmp_path: Path, escrow_private_key: bytes, name: str
) -> None:
    storage.attachment_store().save(name, ContentFile(escrow_private_key))
    out_dir = tmp_path / "backup"

    with pytest.raises(BackupError, match="is the escrow private key"):
        make_backup(out_dir)
    assert not out_dir.exists()


def test_a_backup_missing_a_file_the_database_names_is_refused(canary: Canary, tmp_path: Path) -> None:
    storage.delete(canary.tip.attachments.get().storage_name)
    out_dir = tmp_path / "backup"

    with pytest.raises(BackupError, match="1 attachment files named by the database are not in the store"):
        make_backup(out_dir)
    assert not out_dir.exists()


def test_a_backup_never_overwrites_a_directory(canary: Canary, tmp_path: Path) -> None:
    out_dir = tmp_path / "backup"
    out_dir.mkdir()
    (out_dir / "last-week.txt").write_text("an older backup")

    with pytest.raises(BackupError, match="exists; a backup goes into a new directory"):
        make_backup(out_dir)
    assert (out_dir / "last-week.txt").read_text() == "an older backup"


def test_the_manifest_records_counts_and_files_but_no_content(canary: Canary, tmp_path: Path) -> None:
    backup = make_backup(tmp_path / "backup")
    manifest = backup.manifest
    text = (backup.out_dir / MANIFEST_NAME).read_text()

    assert manifest.row_counts["tipline_tip"] == 1
    assert manifest.row_counts["tipline_attachment"] == 1
    assert manifest.attachments == {"referenced": 1, "copied": 1, "unreferenced": 0, "skipped": 0}
    assert manifest.migrations["audit"][:2] == ["0001_initial", "0002_append_only_triggers"]
    assert canary.text not in text
    assert canary.receipt not in text
    assert settings.TIPLINE_RECEIPT_PEPPER not in text
