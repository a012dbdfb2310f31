"""The attachment store: ciphertext files named by random ids, behind the STORAGES alias "attachments".

Everything that touches attachment bytes goes through this module (uploads,
downloads, the orphan sweep) or through the same Django storage API (backups,
chaos, fuzz, tests). The backend is configuration only, settings.STORAGES
["attachments"] (README, "Configuration"): local files by default
(AttachmentFileSystemStorage, under TIPLINE_ATTACHMENT_DIR), InMemoryStorage in
tests, an S3-compatible bucket (tipline/storage_s3.py) or any other Django storage in a deployment.

Times: the local store dates every complete file the start of its UTC day (see
AttachmentFileSystemStorage). An object store keeps its own LastModified, to the
second, which no upload can set: the nightly sweep rewrites the day's objects onto
themselves, after which they show that night's time (upload_times_blur). Until then,
and always, such a bucket must not be readable (or listable) by staff, only by the
application's and the backups' credentials.

Only ciphertext ever reaches a backend, and no backend ever shows a half-written
file under the name an attachment row points to. open_for_writing() asks the store
for a writer (its ``ciphertext_writer`` hook): an S3 bucket (tipline/storage_s3.py,
TIPLINE_S3_BUCKET) streams the ciphertext in multipart-upload parts and completes
the upload on commit; any other store gets SpooledCiphertextWriter, which spools
(in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then in an unnamed temporary file)
and saves under the name in one call once complete. The orphan sweep and
store_check() likewise use a store's own ``files_older_than``,
``abort_uploads_older_than`` and ``check`` when it has them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any, Protocol, runtime_checkable

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils import timezone

ALIAS = "attachments"
READ_BYTES = 64 * 1024
NAME_LENGTH = 32
# What an interrupted save leaves in a local store (AttachmentFileSystemStorage); the sweep removes it.
PARTIAL_SUFFIX = ".part"
# Names looked up in the database at once by the orphan sweep.
SWEEP_BATCH = 1000


class AttachmentFileSystemStorage(FileSystemStorage):
    """Local ciphertext files, the owner's only, that appear under their name only once complete.

    Each file is written as "<name>.part" and renamed when complete: a crash while
    saving leaves only that partial file, which the orphan sweep deletes.

    A complete file, and the folder it is in, are then dated the start of the
    current UTC day (modification and access time, ``day_start``): their times
    would otherwise tell when a whistleblower sent it (DESIGN.md section 8). The
    inode change time cannot be set by a process; the folder is the owner's only.
    A ".part" file keeps its real times while it exists, for the seconds of a save.
    """

    def __init__(self, location: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(location=location, **kwargs)

    def _save(self, name: str, content: File[Any]) -> str:
        partial = name + PARTIAL_SUFFIX
        try:
            written = super()._save(partial, content)  # type: ignore[misc]  # django-stubs leaves _save out
            os.replace(self.path(written), self.path(name))
        except BaseException:
            self.delete(partial)
            raise
        midnight = day_start().timestamp()
        os.utime(self.path(name), (midnight, midnight))
        # Best effort: a concurrent save or delete in the folder dates it now again, until its own utime; and
        # a folder made by someone else (a mount point) may not be ours to date.
        with contextlib.suppress(PermissionError):
            os.utime(os.path.dirname(self.path(name)), (midnight, midnight))
        return name


def day_start() -> datetime:
    """Return the start of the current UTC day: the only time a stored attachment file shows."""
    return timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def attachment_store() -> Storage:
    """Return the configured attachment store (settings.STORAGES["attachments"])."""
    return storages[ALIAS]


def new_storage_name() -> str:
    """Return a fresh random file name; it says nothing about the tip or the file."""
    return secrets.token_hex(NAME_LENGTH // 2)


def is_storage_name(name: str) -> bool:
    """Return True for a name new_storage_name() could have made."""
    return len(name) == NAME_LENGTH and all(c in "0123456789abcdef" for c in name)


def _checked(storage_name: str) -> str:
    if not is_storage_name(storage_name):
        raise ValueError("invalid storage name")
    return storage_name


class CiphertextWriter:
    """The ciphertext of one upload on its way into the store; nothing is stored under its name before commit().

    Write only ciphertext to it. close() without commit() (or leaving a `with`
    block) drops everything written, wherever it was waiting.
    """

    def __init__(self, storage_name: str) -> None:
        self.storage_name = _checked(storage_name)

    def write(self, ciphertext: bytes) -> int:
        raise NotImplementedError

    def commit(self) -> None:
        """Store the complete ciphertext under its name, and close."""
        raise NotImplementedError

    def close(self) -> None:
        """Drop whatever was not committed."""
        raise NotImplementedError

    def __enter__(self) -> CiphertextWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class SpooledCiphertextWriter(CiphertextWriter):
    """A writer for any Django storage: the bytes wait in a spooled temporary file, saved in one call on commit().

    The spool is in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then in
    FILE_UPLOAD_TEMP_DIR under no name, so it vanishes with the process.
    """

    def __init__(self, storage_name: str) -> None:
        super().__init__(storage_name)
        self._spool: IO[bytes] | None = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by commit() or close()
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b", dir=settings.FILE_UPLOAD_TEMP_DIR
        )

    def write(self, ciphertext: bytes) -> int:
        if self._spool is None:
            raise ValueError(f"{self.storage_name} is already committed or closed")
        return self._spool.write(ciphertext)

    def commit(self) -> None:
        """Save the complete ciphertext in the store under its name, in one call."""
        if self._spool is None:
            raise ValueError(f"{self.storage_name} is already committed or closed")
        self._spool.seek(0)
        try:
            save(self.storage_name, self._spool)
        finally:
            self.close()

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None


@runtime_checkable
class StreamingStore(Protocol):
    """A store that takes ciphertext as it is written (an object store's multipart upload)."""

    def ciphertext_writer(self, storage_name: str) -> CiphertextWriter: ...


@runtime_checkable
class ListingStore(Protocol):
    """A store that lists its old files with their times, and aborts the uploads a crash left unfinished."""

    def files_older_than(self, cutoff: datetime) -> Iterator[str]: ...

    def abort_uploads_older_than(self, cutoff: datetime) -> int: ...


@runtime_checkable
class RedatingStore(Protocol):
    """A store whose files keep the time they were written (an object's LastModified), which it can redo."""

    def rewrite_written_after(self, since: datetime) -> tuple[int, datetime | None]: ...


@runtime_checkable
class CheckableStore(Protocol):
    """A store that can tell, cheaply, whether it is reachable with our credentials."""

    def check(self) -> None: ...


def open_for_writing(storage_name: str) -> CiphertextWriter:
    """Start a new ciphertext file, which becomes visible under its name only once committed."""
    store = attachment_store()
    if isinstance(store, StreamingStore):
        return store.ciphertext_writer(_checked(storage_name))
    return SpooledCiphertextWriter(storage_name)


def save(storage_name: str, ciphertext: IO[bytes], *, store: Storage | None = None) -> None:
    """Store complete ciphertext under its name (a restore passes its target `store`)."""
    if store is None:
        store = attachment_store()
    saved = store.save(_checked(storage_name), File(ciphertext))
    if saved != storage_name:
        # The backend found the name taken and chose another: never keep a file under a name no row can know.
        store.delete(saved)
        raise FileExistsError(f"{storage_name} is already in the attachment store")


def read_chunks(storage_name: str) -> Iterator[bytes]:
    """Yield the stored ciphertext in pieces."""
    with attachment_store().open(_checked(storage_name), "rb") as handle:
        yield from handle.chunks(READ_BYTES)


def read_bytes(storage_name: str) -> bytes:
    """Return the whole stored ciphertext (for checks on small files; downloads use read_chunks)."""
    return b"".join(read_chunks(storage_name))


def exists(storage_name: str) -> bool:
    """Return True if a complete file is stored under this name."""
    return attachment_store().exists(_checked(storage_name))


def size(storage_name: str) -> int:
    """Return the size of a stored file, in bytes."""
    return attachment_store().size(_checked(storage_name))


def delete(storage_name: str) -> None:
    """Remove a stored file, if it is there."""
    attachment_store().delete(_checked(storage_name))


def file_names(*, store: Storage | None = None) -> list[str]:
    """Return the name of every file in the store, in folders too ("/"-separated), sorted.

    The store's own files are all at its top, named by new_storage_name(); anything
    else is not the store's (backups count it and look for the escrow private key in it).
    """
    if store is None:
        store = attachment_store()
    found: list[str] = []
    folders = [""]
    while folders:
        folder = folders.pop()
        try:
            subfolders, files = store.listdir(folder)
        except FileNotFoundError:
            continue  # a local store nothing was written to yet, or a folder deleted meanwhile
        found.extend(str(PurePosixPath(folder, name)) for name in files)
        folders.extend(str(PurePosixPath(folder, name)) for name in subfolders)
    return sorted(found)


def files_older_than(seconds: float) -> Iterator[str]:
    """Yield every store file (complete, or partial) last written more than `seconds` ago."""
    store = attachment_store()
    cutoff = timezone.now() - timedelta(seconds=seconds)
    if isinstance(store, ListingStore):
        # An object store lists names with their times, page by page: no request per file.
        candidates: Iterator[str] = store.files_older_than(cutoff)
    else:
        candidates = (name for name in file_names(store=store) if _modified_before(store, name, cutoff))
    for name in candidates:
        if is_storage_name(name.removesuffix(PARTIAL_SUFFIX)):
            yield name


def _modified_before(store: Storage, name: str, cutoff: datetime) -> bool:
    try:
        return store.get_modified_time(name) < cutoff
    except FileNotFoundError:
        return False  # deleted meanwhile


# Other apps that keep files in this store (evidence's digital exhibits) say here, when they start, which
# of a batch of names their rows hold, so the orphan sweep keeps those files.
KeptNames = Callable[[list[str]], Iterable[str]]
_kept_name_sources: list[KeptNames] = []


def kept_names_source(source: KeptNames) -> None:
    """Have the orphan sweep also keep the files `source` says (given a batch of names) its rows hold."""
    if source not in _kept_name_sources:
        _kept_name_sources.append(source)


def orphans_delete(*, older_than_seconds: float) -> int:
    """Delete the store's files older than `older_than_seconds` that no row names; return how many.

    An Attachment row, or a row of an app that registered with kept_names_source, keeps its file.

    In an object store, also abort the multipart uploads started before the cut-off
    (counted with the files): a writer killed before commit() or close() leaves one.

    A request that died mid-upload (a worker killed, a crash between storing the
    ciphertext and saving its row, or during the save itself) leaves such files;
    nothing else writes here. Files younger than the cut-off may belong to a
    request still running. The local store dates its files the start of their
    UTC day, so a file can look up to a day older than it is: the cut-off must
    be more than a day (tipline.tasks.ORPHAN_AFTER_SECONDS).
    """
    from tipline.models import Attachment  # the store is used while Django loads; models come later

    store = attachment_store()
    deleted = 0
    if isinstance(store, ListingStore):
        # An upload that never completed holds no object, but its parts are kept (and billed) until aborted.
        deleted += store.abort_uploads_older_than(timezone.now() - timedelta(seconds=older_than_seconds))
    old = files_older_than(older_than_seconds)
    while batch := list(islice(old, SWEEP_BATCH)):
        kept = set(Attachment.objects.filter(storage_name__in=batch).values_list("storage_name", flat=True))
        for source in _kept_name_sources:
            kept.update(source(batch))
        for name in batch:
            if name not in kept:  # a partial file is never named by a row
                store.delete(name)
                deleted += 1
    return deleted


class StoreUnavailable(Exception):
    """The attachment store cannot be used; the message is one line that says which store and why."""


def store_check() -> None:
    """Raise StoreUnavailable, with a one-line reason, unless the attachment store is reachable and writable.

    Cheap enough for every /healthz: an object store answers one request (HeadBucket,
    short timeout, no retry); the local store's directory must exist, or be creatable,
    and be writable by us. Also the start-up check (config/startup.py).
    """
    store = attachment_store()
    if isinstance(store, CheckableStore):
        store.check()
        return
    if isinstance(store, FileSystemStorage):
        directory = Path(store.location)
        try:
            # The store makes it on its first save anyway, owner-only.
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"the attachment directory {directory} cannot be made: {exc.strerror}") from None
        if not os.access(directory, os.W_OK | os.X_OK):
            raise StoreUnavailable(f"the attachment directory {directory} is not writable by this process")
        return
    try:
        store.exists(new_storage_name())
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable
        raise StoreUnavailable(f"the attachment store cannot be read: {type(exc).__name__}") from None


# The store's own clock time up to which the nightly rewrite has redated uploads (see upload_times_blur).
TIMES_BLURRED_KEY = "attachments:times-blurred-until"
# Without that mark (a flushed cache): redo the last day and some, at worst one night twice.
TIMES_BLUR_FALLBACK = timedelta(hours=26)


def upload_times_blur() -> int:
    """Redate every file written since the last run to now, in a store that keeps write times; return how many.

    An object store keeps each object's LastModified, to the second it was uploaded, and
    no request can set it: rewritten onto itself (a server-side copy), an object takes the
    time of the copy. Run nightly (with the orphan sweep), this leaves every upload of a
    day showing the same time, the night's run, as the local store shows its day's start
    (AttachmentFileSystemStorage). Only what was written since the last run is copied,
    once: the mark is the latest time the store gave a copy, in the store's own clock (an
    upload that completes during the run itself may be passed over; its time is the run's).
    Other stores: nothing to do.
    """
    from django.core.cache import cache

    store = attachment_store()
    if not isinstance(store, RedatingStore):
        return 0
    since = cache.get(TIMES_BLURRED_KEY) or timezone.now() - TIMES_BLUR_FALLBACK
    rewritten, latest = store.rewrite_written_after(since)
    if latest is not None:
        cache.set(TIMES_BLURRED_KEY, max(since, latest), timeout=None)
    return rewritten
