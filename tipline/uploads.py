"""An upload handler that encrypts each file while it streams in.

Django's default handlers keep small uploads in memory and spool large ones to a
temporary file in the clear. This one replaces both: every chunk is stripped of
image metadata and encrypted under a fresh per-file key before it touches the
disk, so no plaintext file exists at any size. The per-file key travels with the
upload object until the tip is saved, where it is encrypted under the tip's data key.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from tipline import crypto, storage
from tipline.metadata import MetadataStripper, stripper_for

_SNIFF_BYTES = 16


def stream_aad(storage_name: str) -> bytes:
    """Return the associated data that binds a stream to its stored file."""
    return b"tipline attachment stream|" + storage_name.encode("ascii")


class EncryptedUpload(UploadedFile):
    """What the form receives instead of file bytes: where the ciphertext is and its key."""

    def __init__(
        self, *, storage_name: str, file_key: bytes, name: str, content_type: str, size: int, too_large: bool
    ) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.storage_name = storage_name
        self.file_key = file_key
        self.too_large = too_large

    def discard(self) -> None:
        """Delete the stored ciphertext (for uploads that are not kept)."""
        storage.delete(self.storage_name)

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise OSError("encrypted uploads cannot be read back as plaintext")

    def chunks(self, chunk_size: int | None = None) -> Any:
        raise OSError("encrypted uploads cannot be read back as plaintext")


class EncryptingUploadHandler(FileUploadHandler):
    """Strip metadata from and encrypt each uploaded file as its chunks arrive."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.storage_name = storage.new_storage_name()
        self.file_key = crypto.new_key()
        self.encryptor = crypto.StreamEncryptor(key=self.file_key, aad=stream_aad(self.storage_name))
        self.handle = storage.open_for_writing(self.storage_name)
        self.received = 0
        self.too_large = False
        self.head = b""
        self.stripper: MetadataStripper | None = None
        self.sniffed = False

    def _write(self, plaintext: bytes) -> None:
        if plaintext:
            self.handle.write(self.encryptor.update(plaintext))

    def _clean(self, data: bytes) -> bytes:
        if self.sniffed:
            return self.stripper.feed(data) if self.stripper else data
        # Hold back the first bytes until the type can be told from them.
        self.head += data
        if len(self.head) < _SNIFF_BYTES:
            return b""
        return self._end_sniffing()

    def _end_sniffing(self) -> bytes:
        self.sniffed = True
        self.stripper = stripper_for(self.head)
        head, self.head = self.head, b""
        return self.stripper.feed(head) if self.stripper else head

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > settings.TIPLINE_MAX_ATTACHMENT_BYTES:
            # Keep reading the request (so the form can answer) but store nothing more.
            self.too_large = True
            return None
        self._write(self._clean(raw_data))
        return None

    def file_complete(self, file_size: int) -> EncryptedUpload:
        tail = b""
        if not self.too_large:
            tail = self._end_sniffing() if not self.sniffed else b""
            if self.stripper:
                tail += self.stripper.close()
            self._write(tail)
        self.handle.write(self.encryptor.finalize())
        self.handle.close()
        storage.commit(self.storage_name)
        upload = EncryptedUpload(
            storage_name=self.storage_name,
            file_key=self.file_key,
            name=self.file_name or "",
            content_type=self.content_type or "application/octet-stream",
            size=file_size,
            too_large=self.too_large,
        )
        if self.too_large:
            upload.discard()
        return upload

    def upload_interrupted(self) -> None:
        if getattr(self, "handle", None) is not None:
            self.handle.close()
            storage.delete(self.storage_name)
