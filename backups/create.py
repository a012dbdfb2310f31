"""Make a backup: database dump, attachment store, manifest (docs/backup.md).

    .venv/bin/python -m backups.create --out /srv/backups/tipline-2026-11-27

Order matters. An attachment's ciphertext file is saved in the store, complete,
before the transaction that inserts its row commits (tipline/uploads.py, then
tip_submit). So the dump's snapshot is taken first, and the store is copied after
it: every file named by a dumped row already existed when the snapshot was taken
and is copied. Files written later are copied too when they are already there;
they belong to rows the dump does not hold and are counted as "unreferenced".

The store is read through the Django storage API (the STORAGES alias
"attachments", tipline/storage.py), whatever its backend; the backup itself is
always a local directory.

The escrow private key must never sit next to the data it opens: if a file in the
attachment store is that key, the backup stops and nothing is kept.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import envelope
from backups.database import BackupError, Database, SnapshotReader, dump_in_snapshot
from backups.manifest import (
    ATTACHMENTS_DIR,
    FileEntry,
    Manifest,
    ReceiptSettings,
    copy_hashing,
    manifest_write,
    sha256_of,
)
from tipline import storage

if TYPE_CHECKING:
    from django.core.files.storage import Storage

# A versioned private key: version byte, ML-KEM-768 seed, X25519 key (envelope/primitives.py).
PRIVATE_KEY_BYTES = 1 + 64 + 32


@dataclass(frozen=True)
class BackupResult:
    out_dir: Path
    manifest: Manifest
    manifest_sha256: str
    seconds: float


@dataclass(frozen=True)
class StoreCopy:
    files: dict[str, FileEntry]
    skipped: int


def is_escrow_private_key(store: Storage, name: str, escrow_public_key: bytes) -> bool:
    """Return whether a file of the store is the private half of the escrow key pair."""
    try:
        if store.size(name) != PRIVATE_KEY_BYTES:
            return False
        with store.open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return False  # removed since it was listed
    try:
        envelope.check_private_key(data, public_key=escrow_public_key)
    except (envelope.CryptoError, ValueError):
        return False
    return True


def _copy_store(store: Storage, target: Path, escrow_public_key: bytes) -> StoreCopy:
    """Copy the complete ciphertext files of the store; refuse if the escrow private key is among them."""
    target.mkdir(mode=0o700)
    files: dict[str, FileEntry] = {}
    skipped = 0
    for name in storage.file_names(store=store):
        if is_escrow_private_key(store, name, escrow_public_key):
            raise BackupError(
                f"{name} in the attachment store is the escrow private key. It must never be on the server, "
                "let alone in a backup: move it to its offline medium, then back up again."
            )
        if not storage.is_storage_name(name):
            # ".part" files are saves still under way (or cut short); anything else is not the store's.
            skipped += 1
            continue
        try:
            with store.open(name, "rb") as handle:
                files[f"{ATTACHMENTS_DIR}/{name}"] = copy_hashing(handle, target / name)
        except FileNotFoundError:
            # Removed since it was listed: a discarded upload, never a file a dumped row names.
            continue
    return StoreCopy(files=files, skipped=skipped)


def local_directory(store: Storage) -> Path | None:
    """Return the directory of a store kept in local files; None for any other backend."""
    from django.core.files.storage import FileSystemStorage

    return Path(store.location) if isinstance(store, FileSystemStorage) else None


def _app_version() -> str:
    from django.conf import settings

    pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
    return str(tomllib.loads(pyproject.read_text())["project"]["version"])


def _applied_migrations(reader: SnapshotReader) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in reader.rows("SELECT app, name FROM django_migrations ORDER BY app, name"):
        applied.setdefault(str(app), []).append(str(name))
    return applied


def audit_chain_head(reader: SnapshotReader) -> dict[str, object]:
    """Return the audit chain head ({"seq", "hash"}) of the database `reader` reads."""
    from audit.models import GENESIS_HASH, AuditChainHead

    rows = reader.rows(f"SELECT last_seq, last_hash FROM {AuditChainHead._meta.db_table} WHERE id = 1")  # noqa: S608  # nosec B608
    if not rows:
        return {"seq": 0, "hash": GENESIS_HASH}
    return {"seq": int(rows[0][0]), "hash": str(rows[0][1])}


def referenced_storage_names(reader: SnapshotReader) -> set[str]:
    """Return the attachment store names that the database `reader` reads refers to."""
    from tipline.models import Attachment

    return {str(row[0]) for row in reader.rows(f"SELECT storage_name FROM {Attachment._meta.db_table}")}  # noqa: S608  # nosec B608


def _prepare_out_dir(out_dir: Path, store: Storage) -> None:
    if out_dir.exists():
        raise BackupError(f"{out_dir} exists; a backup goes into a new directory")
    store_dir = local_directory(store)
    if store_dir is not None and out_dir.resolve().is_relative_to(store_dir.resolve()):
        raise BackupError("the backup cannot be written inside the attachment store")
    out_dir.mkdir(parents=True, mode=0o700)


def backup_create(
    *,
    out_dir: Path,
    database: Database,
    store: Storage,
    escrow_public_key: bytes,
    receipt_settings: ReceiptSettings,
) -> BackupResult:
    """Write a consistent backup of the database and the attachment store into a new directory.

    Raise BackupError (and leave nothing behind) if the dump fails, if a file that
    a dumped row names is missing from the store, or if the escrow private key is
    in the store.
    """
    started = time.perf_counter()
    _prepare_out_dir(out_dir, store)
    try:
        dump_path = out_dir / database.dump_file_name
        with dump_in_snapshot(database, dump_path) as reader:
            row_counts = reader.row_counts()
            head = audit_chain_head(reader)
            referenced = referenced_storage_names(reader)
            migrations = _applied_migrations(reader)
            # After the snapshot: every file a dumped row names is in the store by now.
            copy = _copy_store(store, out_dir / ATTACHMENTS_DIR, escrow_public_key)
        copied = {name.removeprefix(f"{ATTACHMENTS_DIR}/") for name in copy.files}
        missing = sorted(referenced - copied)
        if missing:
            raise BackupError(
                f"{len(missing)} attachment files named by the database are not in the store "
                f"(first: {missing[0]}); the store is damaged: restore it from an earlier backup first"
            )
        manifest = Manifest(
            created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            app_version=_app_version(),
            migrations=migrations,
            database_vendor=database.vendor,
            database_file=database.dump_file_name,
            row_counts=row_counts,
            audit_chain_head=head,
            attachments={
                "referenced": len(referenced),
                "copied": len(copied),
                "unreferenced": len(copied - referenced),
                "skipped": copy.skipped,
            },
            escrow_public_key_fingerprint=envelope.fingerprint(escrow_public_key),
            receipt_settings=receipt_settings,
            files={database.dump_file_name: _dump_entry(dump_path), **copy.files},
        )
        manifest_sha256 = manifest_write(out_dir=out_dir, manifest=manifest)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return BackupResult(
        out_dir=out_dir, manifest=manifest, manifest_sha256=manifest_sha256, seconds=time.perf_counter() - started
    )


def _dump_entry(path: Path) -> FileEntry:
    path.chmod(0o600)
    return sha256_of(path)


# --- the command --------------------------------------------------------------------------------------


def receipt_settings_now() -> ReceiptSettings:
    """Return this instance's receipt and key-derivation settings (not secret: no pepper)."""
    import hashlib

    from django.conf import settings

    return ReceiptSettings(
        salt_sha256=hashlib.sha256(settings.TIPLINE_RECEIPT_SALT.encode()).hexdigest(),
        argon2_memory_kib=settings.TIPLINE_ARGON2_MEMORY_KIB,
        argon2_iterations=settings.TIPLINE_ARGON2_ITERATIONS,
    )


def escrow_public_key_now() -> bytes:
    from django.conf import settings

    path = Path(settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE)
    if not path.is_file():
        raise BackupError(f"no escrow public key at {path} (TIPLINE_ESCROW_PUBLIC_KEY_FILE)")
    return path.read_bytes()


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backups.create", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="A new directory to write the backup into.")
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings

    try:
        result = backup_create(
            out_dir=args.out,
            database=Database.from_settings(settings.DATABASES["default"]),
            store=storage.attachment_store(),
            escrow_public_key=escrow_public_key_now(),
            receipt_settings=receipt_settings_now(),
        )
    except BackupError as exc:
        print(f"backup FAILED: {exc}", file=sys.stderr)
        return 1
    manifest = result.manifest
    print(
        f"Backup written to {result.out_dir} in {result.seconds:.1f} s: "
        f"{len(manifest.row_counts)} tables, {sum(manifest.row_counts.values())} rows, "
        f"{manifest.attachments['copied']} attachment files, {manifest.total_bytes / 1e6:.1f} MB."
    )
    print(f"Audit chain head: event {manifest.audit_chain_head['seq']}, hash {manifest.audit_chain_head['hash']}")
    print(f"Manifest SHA-256: {result.manifest_sha256} (record it apart from the backup)")
    print("Not in the backup, kept offline: " + "; ".join(manifest.kept_offline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
