"""The attachment store: a directory of ciphertext files named by random ids."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

READ_BYTES = 64 * 1024


def _root() -> Path:
    root = Path(settings.TIPLINE_ATTACHMENT_DIR)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def new_storage_name() -> str:
    """Return a fresh random file name; it says nothing about the tip or the file."""
    return secrets.token_hex(16)


def _path(storage_name: str) -> Path:
    if len(storage_name) != 32 or not all(c in "0123456789abcdef" for c in storage_name):
        raise ValueError("invalid storage name")
    return _root() / storage_name


def open_for_writing(storage_name: str) -> BinaryIO:
    """Open a new ciphertext file that becomes visible under its name only once complete."""
    return open(_path(storage_name).with_suffix(".part"), "xb")  # noqa: SIM115 - closed by the caller


def commit(storage_name: str) -> None:
    """Make a completely written ciphertext file visible under its final name."""
    path = _path(storage_name)
    os.replace(path.with_suffix(".part"), path)


def read_chunks(storage_name: str) -> Iterator[bytes]:
    """Yield the stored ciphertext in pieces."""
    with open(_path(storage_name), "rb") as handle:
        while piece := handle.read(READ_BYTES):
            yield piece


def delete(storage_name: str) -> None:
    """Remove a stored file (complete or partial), if it is there."""
    for path in (_path(storage_name), _path(storage_name).with_suffix(".part")):
        path.unlink(missing_ok=True)
