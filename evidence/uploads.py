"""The upload handler of digital evidence: hash and encrypt each file as it streams in, bit for bit.

A tip's attachment is cleaned of its metadata before it is encrypted
(tipline/uploads.py); an exhibit must not be: it is evidence, and the SHA-256 of
exactly the bytes received is what proves later that it was not changed. So this
handler, which the exhibit view installs for its own request only, keeps every
byte, computes that SHA-256 while the chunks arrive, and encrypts them into the
attachment store like a tip's attachment (a fresh file key, the same stream format,
the same store), so no plaintext is ever written anywhere. It inherits the tip
handler's all-or-nothing reading of the request and its size limits.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tipline import storage
from tipline.uploads import EncryptedUpload, EncryptingUploadHandler


class EvidenceUpload(EncryptedUpload):
    """An encrypted upload kept bit for bit, with the SHA-256 of its plaintext."""

    sha256: str = ""


class EvidenceUploadHandler(EncryptingUploadHandler):
    """Encrypt each uploaded file unchanged, hashing its plaintext; refuse only a file over the size limit."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha256()

    def _write(self, plaintext: bytes) -> None:
        if plaintext:
            self.digest.update(plaintext)
            self.handle.write(self.encryptor.update(plaintext))

    def _clean(self, data: bytes) -> bytes:
        return data  # evidence keeps its metadata: nothing is sniffed, stripped or refused by type

    def _finish_content(self) -> None:
        return None

    def file_complete(self, file_size: int) -> EvidenceUpload:
        self.scan.abort()  # evidence is kept even if it carries malware: it is stored encrypted, never run
        if self.too_large:
            self.handle.close()
            storage.delete(self.storage_name)
        else:
            self.handle.write(self.encryptor.finalize())
            self.handle.commit()
        upload = EvidenceUpload(
            storage_name=self.storage_name,
            file_key=self.file_key,
            name=self.file_name or "",
            content_type="application/octet-stream",
            size=file_size,
            too_large=self.too_large,
        )
        upload.sha256 = "" if self.too_large else self.digest.hexdigest()
        return upload
