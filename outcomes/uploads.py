"""An upload handler that only hashes: checking a referral file needs its exact bytes' SHA-256, and nothing kept.

The site's handler (tipline/uploads.py) rewrites and encrypts every upload, so a PDF
read through it is no longer the file that was sent. This one keeps no byte: it feeds
each chunk to SHA-256 and counts them, and stops counting past a size no referral
file reaches.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

# The largest file the check reads: referral files are a few hundred kilobytes.
VERIFY_MAX_BYTES = 20 * 2**20


class HashedUpload(UploadedFile):
    """What is left of an uploaded file once hashed: its SHA-256 and size, no content."""

    def __init__(self, *, name: str, sha256: str, size: int, too_large: bool) -> None:
        super().__init__(file=None, name=name, content_type="application/octet-stream", size=size)
        self.sha256 = sha256
        self.too_large = too_large


class HashingUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self._digest = hashlib.sha256()
        self._size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._digest = hashlib.sha256()
        self._size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._size += len(raw_data)
        if self._size <= VERIFY_MAX_BYTES:
            self._digest.update(raw_data)

    def file_complete(self, file_size: int) -> HashedUpload:
        return HashedUpload(
            name=self.file_name or "",
            sha256=self._digest.hexdigest(),
            size=self._size,
            too_large=self._size > VERIFY_MAX_BYTES,
        )
