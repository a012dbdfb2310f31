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

import envelope
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from backups.database import Database, reader_of
from tests.backups.conftest import Canary, make_backup, restore_into

pytestmark = pytest.mark.django_db(transaction=True)


def test_restored_tip_opens_with_the_escrow_key_and_its_attachment_is_intact(
    canary: Canary, target_database: Database, tmp_path: Path, escrow_private_key: bytes
) -> None:
    backup = make_backup(tmp_path / "backup")
    store = tmp_path / "restored-attachments"

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
    stored = (store / storage_name).read_bytes()
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

    result = restore_into(backup.out_dir, target_database, tmp_path / "restored-attachments")

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
