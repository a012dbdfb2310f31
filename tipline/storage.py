"""The attachment store: a directory of ciphertext files named by random ids."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

READ_BYTES = 64 * 1024
NAME_LENGTH = 32
PARTIAL_SUFFIX = ".part"
# Names looked up in the database at once by the orphan sweep.
SWEEP_BATCH = 1000


def _root() -> Path:
    root = Path(settings.TIPLINE_ATTACHMENT_DIR)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def new_storage_name() -> str:
    """Return a fresh random file name; it says nothing about the tip or the file."""
    return secrets.token_hex(NAME_LENGTH // 2)


def is_storage_name(name: str) -> bool:
    """Return True for a name new_storage_name() could have made."""
    return len(name) == NAME_LENGTH and all(c in "0123456789abcdef" for c in name)


def _path(storage_name: str) -> Path:
    if not is_storage_name(storage_name):
        raise ValueError("invalid storage name")
    return _root() / storage_name


def open_for_writing(storage_name: str) -> BinaryIO:
    """Open a new ciphertext file that becomes visible under its name only once complete."""
    return open(_path(storage_name).with_suffix(PARTIAL_SUFFIX), "xb")  # noqa: SIM115 - closed by the caller


def commit(storage_name: str) -> None:
    """Make a completely written ciphertext file visible under its final name."""
    path = _path(storage_name)
    os.replace(path.with_suffix(PARTIAL_SUFFIX), path)


def read_chunks(storage_name: str) -> Iterator[bytes]:
    """Yield the stored ciphertext in pieces."""
    with open(_path(storage_name), "rb") as handle:
        while piece := handle.read(READ_BYTES):
            yield piece


def delete(storage_name: str) -> None:
    """Remove a stored file (complete or partial), if it is there."""
    for path in (_path(storage_name), _path(storage_name).with_suffix(PARTIAL_SUFFIX)):
        path.unlink(missing_ok=True)


def names_older_than(seconds: float) -> Iterator[str]:
    """Yield the storage name of every file (complete or partial) last written more than `seconds` ago."""
    cutoff = time.time() - seconds
    with os.scandir(_root()) as entries:
        for entry in entries:
            name = entry.name.removesuffix(PARTIAL_SUFFIX)
            if not is_storage_name(name) or not entry.is_file(follow_symlinks=False):
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    yield name
            except FileNotFoundError:
                continue  # deleted meanwhile


def orphans_delete(*, older_than_seconds: float) -> int:
    """Delete the store's files older than `older_than_seconds` that no Attachment row names; return how many.

    A request that died mid-upload (a worker killed, a crash between storing the
    ciphertext and saving its row) leaves such files; nothing else writes here.
    Files younger than the cut-off may belong to a request still running.
    """
    from tipline.models import Attachment  # the store is used while Django loads; models come later

    deleted = 0
    names = names_older_than(older_than_seconds)
    while batch := sorted(set(islice(names, SWEEP_BATCH))):
        kept = set(Attachment.objects.filter(storage_name__in=batch).values_list("storage_name", flat=True))
        for name in batch:
            if name not in kept:
                delete(name)
                deleted += 1
    return deleted
