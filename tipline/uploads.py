"""An upload handler that checks and encrypts each file while it streams in.

Django's default handlers keep small uploads in memory and spool large ones to a
temporary file in the clear. This one replaces both: every chunk is checked
against the allow-list (tipline/filetypes.py), stripped of its metadata
(tipline/metadata.py) and encrypted under a fresh per-file key before it is
written anywhere (the attachment store, tipline/storage.py, streams or spools and keeps
ciphertext only), so no plaintext file exists at any size. Photos and text stream
through; a recording or PDF, which must be parsed whole to be cleaned and
identified, is held in memory (never more than TIPLINE_MAX_ATTACHMENT_BYTES) until
its last chunk, then cleaned (or refused) and encrypted. The per-file key travels
with the upload object until the tip is saved, where it is encrypted under the
tip's data key.

A request is all or nothing: the handler reads the whole multipart body itself
(``handle_raw_input``), refuses a body larger than TIPLINE_MAX_REQUEST_BYTES
before reading it, and when the body turns out cut short or malformed, or Django
refuses it (too many fields or files, fields too big), it deletes every file this
request stored and lets the error through, which Django answers with the 400 page.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.translation import gettext_lazy as _

import envelope
from tipline import filetypes, scanning, storage
from tipline.filetypes import ContentCheck, FileType, Problem, RefusedCheck
from tipline.metadata import MetadataStripper, Refused, clean_whole, needs_whole_file, stripper_for

if TYPE_CHECKING:
    from django.http import QueryDict
    from django.utils.datastructures import MultiValueDict

# Django's limit for the headers of one part (django.http.multipartparser.MAX_TOTAL_HEADER_SIZE).
PART_HEADER_BYTES = 1024

REFUSALS = {
    Problem.NOT_ACCEPTED: _(
        "“%(name)s” is not a kind of file we accept. You can send photos (JPEG, PNG), PDF documents, "
        "plain text, and audio or video recordings (MP4, MOV, 3GP, M4A, MP3, OGG, AMR, WAV)."
    ),
    Problem.TOO_MANY_PIXELS: _(
        "“%(name)s” is an image of more than %(max)s million pixels. Please send a smaller version of it."
    ),
    Problem.DAMAGED_IMAGE: _(
        "“%(name)s” looks like a photo but could not be read, so its location data could not be removed. "
        "It was not kept: please send it again, or as a PDF."
    ),
    Problem.ACTIVE_DOCUMENT: _(
        "“%(name)s” is a PDF with scripts, automatic actions or files inside it, which we do not accept. "
        "It was not kept: please print it to a new PDF, or send a photo of its pages."
    ),
}


INFECTED_REFUSAL = _(
    "“%(name)s” contains something that could harm the computer of whoever opens it, so it was not kept. "
    "The rest of your report is still here: send it without that file, or send a clean copy."
)


class EncryptedUpload(UploadedFile):
    """What the form receives instead of file bytes: where the ciphertext is and its key.

    ``content_type`` is the sniffed type, never the client's. A refused upload
    (``too_large`` or a ``problem``) has no ciphertext left in the store.
    """

    def __init__(
        self,
        *,
        storage_name: str,
        file_key: bytes,
        name: str,
        content_type: str,
        size: int,
        too_large: bool,
        problem: Problem | None = None,
        scan: scanning.ScanResult = scanning.UNAVAILABLE,
    ) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.storage_name = storage_name
        self.file_key = file_key
        self.too_large = too_large
        self.problem = problem
        # The malware scan of the stored plaintext: an infected file is refused, an unscanned one kept.
        self.scan = scan
        # Set once an attachment row names this file; unclaimed files are deleted after the response.
        self.kept = False

    @property
    def refusal(self) -> ValidationError | None:
        """Return the form error that names this file and says why its content is refused, if it is."""
        if self.infected:
            return ValidationError(INFECTED_REFUSAL, code="infected", params={"name": self.name})
        if self.problem is None:
            return None
        return ValidationError(
            REFUSALS[self.problem],
            code=self.problem.value,
            params={"name": self.name, "max": filetypes.MAX_IMAGE_PIXELS // 1_000_000},
        )

    @property
    def infected(self) -> bool:
        return self.scan.verdict is scanning.Verdict.INFECTED

    def discard(self) -> None:
        """Delete the stored ciphertext (for uploads that are not kept)."""
        storage.delete(self.storage_name)

    def close(self) -> None:
        # Nothing is open: Django closes uploads when a request ends or its parsing fails.
        return None

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise OSError("encrypted uploads cannot be read back as plaintext")

    def chunks(self, chunk_size: int | None = None) -> Any:
        raise OSError("encrypted uploads cannot be read back as plaintext")


def discard_unkept_uploads(files: Any) -> None:
    """Delete the stored ciphertext of every upload of a request that no attachment row took."""
    for _name, uploads in files.lists():
        for upload in uploads:
            if isinstance(upload, EncryptedUpload) and not upload.kept:
                upload.discard()


class MultipartShape:
    """Follow the delimiters of a multipart body as it is read, to tell a whole body from a cut or garbled one.

    Django's parser silently skips a part whose headers never end and takes a body
    that stops early for a complete one (so a report could be stored without the
    file the sender meant to attach). This check raises MultiPartParserError for
    those, and for part headers that are not UTF-8. Memory stays bounded by one
    part's headers plus the delimiter.
    """

    def __init__(self, boundary: bytes) -> None:
        self.delimiter = b"--" + boundary
        self.complete = False
        self._buffer = bytearray()
        self._in_headers = False

    def feed(self, data: bytes) -> None:
        """Follow the next bytes of the body; raise MultiPartParserError when it stops making sense."""
        if self.complete:
            return
        self._buffer += data
        while not self.complete and self._advance():
            pass

    def _advance(self) -> bool:
        return self._read_headers() if self._in_headers else self._find_delimiter()

    def _find_delimiter(self) -> bool:
        found = self._buffer.find(self.delimiter)
        if found < 0:
            # Keep just enough to find a delimiter split across two reads.
            del self._buffer[: max(0, len(self._buffer) - len(self.delimiter) + 1)]
            return False
        del self._buffer[: found + len(self.delimiter)]
        self._in_headers = True
        return True

    def _read_headers(self) -> bool:
        if len(self._buffer) < 2:
            return False
        if self._buffer.startswith(b"--"):
            self.complete = True
            self._buffer.clear()
            return False
        end = self._buffer.find(b"\r\n\r\n", 0, PART_HEADER_BYTES)
        if end < 0:
            if len(self._buffer) >= PART_HEADER_BYTES or self.delimiter in self._buffer:
                raise MultiPartParserError("a part's headers do not end")
            return False
        headers = bytes(self._buffer[:end])
        if self.delimiter in headers:
            raise MultiPartParserError("a part's headers do not end")
        try:
            headers.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MultiPartParserError("a part's headers are not UTF-8") from exc
        del self._buffer[: end + 4]
        self._in_headers = False
        return True


class CheckedBody:
    """The request body as the multipart parser reads it: counted, and its shape followed."""

    def __init__(self, source: IO[bytes], *, boundary: bytes, content_length: int) -> None:
        self._source = source
        self._content_length = content_length
        self._shape = MultipartShape(boundary)
        self.received = 0

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._source.read(size)
        except OSError as exc:  # UnreadablePostError: the client went away mid-body
            raise MultiPartParserError("the request body could not be read to its end") from exc
        self.received += len(data)
        self._shape.feed(data)
        return data

    def check_complete(self) -> None:
        """Raise MultiPartParserError unless the whole announced body arrived, closing delimiter included."""
        if self.received < self._content_length:
            raise MultiPartParserError("the request body ended before its announced length")
        if not self._shape.complete:
            raise MultiPartParserError("the request body has no closing delimiter")


class EncryptingUploadHandler(FileUploadHandler):
    """Check, strip metadata from and encrypt each uploaded file as its chunks arrive."""

    # The plaintext of a file cleaned whole (recordings, PDF), in memory only; never more than
    # TIPLINE_MAX_ATTACHMENT_BYTES, since nothing is kept past that limit.
    whole: io.BytesIO | None = None

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.stored_names: list[str] = []
        self._parsing = False

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, Any],
        content_length: int,
        boundary: bytes,  # type: ignore[override]  # django-stubs says str; Django passes the encoded boundary
        encoding: str | None = None,
    ) -> tuple[QueryDict, MultiValueDict[str, UploadedFile]] | None:
        if self._parsing:
            return None  # the parser started below: let it parse as usual, through this handler
        if content_length > settings.TIPLINE_MAX_REQUEST_BYTES:
            raise RequestDataTooBig("Request body exceeded settings.TIPLINE_MAX_REQUEST_BYTES.")
        self._parsing = True
        body = CheckedBody(input_data, boundary=boundary, content_length=content_length)
        try:
            # Only read() is used; CheckedBody is deliberately not iterable (Django then reads it in chunks).
            post, files = MultiPartParser(META, cast("IO[bytes]", body), [self], encoding).parse()
            body.check_complete()
        except BaseException:
            self.discard_all()
            raise
        return post, files

    def discard_all(self) -> None:
        """Drop the file still streaming in, if any, and delete every file this request stored."""
        scan = getattr(self, "scan", None)
        if scan is not None:
            scan.abort()
        handle = getattr(self, "handle", None)
        if handle is not None:
            handle.close()
        for name in self.stored_names:
            storage.delete(name)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.storage_name = storage.new_storage_name()
        self.stored_names.append(self.storage_name)
        self.file_key, self.encryptor = envelope.new_file_encryptor(self.storage_name)
        self.handle = storage.open_for_writing(self.storage_name)
        self.scan = scanning.StreamScan()
        self.received = 0
        self.too_large = False
        self.head = b""
        self.filetype: FileType | None = None
        self.check: ContentCheck | None = None
        self.stripper: MetadataStripper | None = None

    @property
    def problem(self) -> Problem | None:
        return self.check.problem if self.check is not None else None

    def _write(self, plaintext: bytes) -> None:
        if plaintext:
            self.scan.feed(plaintext)  # exactly the bytes that are stored
            self.handle.write(self.encryptor.update(plaintext))

    def _clean(self, data: bytes) -> bytes:
        if self.filetype is None:
            # Hold back the first bytes until the type can be told from them.
            self.head += data
            if len(self.head) < filetypes.SNIFF_BYTES:
                return b""
            return self._end_sniffing()
        return self._pass(data)

    def _end_sniffing(self) -> bytes:
        self.filetype = filetypes.sniff(self.head)
        self.check = filetypes.check_for(self.filetype)
        self.stripper = stripper_for(self.head) if self.filetype.image else None
        self.whole = io.BytesIO() if self.problem is None and needs_whole_file(self.filetype) else None
        head, self.head = self.head, b""
        return self._pass(head)

    def _pass(self, data: bytes) -> bytes:
        if self.check is not None:
            self.check.feed(data)
        if self.problem is not None:
            return b""  # refused: nothing more is stored
        if self.whole is not None:
            self.whole.write(data)
            return b""  # cleaned and written once whole (_finish_content)
        return self.stripper.feed(data) if self.stripper else data

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > settings.TIPLINE_MAX_ATTACHMENT_BYTES:
            # Keep reading the request (so the form can answer) but store nothing more.
            self.too_large = True
            return None
        if self.problem is None:
            self._write(self._clean(raw_data))
        return None

    def _finish_content(self) -> None:
        if self.filetype is None:
            self._write(self._end_sniffing())
        if self.check is not None:
            self.check.close()
        if self.problem is None and self.stripper is not None:
            self._write(self.stripper.close())
            if self.stripper.gave_up:
                # The image stopped making sense: its metadata may still be in it.
                self.check = RefusedCheck(Problem.DAMAGED_IMAGE)
        if self.problem is None and self.whole is not None and self.filetype is not None:
            whole, self.whole = self.whole, None
            try:
                self._write(clean_whole(self.filetype, whole.getvalue()))
            except Refused as refused:
                self.check = RefusedCheck(refused.problem)
            finally:
                whole.close()

    def file_complete(self, file_size: int) -> EncryptedUpload:
        if not self.too_large and self.problem is None:
            self._finish_content()
        refused = self.too_large or self.problem is not None
        scan = scanning.UNAVAILABLE
        if refused:
            self.scan.abort()
        else:
            scan = self.scan.finish()
            refused = scan.verdict is scanning.Verdict.INFECTED
        if refused:
            self.handle.close()  # nothing of a refused file reaches the store
        else:
            self.handle.write(self.encryptor.finalize())
            self.handle.commit()
        upload = EncryptedUpload(
            storage_name=self.storage_name,
            file_key=self.file_key,
            name=self.file_name or "",
            content_type=self.filetype.content_type if self.filetype and not refused else "application/octet-stream",
            size=file_size,
            too_large=self.too_large,
            problem=None if self.too_large else self.problem,
            scan=scan,
        )
        if refused:
            upload.discard()
        return upload

    def upload_interrupted(self) -> None:
        if getattr(self, "scan", None) is not None:
            self.scan.abort()
        if getattr(self, "handle", None) is not None:
            self.handle.close()
            storage.delete(self.storage_name)
