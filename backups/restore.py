"""Restore a backup into an empty database and an empty attachment store (docs/backup.md).

    .venv/bin/python -m backups.restore --from /srv/backups/tipline-2026-11-27 [--manifest-sha256 HEX]

The target is the instance this process is configured for (DATABASE_URL, its
attachment store STORAGES["attachments"], TIPLINE_ESCROW_PUBLIC_KEY_FILE,
TIPLINE_RECEIPT_PEPPER, SECRET_KEY, ...), with the key material brought back from
its offline copies. The store is written through the Django storage API, whatever
its backend.

Nothing is touched until every file of the backup matches its SHA-256 in the
manifest, the target is found empty, and the target's escrow public key and
receipt settings are the ones the backup was made with (otherwise new tips would be
sealed to the wrong escrow key, and no tracking code or staff password would open
anything). Afterwards every table's row count must equal the manifest's, every
attachment a row names must be in the store, and the audit chain must verify and end
at the manifest's head.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import envelope
from backups.create import (
    audit_chain_head,
    escrow_public_key_now,
    local_directory,
    receipt_settings_now,
    referenced_storage_names,
    setup_django,
)
from backups.database import BackupError, Database, is_empty, reader_of, restore_dump
from backups.manifest import (
    ATTACHMENTS_DIR,
    Manifest,
    ReceiptSettings,
    backup_files_verify,
    manifest_read,
    sha256_of_stream,
)
from tipline import storage

if TYPE_CHECKING:
    from django.core.files.storage import Storage


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    rows: int
    attachment_files: int
    seconds: float


def _check_compatible(
    manifest: Manifest,
    *,
    database: Database,
    escrow_public_key: bytes,
    receipt_settings: ReceiptSettings,
    known_migrations: Iterable[tuple[str, str]] | None,
) -> None:
    if manifest.database_vendor != database.vendor:
        raise BackupError(f"this is a {manifest.database_vendor} backup; the target database is {database.vendor}")
    if envelope.fingerprint(escrow_public_key) != manifest.escrow_public_key_fingerprint:
        raise BackupError(
            "the target's escrow public key is not the one the backup was made with "
            f"(expected fingerprint {manifest.escrow_public_key_fingerprint}); "
            "set TIPLINE_ESCROW_PUBLIC_KEY_FILE to the offline copy of the original"
        )
    if receipt_settings != manifest.receipt_settings:
        raise BackupError(
            "the target's TIPLINE_RECEIPT_SALT or TIPLINE_ARGON2_MEMORY_KIB/ITERATIONS differ from the backup's: "
            "with other values no tracking code and no staff password would open anything"
        )
    if known_migrations is not None:
        known = set(known_migrations)
        unknown = sorted(
            f"{app}.{name}" for app, names in manifest.migrations.items() for name in names if (app, name) not in known
        )
        if unknown:
            raise BackupError(
                f"the backup was made by a newer version (migrations unknown here: {', '.join(unknown[:3])}); "
                "restore it with the version that made it"
            )


def _describe(store: Storage) -> str:
    directory = local_directory(store)
    if directory is not None:
        return str(directory)
    bucket = getattr(store, "bucket_name", None)  # an object store (tipline/storage_s3.py)
    return f"bucket {bucket!r}" if bucket else f"({type(store).__name__})"


def _restore_store(backup_dir: Path, manifest: Manifest, store: Storage) -> int:
    """Save every attachment file of the backup into the store, and check what the store gives back."""
    restored = 0
    prefix = f"{ATTACHMENTS_DIR}/"
    for name, expected in sorted(manifest.files.items()):
        if not name.startswith(prefix):
            continue
        storage_name = name.removeprefix(prefix)
        with open(backup_dir / name, "rb") as handle:
            storage.save(storage_name, handle, store=store)
        with store.open(storage_name, "rb") as handle:
            stored = sha256_of_stream(handle)
        if stored != expected:
            raise BackupError(
                f"{name} reads back from the store other than in the manifest (changed while it was being "
                "restored, or damaged by the store); start again from an empty target"
            )
        restored += 1
    return restored


def _verify_restored(database: Database, manifest: Manifest, store: Storage) -> None:
    with reader_of(database) as reader:
        counts = reader.row_counts()
        restored_head = audit_chain_head(reader)
        names = referenced_storage_names(reader)
    if counts != manifest.row_counts:
        differing = sorted(
            table
            for table in set(counts) | set(manifest.row_counts)
            if counts.get(table) != manifest.row_counts.get(table)
        )
        raise BackupError(f"row counts differ from the manifest in {', '.join(differing)}")
    if manifest.audit_chain_head["seq"] and restored_head != manifest.audit_chain_head:
        raise BackupError("the restored audit chain head is not the manifest's")
    missing = [name for name in names if not store.exists(name)]
    if missing:
        raise BackupError(f"{len(missing)} attachment files named by the restored rows are missing")


def backup_restore(
    *,
    backup_dir: Path,
    database: Database,
    store: Storage,
    escrow_public_key: bytes,
    receipt_settings: ReceiptSettings,
    known_migrations: Iterable[tuple[str, str]] | None = None,
    manifest_sha256: str = "",
) -> RestoreResult:
    """Check a backup, restore it into an empty database and store, and check the result.

    Raise BackupError before touching anything if a file does not match the
    manifest, the target is not empty or its settings do not fit the backup; and
    after restoring if a row count, the audit chain head or an attachment file is off
    (then drop the target and start again).
    """
    started = time.perf_counter()
    manifest = manifest_read(backup_dir, expected_sha256=manifest_sha256)
    backup_files_verify(backup_dir, manifest)
    _check_compatible(
        manifest,
        database=database,
        escrow_public_key=escrow_public_key,
        receipt_settings=receipt_settings,
        known_migrations=known_migrations,
    )
    if not is_empty(database):
        raise BackupError(f"the target database {database.name} is not empty; restore only into an empty one")
    if storage.file_names(store=store):
        raise BackupError(f"the target attachment store {_describe(store)} is not empty")
    restore_dump(database, backup_dir / manifest.database_file)
    files = _restore_store(backup_dir, manifest, store)
    _verify_restored(database, manifest, store)
    return RestoreResult(
        manifest=manifest,
        rows=sum(manifest.row_counts.values()),
        attachment_files=files,
        seconds=time.perf_counter() - started,
    )


# --- the command --------------------------------------------------------------------------------------


def known_migrations_here() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _verify_audit_log(manifest: Manifest) -> str:
    from audit.services import audit_verify

    result = audit_verify()
    if not result.ok:
        raise BackupError(f"the restored audit log is BROKEN at event {result.first_broken_seq}: {result.reason}")
    if manifest.audit_chain_head["seq"] and result.head_hash != manifest.audit_chain_head["hash"]:
        raise BackupError("the restored audit chain does not end at the manifest's head")
    return f"Audit log OK: {result.checked} events verified; chain head {result.head_hash} as in the manifest."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backups.restore", description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="backup_dir", required=True, type=Path, help="The backup directory.")
    parser.add_argument(
        "--manifest-sha256", default="", help="The manifest SHA-256 printed by backups.create, to check it too."
    )
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings

    try:
        result = backup_restore(
            backup_dir=args.backup_dir,
            database=Database.from_settings(settings.DATABASES["default"]),
            store=storage.attachment_store(),
            escrow_public_key=escrow_public_key_now(),
            receipt_settings=receipt_settings_now(),
            known_migrations=known_migrations_here(),
            manifest_sha256=args.manifest_sha256,
        )
        audit_line = _verify_audit_log(result.manifest)
    except BackupError as exc:
        print(f"restore FAILED: {exc}", file=sys.stderr)
        return 1
    print(
        f"Restored {args.backup_dir} in {result.seconds:.1f} s: {len(result.manifest.row_counts)} tables, "
        f"{result.rows} rows (every count as in the manifest), {result.attachment_files} attachment files."
    )
    print(audit_line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
