"""A backup restored into an empty database and store gives back every row, file and audit event.

What a user would check by hand: the restored tip opens with the escrow private key
and reads as typed, its attachment decrypts to the bytes that were uploaded, every
table has the rows it had, and the audit log is the same chain, still append-only.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.core.files.storage import InMemoryStorage, Storage

import envelope
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from backups.database import Database, reader_of
from tests.backups.conftest import Canary, local_store, make_backup, restore_into
from tipline import storage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("target_store", ["local files", "in memory"])
def test_restored_tip_opens_with_the_escrow_key_and_its_attachment_is_intact(
    canary: Canary, target_database: Database, tmp_path: Path, escrow_private_key: bytes, target_store: str
) -> None:
    backup = make_backup(tmp_path / "backup")
    # The restore writes through the storage API: the target's backend is configuration.
    store = local_store(tmp_path / "restored-attachments") if target_store == "local files" else InMemoryStorage()

    restore_into(backup.out_dir, target_database, store)

    with reader_of(target_database) as reader:
        [(public_id, sealed_for_escrow, description_ct)] = reader.rows(
            "SELECT public_id, data_key_for_escrow, description_ct FROM tipline_tip"
        )
        [(storage_name, file_key_ct, attachment_id)] = reader.rows(
            "SELECT storage_name, file_key_ct, public_id FROM tipline_attachment"
        )
    tip = SimpleNamespace(
        public_id=uuid.UUID(str(public_id)), data_key_for_escrow=sealed_for_escrow, description_ct=description_ct
    )
    data_key = envelope.open_tip_with_escrow(tip, escrow_private_key=escrow_private_key)
    description = envelope.open_field(envelope.TIP, "description", tip, tip.public_id, key=data_key)
    assert description == f"{canary.text}: el técnico Ramos cobra cupos por celulares."

    attachment = SimpleNamespace(file_key_ct=file_key_ct)
    file_key = envelope.open_field(
        envelope.ATTACHMENT, "file_key", attachment, tip.public_id, uuid.UUID(str(attachment_id)), key=data_key
    )
    with store.open(storage_name, "rb") as handle:
        stored = handle.read()
    plaintext = b"".join(envelope.decrypt_file([stored], file_key=file_key, storage_name=storage_name))
    assert plaintext == canary.attachment_bytes


def test_restore_gives_back_every_row_and_the_same_audit_chain(
    canary: Canary, target_database: Database, tmp_path: Path
) -> None:
    for _ in range(3):
        audit_record(
            actor=None, action=AuditAction.AUDIT_VERIFIED, target_type="audit_log", target_id="", details={"ok": True}
        )
    source_chain = list(AuditEvent.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    backup = make_backup(tmp_path / "backup")

    result = restore_into(backup.out_dir, target_database, local_store(tmp_path / "restored-attachments"))

    assert backup.manifest.row_counts["tipline_tip"] == 1
    assert backup.manifest.row_counts["audit_auditevent"] == 3
    assert backup.manifest.audit_chain_head == {"seq": 3, "hash": source_chain[-1][2]}
    assert result.rows == sum(backup.manifest.row_counts.values())
    assert result.attachment_files == 1
    with reader_of(target_database) as reader:
        assert reader.row_counts() == backup.manifest.row_counts
        restored_chain = reader.rows("SELECT seq, prev_hash, hash FROM audit_auditevent ORDER BY seq")
        assert [tuple(row) for row in restored_chain] == source_chain
        # The append-only triggers came back with the rows.
        with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"):
            reader.rows("DELETE FROM audit_auditevent WHERE seq = 1")


def test_a_backup_reads_the_store_through_its_storage_api_whatever_the_backend(
    memory_store: Storage, canary: Canary, target_database: Database, tmp_path: Path
) -> None:
    """An in-memory attachment store backs up into the usual folder, and restores into local files."""
    [name] = storage.file_names()
    backup = make_backup(tmp_path / "backup")

    assert not (tmp_path / "attachments").exists()  # the tests' local store was never used
    assert (backup.out_dir / "attachments" / name).read_bytes() == memory_store.open(name).read()
    assert backup.manifest.attachments == {"referenced": 1, "copied": 1, "unreferenced": 0, "skipped": 0}
    store = local_store(tmp_path / "restored-attachments")
    result = restore_into(backup.out_dir, target_database, store)
    assert result.attachment_files == 1
    assert (tmp_path / "restored-attachments" / name).read_bytes() == memory_store.open(name).read()
