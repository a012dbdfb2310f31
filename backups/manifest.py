"""The backup's manifest: what was backed up, how to check it, and nothing secret.

`manifest.json` is written last, so a directory without one is an unfinished
backup. It lists the SHA-256 and size of every other file in the backup, the row
count of every table and the audit chain head as of the dump's snapshot, and the
non-secret settings a restored instance must share with the original (the escrow
public key's fingerprint, the receipt salt's digest, the Argon2 cost). It holds no
key, no pepper, no plaintext and no receipt.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from backups.database import BackupError

MANIFEST_NAME = "manifest.json"
FORMAT = "tipline-backup-v1"
ATTACHMENTS_DIR = "attachments"
READ_BYTES = 1024 * 1024

# What a restore needs that no backup holds (docs/backup.md, "Key material kept offline").
KEPT_OFFLINE = [
    "escrow private key (never on the server; offline medium)",
    "TIPLINE_RECEIPT_PEPPER (without it no tracking code opens its tip)",
    "SECRET_KEY",
    "escrow public key file (TIPLINE_ESCROW_PUBLIC_KEY_FILE)",
]


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    bytes: int


@dataclass(frozen=True)
class ReceiptSettings:
    """Settings that derive every receipt and staff key: a restored instance must use the same."""

    salt_sha256: str
    argon2_memory_kib: int
    argon2_iterations: int


@dataclass
class Manifest:
    created_at: str
    app_version: str
    migrations: dict[str, list[str]]
    database_vendor: str
    database_file: str
    row_counts: dict[str, int]
    audit_chain_head: dict[str, Any]
    attachments: dict[str, int]
    escrow_public_key_fingerprint: str
    receipt_settings: ReceiptSettings
    files: dict[str, FileEntry] = field(default_factory=dict)
    kept_offline: list[str] = field(default_factory=lambda: list(KEPT_OFFLINE))
    format: str = FORMAT

    @property
    def total_bytes(self) -> int:
        return sum(entry.bytes for entry in self.files.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise BackupError(f"not a {FORMAT} manifest (format {data.get('format')!r})")
            data["files"] = {name: FileEntry(**entry) for name, entry in data["files"].items()}
            data["receipt_settings"] = ReceiptSettings(**data["receipt_settings"])
            return cls(**data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupError(f"the manifest cannot be read: {exc}") from exc


def sha256_of_stream(reader: IO[bytes]) -> FileEntry:
    """Return the SHA-256 and size of what is left to read in an open file, read in pieces."""
    digest = hashlib.sha256()
    size = 0
    while piece := reader.read(READ_BYTES):
        digest.update(piece)
        size += len(piece)
    return FileEntry(sha256=digest.hexdigest(), bytes=size)


def sha256_of(path: Path) -> FileEntry:
    """Return the SHA-256 and size of a file, read in pieces."""
    with open(path, "rb") as handle:
        return sha256_of_stream(handle)


def copy_hashing(reader: IO[bytes], target: Path) -> FileEntry:
    """Copy an open file into a new file and return the SHA-256 and size of what was read, in one pass.

    The copy appears under its name only once complete, readable by the owner only.
    """
    digest = hashlib.sha256()
    size = 0
    partial = target.with_name(target.name + ".part")
    with open(partial, "xb") as writer:
        while piece := reader.read(READ_BYTES):
            digest.update(piece)
            size += len(piece)
            writer.write(piece)
    partial.chmod(0o600)
    os.replace(partial, target)
    return FileEntry(sha256=digest.hexdigest(), bytes=size)


def manifest_write(*, out_dir: Path, manifest: Manifest) -> str:
    """Write the manifest (last, atomically) and return its own SHA-256 to record elsewhere."""
    text = manifest.to_json()
    partial = out_dir / (MANIFEST_NAME + ".part")
    partial.write_text(text)
    partial.chmod(0o600)
    os.replace(partial, out_dir / MANIFEST_NAME)
    return hashlib.sha256(text.encode()).hexdigest()


def manifest_read(backup_dir: Path, *, expected_sha256: str = "") -> Manifest:
    """Read a backup's manifest; refuse an unfinished backup or one whose manifest was changed."""
    path = backup_dir / MANIFEST_NAME
    if not path.is_file():
        raise BackupError(f"{backup_dir} has no {MANIFEST_NAME}: not a backup, or an unfinished one")
    raw = path.read_bytes()
    if expected_sha256 and hashlib.sha256(raw).hexdigest() != expected_sha256.strip().lower():
        raise BackupError(f"{MANIFEST_NAME} does not have the SHA-256 recorded when the backup was made")
    return Manifest.from_json(raw.decode())


def backup_files_verify(backup_dir: Path, manifest: Manifest) -> None:
    """Check every file against the manifest: none missing, none changed, none added."""
    present = {path.relative_to(backup_dir).as_posix() for path in backup_dir.rglob("*") if path.is_file()}
    present.discard(MANIFEST_NAME)
    unlisted = sorted(present - set(manifest.files))
    if unlisted:
        raise BackupError(f"files not in the manifest: {', '.join(unlisted[:5])}")
    for name, expected in sorted(manifest.files.items()):
        path = backup_dir / name
        if not path.is_file():
            raise BackupError(f"{name} is listed in the manifest but missing from the backup")
        if sha256_of(path) != expected:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: the backup was altered or damaged")
