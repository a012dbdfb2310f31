"""The attachment store in an S3-compatible bucket: django-storages' S3Storage, plus what the tipline needs of it.

Chosen by TIPLINE_S3_BUCKET (config/settings.py, README "Attachments in object
storage"); tipline/storage.py stays the interface and asks the store for these
hooks, so the rest of the code never names S3:

- ``ciphertext_writer``: a streaming multipart upload (MultipartCiphertextWriter).
  The ciphertext goes out in parts of PART_BYTES as it is encrypted, so at most
  about one part is ever held in memory and nothing is spooled to disk; the object
  appears under its name only when the upload is completed (commit), and an upload
  that is closed without commit, or fails, is aborted.
- ``files_older_than`` and ``abort_uploads_older_than``: the nightly orphan sweep
  lists the bucket page by page (LastModified comes with the listing: no request
  per object) and aborts incomplete multipart uploads that a killed worker left;
  the bucket's AbortIncompleteMultipartUpload lifecycle rule is the second net.
- ``check``: one cheap request (HeadBucket) with a short timeout and no retries,
  for /healthz and the start-up checks.

No ACL is ever set and no URL is ever handed out: the bucket is private to the
application's and the backups' credentials (objects are ciphertext, but their
LastModified is exact; tipline/storage.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

from tipline import storage

# S3's smallest part but the last; the writer holds at most about this much ciphertext at once.
PART_BYTES = 5 * 1024 * 1024
# The store's own requests: fail in seconds when the endpoint is gone, retry a passing fault once. The
# worst case (2 x (5 + 15) s) stays well under gunicorn's 60 s timeout, so a slow bucket ends the request
# with the app's own answer (the text kept, the upload aborted) instead of a killed worker.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 15
MAX_ATTEMPTS = 2
# The reachability check answers quickly or says why not: one attempt, short timeouts.
CHECK_TIMEOUT_SECONDS = 3


class AttachmentS3Storage(S3Storage):  # type: ignore[misc]  # django-storages is untyped
    """An S3-compatible bucket holding ciphertext files: private, never overwritten, path-style addressing."""

    part_bytes = PART_BYTES
    client_config: Config

    def __init__(self, **settings: Any) -> None:
        settings.setdefault("default_acl", None)  # the bucket's own policy: private
        settings.setdefault("querystring_auth", False)  # no URL is ever handed out
        settings.setdefault("file_overwrite", False)
        settings.setdefault("addressing_style", "path")  # MinIO, Ceph RGW, Garage, moto
        settings.setdefault("object_parameters", {})
        super().__init__(**settings)
        if self.client_config is not None and settings.get("client_config") is None:
            self.client_config = self.client_config.merge(
                Config(
                    connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    read_timeout=READ_TIMEOUT_SECONDS,
                    retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
                    # Checksums only where S3 requires them: botocore's default CRC32 trailers on every
                    # upload are refused by some S3-compatible servers (older MinIO, Ceph RGW, Garage).
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                )
            )

    @property
    def client(self) -> Any:
        """The boto3 S3 client of this store's own connection (its credentials, endpoint and timeouts)."""
        return self.connection.meta.client

    def key_for(self, name: str) -> str:
        """Return the object key of a store file name (under the store's `location` prefix, if any)."""
        return str(self._normalize_name(name))

    def _prefix(self) -> str:
        prefix = self.key_for("")
        return prefix if not prefix or prefix.endswith("/") else prefix + "/"

    def ciphertext_writer(self, storage_name: str) -> MultipartCiphertextWriter:
        return MultipartCiphertextWriter(self, storage_name)

    def files_older_than(self, cutoff: datetime) -> Iterator[str]:
        """Yield the name of every object under the store's prefix last written before `cutoff`."""
        prefix = self._prefix()
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket_name, Prefix=prefix)
        for page in pages:
            for entry in page.get("Contents", ()):
                if entry["LastModified"] < cutoff:
                    yield entry["Key"][len(prefix) :]

    def rewrite_written_after(self, since: datetime) -> tuple[int, datetime | None]:
        """Copy every store object last written after `since` onto itself; return how many, and the latest new time.

        The copy (metadata replaced, which S3 requires to copy an object onto itself) keeps the bytes,
        the content type and the server-side encryption, and takes the time of the copy as its
        LastModified (storage.upload_times_blur says why).
        """
        prefix = self._prefix()
        copied, latest = 0, None
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket_name, Prefix=prefix)
        for page in pages:
            for entry in page.get("Contents", ()):
                name = entry["Key"][len(prefix) :]
                if entry["LastModified"] <= since or not storage.is_storage_name(name):
                    continue
                answer = self.client.copy_object(
                    Bucket=self.bucket_name,
                    Key=entry["Key"],
                    CopySource={"Bucket": self.bucket_name, "Key": entry["Key"]},
                    MetadataDirective="REPLACE",
                    **object_parameters(self, name),
                )
                copied += 1
                written = answer["CopyObjectResult"]["LastModified"]
                latest = written if latest is None else max(latest, written)
        return copied, latest

    def abort_uploads_older_than(self, cutoff: datetime) -> int:
        """Abort the store's incomplete multipart uploads started before `cutoff`; return how many."""
        prefix = self._prefix()
        aborted = 0
        pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket_name, Prefix=prefix)
        for page in pages:
            for upload in page.get("Uploads", ()):
                if upload["Initiated"] < cutoff and storage.is_storage_name(upload["Key"][len(prefix) :]):
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket_name, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    aborted += 1
        return aborted

    def check(self) -> None:
        """Raise storage.StoreUnavailable unless the bucket answers to our credentials (one HeadBucket)."""
        config = self.client_config.merge(
            Config(
                connect_timeout=CHECK_TIMEOUT_SECONDS,
                read_timeout=CHECK_TIMEOUT_SECONDS,
                retries={"total_max_attempts": 1, "mode": "standard"},
            )
        )
        client = self._create_session().client(
            "s3",
            region_name=self.region_name,
            use_ssl=self.use_ssl,
            endpoint_url=self.endpoint_url,
            config=config,
            verify=self.verify,
        )
        where = f"bucket {self.bucket_name!r}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")
        try:
            client.head_bucket(Bucket=self.bucket_name)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            reason = {403: "refuses our credentials", 404: "does not exist"}.get(status, f"answers {status}")
            raise storage.StoreUnavailable(f"the attachment store's {where} {reason}") from None
        except BotoCoreError as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise storage.StoreUnavailable(f"the attachment store's {where} is unreachable: {first_line}") from None


class MultipartCiphertextWriter(storage.CiphertextWriter):
    """The ciphertext of one upload streamed into the bucket in parts; the object exists only after commit().

    A file smaller than one part is sent with one PutObject on commit; a larger one
    starts a multipart upload at its first full part. ``most_buffered`` records the
    most ciphertext this writer ever held at once: never more than one part.
    """

    def __init__(self, store: AttachmentS3Storage, storage_name: str) -> None:
        super().__init__(storage_name)
        self._store = store
        self._key = store.key_for(self.storage_name)
        self.part_bytes: int = store.part_bytes
        self._buffer: bytearray | None = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self.most_buffered = 0

    def write(self, ciphertext: bytes) -> int:
        buffer = self._open_buffer()
        rest = memoryview(ciphertext)
        try:
            while rest:
                # Fill the part, send it when full, start the next: never more than one part held here.
                room = self.part_bytes - len(buffer)
                buffer += rest[:room]
                rest = rest[room:]
                self.most_buffered = max(self.most_buffered, len(buffer))
                if len(buffer) == self.part_bytes:
                    self._upload_part(buffer)
                    buffer.clear()
        except BaseException:
            self.close()
            raise
        return len(ciphertext)

    def commit(self) -> None:
        """Send what is left and complete the upload: only now does the object appear under its name."""
        buffer = self._open_buffer()
        try:
            if self._store.exists(self.storage_name):
                raise FileExistsError(f"{self.storage_name} is already in the attachment store")
            if self._upload_id is None:
                self._store.client.put_object(
                    Bucket=self._store.bucket_name, Key=self._key, Body=buffer, **self._parameters()
                )
            else:
                if buffer:
                    self._upload_part(buffer)
                self._store.client.complete_multipart_upload(
                    Bucket=self._store.bucket_name,
                    Key=self._key,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
                self._upload_id = None
        finally:
            self.close()

    def close(self) -> None:
        """Drop whatever was not committed, and abort the multipart upload if one was started."""
        self._buffer = None
        upload_id, self._upload_id = self._upload_id, None
        if upload_id is not None:
            # If this fails too (the store gone), the orphan sweep and the lifecycle rule abort it later; the
            # error that brought us here is the one to report.
            with contextlib.suppress(BotoCoreError, ClientError):
                self._store.client.abort_multipart_upload(
                    Bucket=self._store.bucket_name, Key=self._key, UploadId=upload_id
                )

    def _open_buffer(self) -> bytearray:
        if self._buffer is None:
            raise ValueError(f"{self.storage_name} is already committed or closed")
        return self._buffer

    def _parameters(self) -> dict[str, Any]:
        return object_parameters(self._store, self.storage_name)

    def _upload_part(self, part: bytearray) -> None:
        client = self._store.client
        if self._upload_id is None:
            started = client.create_multipart_upload(
                Bucket=self._store.bucket_name, Key=self._key, **self._parameters()
            )
            self._upload_id = started["UploadId"]
        number = len(self._parts) + 1
        answer = client.upload_part(
            Bucket=self._store.bucket_name, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=part
        )
        self._parts.append({"ETag": answer["ETag"], "PartNumber": number})


def object_parameters(store: AttachmentS3Storage, name: str) -> dict[str, Any]:
    """Return what every object of the store is written with: server-side encryption if configured, never an ACL."""
    parameters: dict[str, Any] = store.get_object_parameters(name)
    parameters.setdefault("ContentType", "application/octet-stream")
    return parameters
