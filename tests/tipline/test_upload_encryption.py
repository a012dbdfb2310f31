"""Uploads are encrypted while they stream in (tipline/uploads.py): no plaintext ever touches the disk.

A reviewer's questions: is what lands in the attachment store ciphertext, does
any plaintext temporary file appear (even for a file big enough that Django
would normally spool it to disk), are the size and count limits enforced
without keeping anything, and does a photo come out without its EXIF/GPS
metadata but with the same pixels?
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings, settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from accounts.models import StaffMember
from envelope import primitives as crypto
from envelope.schema import file_stream_aad
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import report_data
from tipline import storage
from tipline.forms import AttachmentsField
from tipline.models import Attachment, Tip
from tipline.uploads import EncryptedUpload, EncryptingUploadHandler

pytestmark = pytest.mark.django_db

# Bigger than Django's FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB): the stock handlers would spool it to /tmp.
BIG_BYTES = 3 * 2**20 + 7
CANARY_MAKE = "CANARY-MAKE-7f3a9c"


# --- helpers --------------------------------------------------------------------------------------


def client_in(language: str) -> Client:
    """A client that chose a language with the site's switch (the language cookie)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def document(size: int) -> bytes:
    """A file stored exactly as sent, unique: an AMR recording of random speech frames (AMR has no metadata).

    12.2 kbit/s frames (a 0x3C header, 31 bytes), then one-byte "no data" frames (0x7C) to reach
    ``size``; below the 6 bytes of AMR's magic line, a scrap of plain text.
    """
    magic = b"#!AMR\n"
    if size < len(magic):
        return b"nota."[:size]
    full, rest = divmod(size - len(magic), 32)
    return magic + b"".join(b"\x3c" + os.urandom(31) for _ in range(full)) + b"\x7c" * rest


def streamed_text(size: int) -> bytes:
    """Plain text, unique: it streams into the store as it arrives (a recording is held until it is whole)."""
    return os.urandom(size // 2 + 1).hex().encode()[:size]


def needles(plaintext: bytes, every: int = 8 * 1024, width: int = 24) -> list[bytes]:
    """Short windows spread over the plaintext: finding any one means plaintext (or a part) leaked."""
    offsets = [*range(0, max(1, len(plaintext) - width), every), max(0, len(plaintext) - width)]
    return [plaintext[o : o + width] for o in offsets]


def attachment_files() -> list[str]:
    """Every file in the attachment store, listed through its storage API."""
    return storage.file_names()


Snapshot = dict[str, tuple[int, int, int]]


def temp_snapshot() -> Snapshot:
    """Every regular file under the temporary directory, with what would show it changed."""
    found: Snapshot = {}
    for dirpath, _dirnames, filenames in os.walk(tempfile.gettempdir(), onerror=lambda _e: None):
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if os.path.isfile(path) and not os.path.islink(path):
                found[path] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return found


def leaks(before: Snapshot, probes: list[bytes]) -> list[str]:
    """Return the new or changed temporary files that contain any probe."""
    hits = []
    for path, stamp in temp_snapshot().items():
        if before.get(path) == stamp:
            continue
        try:
            content = Path(path).read_bytes()
        except OSError:
            continue
        if any(probe in content for probe in probes):
            hits.append(path)
    return hits


class UploadWatch:
    """Scan the temp dir for leaks *during* the request, while uploads are still open.

    Django's own temporary upload files vanish when the request ends, so a scan
    afterwards alone would miss them. The form's attachment field is the first
    code that runs once every file has been received: we look from there.
    """

    def __init__(self) -> None:
        self.during: list[list[str]] = []
        self.probes: list[bytes] = []
        self.before: Snapshot = {}

    def arm(self, probes: list[bytes]) -> None:
        self.probes = probes
        self.before = temp_snapshot()

    def look(self) -> None:
        self.during.append(leaks(self.before, self.probes))


@pytest.fixture
def watch_uploads(monkeypatch: pytest.MonkeyPatch) -> UploadWatch:
    watch = UploadWatch()
    original = AttachmentsField.clean

    def clean(self: AttachmentsField, data: Any, initial: Any = None) -> Any:
        watch.look()
        return original(self, data, initial)

    monkeypatch.setattr(AttachmentsField, "clean", clean)
    return watch


def camera_jpeg() -> tuple[bytes, Image.Image]:
    """A JPEG with EXIF (camera make with a canary, GPS position) and the image it encodes."""
    img = Image.frombytes("RGB", (64, 48), os.urandom(64 * 48 * 3))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CANARY_MAKE
    exif[ExifTags.Base.Model] = "Phone 12"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "S",
            ExifTags.GPS.GPSLatitude: (11.0, 56.0, 40.1),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: (76.0, 59.0, 12.2),
        }
    )
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif)
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as check:
        check.load()
        assert check.getexif()[ExifTags.Base.Make] == CANARY_MAKE
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        return data, check.copy()


def decrypt_stored(upload: EncryptedUpload) -> bytes:
    return b"".join(
        crypto.decrypt_stream(
            storage.read_chunks(upload.storage_name), key=upload.file_key, aad=file_stream_aad(upload.storage_name)
        )
    )


def run_handler(data: bytes, chunk: int, name: str = "file.bin") -> EncryptedUpload:
    """Drive EncryptingUploadHandler as MultiPartParser does, with chunks of the given size."""
    handler = EncryptingUploadHandler()
    handler.new_file("attachments", name, "application/octet-stream", len(data))
    for start in range(0, len(data), chunk):
        handler.receive_data_chunk(data[start : start + chunk], start)
    upload = handler.file_complete(len(data))
    assert isinstance(upload, EncryptedUpload)
    return upload


def expected_stream_len(n: int) -> int:
    return 17 + n + crypto.TAG_BYTES * max(1, -(-n // crypto.CHUNK_BYTES))


# --- through the report form ------------------------------------------------------------------------


def test_big_upload_is_stored_encrypted_and_no_plaintext_temp_file_appears(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], watch_uploads: UploadWatch
) -> None:
    plaintext = document(BIG_BYTES)
    probes = needles(plaintext)
    watch_uploads.arm(probes)
    before = temp_snapshot()

    response = Client().post(
        "/report/",
        {**report_data(facilities["lurigancho"]), "attachments": [SimpleUploadedFile("evidence.pdf", plaintext)]},
    )
    assert response.status_code == 200, response.content.decode()[:2000]

    # Nothing under the temp dir held plaintext, neither while the request ran nor after.
    assert watch_uploads.during == [[]]
    assert leaks(before, probes) == []

    # Exactly one file in the store: the final ciphertext, no leftover `.part`, no plaintext.
    tip = Tip.objects.get()
    attachment = Attachment.objects.get(tip=tip)
    assert attachment_files() == [attachment.storage_name]
    ciphertext = storage.read_bytes(attachment.storage_name)
    assert len(ciphertext) == expected_stream_len(BIG_BYTES)
    assert ciphertext[0] == crypto.V_STREAM
    assert not any(probe in ciphertext for probe in probes)
    assert b"evidence.pdf" not in ciphertext

    # And it decrypts for the unit's investigator, byte for byte.
    investigator = staff_client("lima_investigator")
    download = investigator.get(f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == plaintext
    assert download["Content-Type"] == "application/octet-stream"


def test_scanner_catches_djangos_stock_temporary_file_handler(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings, watch_uploads: UploadWatch
) -> None:
    """Control: with Django's stock handler the same scan does find the plaintext spooled to /tmp."""
    settings.FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
    plaintext = document(BIG_BYTES)
    watch_uploads.arm(needles(plaintext))
    response = Client().post(
        "/report/",
        {**report_data(facilities["lurigancho"]), "attachments": [SimpleUploadedFile("evidence.pdf", plaintext)]},
    )
    assert response.status_code == 400  # the form refuses anything but an EncryptedUpload
    assert len(watch_uploads.during) == 1 and len(watch_uploads.during[0]) == 1, watch_uploads.during
    assert Tip.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", r"“grabacion-patio\.mp3” is larger than 1 MiB\."),
        ("es", r"El archivo “grabacion-patio\.mp3” pesa más de 1 MB\."),
    ],
)
def test_file_over_the_size_limit_is_refused_by_name_and_nothing_is_stored(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings, language: str, message: str
) -> None:
    settings.TIPLINE_MAX_ATTACHMENT_BYTES = 2**20
    too_big = SimpleUploadedFile("grabacion-patio.mp3", document(2**20 + 1))
    small = SimpleUploadedFile("nota.txt", b"a small file that would have been fine")
    response = client_in(language).post(
        "/report/", {**report_data(facilities["lurigancho"]), "attachments": [small, too_big]}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert len(re.findall(message, html)) == 1, html
    assert "nota.txt" not in html  # only the big file is named
    assert Tip.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert attachment_files() == []


def test_file_exactly_at_the_size_limit_is_accepted(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings
) -> None:
    settings.TIPLINE_MAX_ATTACHMENT_BYTES = 2**20
    response = Client().post(
        "/report/",
        {**report_data(facilities["lurigancho"]), "attachments": [SimpleUploadedFile("limit.bin", document(2**20))]},
    )
    assert response.status_code == 200
    assert Attachment.objects.count() == 1
    assert len(attachment_files()) == 1


def test_more_files_than_allowed_are_refused_and_nothing_is_stored(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings
) -> None:
    settings.TIPLINE_MAX_ATTACHMENTS = 2
    files = [SimpleUploadedFile(f"foto{i}.txt", f"file {i}".encode()) for i in range(3)]
    response = client_in("en").post("/report/", {**report_data(facilities["lurigancho"]), "attachments": files})
    assert response.status_code == 400
    assert "You can attach at most 2 files." in response.content.decode()
    assert Tip.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert attachment_files() == []
    # The limit itself is allowed.
    response = Client().post("/report/", {**report_data(facilities["lurigancho"]), "attachments": files[:2]})
    assert response.status_code == 200
    assert Attachment.objects.count() == 2
    assert len(attachment_files()) == 2


def test_photo_exif_and_gps_are_gone_after_upload_and_download_pixels_unchanged(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    original, original_image = camera_jpeg()
    assert CANARY_MAKE.encode() in original
    response = Client().post(
        "/report/",
        {
            **report_data(facilities["lurigancho"]),
            "attachments": [SimpleUploadedFile("IMG_0001.jpg", original, content_type="image/jpeg")],
        },
    )
    assert response.status_code == 200
    tip = Tip.objects.get()
    assert tip.unit.slug == "lima"
    attachment = Attachment.objects.get(tip=tip)
    assert CANARY_MAKE.encode() not in storage.read_bytes(attachment.storage_name)

    download = staff_client("lima_investigator").get(f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/")
    assert download.status_code == 200
    assert "evidencia-1.jpg" in download["Content-Disposition"]
    received = b"".join(download.streaming_content)
    assert received != original
    assert received.startswith(b"\xff\xd8\xff")
    assert CANARY_MAKE.encode() not in received
    assert b"Exif\x00\x00" not in received
    with Image.open(io.BytesIO(received)) as image:
        image.load()
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info
        assert image.size == original_image.size
        assert image.mode == original_image.mode
        assert image.tobytes() == original_image.tobytes()


# --- the handler on its own ----------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [1, 7, 15, 16, 17, 1000, 65536])
def test_handler_strips_jpeg_metadata_whatever_the_chunking(chunk: int) -> None:
    original, original_image = camera_jpeg()
    upload = run_handler(original, chunk, "IMG.jpg")
    assert upload.size == len(original)
    assert upload.too_large is False
    stored = storage.read_bytes(upload.storage_name)
    assert CANARY_MAKE.encode() not in stored
    cleaned = decrypt_stored(upload)
    assert CANARY_MAKE.encode() not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        image.load()
        assert len(image.getexif()) == 0
        assert image.tobytes() == original_image.tobytes()


HANDLER_CASES = [
    (size, chunk)
    for size in (0, 1, 15, 16, 17, crypto.CHUNK_BYTES, crypto.CHUNK_BYTES + 1, 200_000)
    for chunk in (1, 1000, 65536)
    if not (chunk == 1 and size > crypto.CHUNK_BYTES + 1)  # byte by byte only up to just over one chunk
]


@pytest.mark.parametrize(("size", "chunk"), HANDLER_CASES)
def test_handler_round_trips_other_files_unchanged(size: int, chunk: int) -> None:
    plaintext = document(size)
    upload = run_handler(plaintext, chunk)
    assert upload.too_large is False
    assert storage.size(upload.storage_name) == expected_stream_len(size)
    assert attachment_files() == [upload.storage_name]  # and no partial file beside it
    if size >= 24:
        assert not any(probe in storage.read_bytes(upload.storage_name) for probe in needles(plaintext))
    assert decrypt_stored(upload) == plaintext
    # The upload object never gives plaintext back.
    with pytest.raises(OSError):
        upload.open()
    with pytest.raises(OSError):
        upload.chunks()


def test_handler_keys_and_names_are_per_file() -> None:
    a, b = run_handler(b"same bytes", 4), run_handler(b"same bytes", 4)
    assert a.storage_name != b.storage_name
    assert a.file_key != b.file_key
    # A stored file moved under another name (or opened with another file's key) does not decrypt.
    with pytest.raises(crypto.CryptoError):
        b"".join(
            crypto.decrypt_stream(
                storage.read_chunks(a.storage_name), key=a.file_key, aad=file_stream_aad(b.storage_name)
            )
        )
    with pytest.raises(crypto.CryptoError):
        b"".join(
            crypto.decrypt_stream(
                storage.read_chunks(a.storage_name), key=b.file_key, aad=file_stream_aad(a.storage_name)
            )
        )


def test_handler_marks_oversized_file_and_keeps_nothing(settings: LazySettings) -> None:
    settings.TIPLINE_MAX_ATTACHMENT_BYTES = 10_000
    upload = run_handler(document(10_001), 1000)
    assert upload.too_large is True
    assert attachment_files() == []
    upload = run_handler(document(10_000), 1000)
    assert upload.too_large is False
    assert len(attachment_files()) == 1


def test_handler_interrupted_upload_leaves_nothing() -> None:
    handler = EncryptingUploadHandler()
    handler.new_file("attachments", "half.bin", "application/octet-stream", 100_000)
    plaintext = streamed_text(70_000)
    handler.receive_data_chunk(plaintext, 0)
    # Nothing is in the store before the file is complete; what waits for it is ciphertext.
    assert attachment_files() == []
    spool = handler.handle._spool
    assert spool is not None
    spool.seek(0)
    pending = spool.read()
    assert pending[0] == crypto.V_STREAM
    assert not any(probe in pending for probe in needles(plaintext))
    handler.upload_interrupted()
    assert attachment_files() == []
    assert handler.handle._spool is None  # dropped
