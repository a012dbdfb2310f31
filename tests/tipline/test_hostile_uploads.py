"""Hostile input on /report/ and /followup/: malformed bodies and files that are not what they claim.

A reviewer's questions: does every broken, cut or oversized request get the
plain 400 page ("nothing was saved") rather than a 500 or a report stored without
its files; is every ciphertext file such a request had already written deleted;
is a file judged by its content (not its name or the client's type), with the
refused file named and the accepted types listed; are decompression bombs and
broken image headers refused before anything is kept?
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings, settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import StaffMember
from envelope import primitives as crypto
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import form_token, pdf_bytes, public_client, report_data, submit_tip
from tipline import abuse, filetypes, storage
from tipline.models import Attachment, Message, Tip
from tipline.uploads import EncryptingUploadHandler

pytestmark = pytest.mark.django_db

BOUNDARY = "----hostileBoundary7MA4YWxkTrZu0gW"
NOTHING_SAVED = "Your report or message could not be read, so nothing was saved."
ACCEPTED_TYPES = (
    "You can send photos (JPEG, PNG), PDF documents, plain text, "
    "and audio or video recordings (MP4, MOV, 3GP, M4A, MP3, OGG, AMR, WAV)."
)


# --- building raw multipart bodies ------------------------------------------------------------------


def field_part(name: str | bytes, value: str | bytes) -> bytes:
    name_bytes = name.encode() if isinstance(name, str) else name
    value_bytes = value.encode() if isinstance(value, str) else value
    return b'Content-Disposition: form-data; name="' + name_bytes + b'"\r\n\r\n' + value_bytes


def file_part(filename: str | bytes, content: bytes, content_type: str = "application/octet-stream") -> bytes:
    filename_bytes = filename.encode() if isinstance(filename, str) else filename
    return (
        b'Content-Disposition: form-data; name="attachments"; filename="'
        + filename_bytes
        + b'"\r\nContent-Type: '
        + content_type.encode()
        + b"\r\n\r\n"
        + content
    )


def body_of(parts: list[bytes], *, closed: bool = True) -> bytes:
    delimiter = b"--" + BOUNDARY.encode()
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts)
    return body + (delimiter + b"--\r\n" if closed else b"")


def form_parts(data: dict[str, object]) -> list[bytes]:
    return [field_part(name, str(value)) for name, value in data.items()]


def pdf(size: int) -> bytes:
    return pdf_bytes(size)


def amr(frames: int = 100) -> bytes:
    # AMR-NB at 12.2 kbit/s: header byte 0x3C (frame type 7), then 31 bytes of speech.
    return b"#!AMR\n" + b"".join(b"\x3c" + os.urandom(31) for _ in range(frames))


def mp4(media: int = 3000) -> bytes:
    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(payload), kind) + payload

    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isommp41")
    moov = box(b"moov", box(b"mvhd", bytes(100)))
    return ftyp + moov + box(b"mdat", os.urandom(media))


def post_raw(client: Client, path: str, body: bytes, content_type: str | None = None, **extra: Any) -> Any:
    return client.generic(
        "POST", path, body, content_type=content_type or f"multipart/form-data; boundary={BOUNDARY}", **extra
    )


def attachment_files() -> list[str]:
    """Every file in the attachment store, listed through its storage API."""
    return storage.file_names()


class WrittenFiles:
    """Every ciphertext file a request opened in the store, with the bytes written to each."""

    def __init__(self) -> None:
        self.bytes_by_name: dict[str, int] = {}

    @property
    def names(self) -> list[str]:
        return list(self.bytes_by_name)


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> WrittenFiles:
    """Record the files the upload handler writes, so a test can show they existed and are gone."""
    record = WrittenFiles()
    original = storage.open_for_writing

    class CountingHandle:
        def __init__(self, name: str) -> None:
            self.name = name
            self.handle = original(name)
            record.bytes_by_name[name] = 0

        def write(self, data: bytes) -> int:
            record.bytes_by_name[self.name] += len(data)
            return self.handle.write(data)

        def commit(self) -> None:
            self.handle.commit()

        def close(self) -> None:
            self.handle.close()

    monkeypatch.setattr(storage, "open_for_writing", CountingHandle)
    return record


# --- the people and the places ----------------------------------------------------------------------


@pytest.fixture
def report_page(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> tuple[Client, str, dict[str, object]]:
    """A visitor (English) on the report form, and a valid report for Lurigancho."""
    return public_client("en"), "/report/", report_data(facilities["lurigancho"])


@pytest.fixture
def followup_page(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> tuple[Client, str, dict[str, object]]:
    """A whistleblower (English) with their report open on /followup/, and a valid reply."""
    _tip, receipt = submit_tip(facility=facilities["lurigancho"])
    client = public_client("en")
    opened = client.post(
        "/followup/", {"receipt": receipt, abuse.TOKEN_FIELD: form_token(abuse.FORM_RECEIPT, age_seconds=1)}
    )
    assert opened.status_code == 302, opened.content.decode()[:2000]
    reply = {abuse.TOKEN_FIELD: form_token(abuse.FORM_REPLY), "body": "Ayer volvieron a entrar celulares."}
    return client, "/followup/", reply


@pytest.fixture(params=["report", "followup"])
def page(request: pytest.FixtureRequest) -> tuple[Client, str, dict[str, object]]:
    return request.getfixturevalue(f"{request.param}_page")


def assert_refused_and_nothing_kept(response: Any, tips_before: int, written: WrittenFiles | None = None) -> None:
    assert response.status_code == 400, response.content.decode()[:2000]
    html = response.content.decode()
    assert NOTHING_SAVED in html, html
    assert "Traceback" not in html
    assert Tip.objects.count() == tips_before
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert attachment_files() == []
    if written is not None:
        for name in written.names:
            assert not storage.exists(name)


# --- malformed and cut requests get the 400 page and leave nothing ----------------------------------------


def test_a_boundary_that_is_not_a_boundary_gets_the_400_page(page: tuple[Client, str, dict[str, object]]) -> None:
    client, path, data = page
    tips = Tip.objects.count()
    body = body_of(form_parts(data))
    response = post_raw(client, path, body, content_type="multipart/form-data; boundary=" + "x" * 300)
    assert_refused_and_nothing_kept(response, tips)


def test_a_missing_boundary_gets_the_400_page(page: tuple[Client, str, dict[str, object]]) -> None:
    client, path, data = page
    tips = Tip.objects.count()
    response = post_raw(client, path, body_of(form_parts(data)), content_type="multipart/form-data")
    assert_refused_and_nothing_kept(response, tips)


def test_garbage_instead_of_a_form_gets_the_400_page(page: tuple[Client, str, dict[str, object]]) -> None:
    client, path, _data = page
    tips = Tip.objects.count()
    response = post_raw(client, path, os.urandom(50_000))
    assert_refused_and_nothing_kept(response, tips)


def test_part_headers_that_never_end_get_the_400_page(
    page: tuple[Client, str, dict[str, object]], written: WrittenFiles
) -> None:
    client, path, data = page
    tips = Tip.objects.count()
    endless = b'Content-Disposition: form-data; name="attachments"; filename="a.pdf"\r\nX-Padding: ' + b"a" * 5000
    body = body_of([file_part("first.pdf", pdf(100_000)), *form_parts(data), endless])
    assert_refused_and_nothing_kept(post_raw(client, path, body), tips, written)
    assert len(written.names) == 1  # the first file had been stored, and was deleted


def test_a_part_without_a_blank_line_after_its_headers_is_not_silently_skipped(
    page: tuple[Client, str, dict[str, object]], written: WrittenFiles
) -> None:
    """Django would skip such a part and store the rest: here the file would have been lost unnoticed."""
    client, path, data = page
    tips = Tip.objects.count()
    headless = b'Content-Disposition: form-data; name="attachments"; filename="video.mp4"\r\nContent-Type: video/mp4'
    body = body_of([*form_parts(data), headless])
    assert_refused_and_nothing_kept(post_raw(client, path, body), tips, written)


def test_a_huge_header_line_gets_the_400_page(page: tuple[Client, str, dict[str, object]]) -> None:
    client, path, data = page
    tips = Tip.objects.count()
    body = body_of([*form_parts(data), file_part("a" * 5000 + ".pdf", pdf(1000))])
    assert_refused_and_nothing_kept(post_raw(client, path, body), tips)


@pytest.mark.parametrize(
    "bad_part",
    [
        field_part(b"descripci\xf3n", "Latin-1, not UTF-8"),
        file_part(b"foto-c\xe1rcel.pdf", b"%PDF-1.7\n"),
    ],
    ids=["field name", "file name"],
)
def test_names_that_are_not_utf8_get_the_400_page(
    page: tuple[Client, str, dict[str, object]], bad_part: bytes, written: WrittenFiles
) -> None:
    client, path, data = page
    tips = Tip.objects.count()
    body = body_of([file_part("ok.pdf", pdf(5000)), *form_parts(data), bad_part])
    assert_refused_and_nothing_kept(post_raw(client, path, body), tips, written)


def test_a_body_cut_short_of_its_content_length_stores_no_report_and_no_file(
    page: tuple[Client, str, dict[str, object]], written: WrittenFiles
) -> None:
    """The connection drops mid-file: Django alone would store the report without the file."""
    client, path, data = page
    tips = Tip.objects.count()
    # Text streams into the store as it arrives (a PDF is held in memory until it is whole).
    full = body_of([*form_parts(data), file_part("nota.txt", b"una nota larga\n" * 20_000)])
    cut = full[: len(full) - 150_000]
    # Like a server whose client went away: the input simply ends (the test client would raise instead).
    cut_input = {
        "wsgi.input": io.BytesIO(cut),
        "CONTENT_LENGTH": str(len(full)),
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
    }
    response = post_raw(client, path, b"", **cut_input)
    assert_refused_and_nothing_kept(response, tips, written)
    assert len(written.names) == 1 and next(iter(written.bytes_by_name.values())) > 100_000


def test_a_body_that_ends_without_its_closing_delimiter_stores_nothing(
    page: tuple[Client, str, dict[str, object]], written: WrittenFiles
) -> None:
    client, path, data = page
    tips = Tip.objects.count()
    body = body_of([*form_parts(data), file_part("foto.pdf", pdf(10_000))], closed=False)
    assert_refused_and_nothing_kept(post_raw(client, path, body), tips, written)


def test_too_many_fields_get_the_400_page(page: tuple[Client, str, dict[str, object]], written: WrittenFiles) -> None:
    client, path, data = page
    tips = Tip.objects.count()
    many = [field_part(f"f{i}", "x") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5)]
    body = body_of([file_part("early.pdf", pdf(2000)), *form_parts(data), *many])
    assert_refused_and_nothing_kept(post_raw(client, path, body), tips, written)
    assert len(written.names) == 1


def test_too_many_files_get_the_400_page_and_the_stored_ones_are_deleted(
    page: tuple[Client, str, dict[str, object]], written: WrittenFiles
) -> None:
    client, path, data = page
    tips = Tip.objects.count()
    files = [file_part(f"f{i}.pdf", pdf(3000)) for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    body = body_of([*form_parts(data), *files])
    assert_refused_and_nothing_kept(post_raw(client, path, body), tips, written)
    assert len(written.names) == settings.DATA_UPLOAD_MAX_NUMBER_FILES


def test_fields_bigger_than_allowed_get_the_400_page(page: tuple[Client, str, dict[str, object]]) -> None:
    client, path, data = page
    tips = Tip.objects.count()
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = body_of([*form_parts(data), field_part("contact", huge)])
    assert_refused_and_nothing_kept(post_raw(client, path, body), tips)


def test_a_body_over_the_request_limit_is_refused_unread(
    page: tuple[Client, str, dict[str, object]], settings: LazySettings, written: WrittenFiles
) -> None:
    settings.TIPLINE_MAX_REQUEST_BYTES = 50_000
    client, path, data = page
    tips = Tip.objects.count()
    body = body_of([*form_parts(data), file_part("big.pdf", pdf(60_000))])
    assert_refused_and_nothing_kept(post_raw(client, path, body), tips, written)
    assert written.names == []  # refused before a byte of the file was read


def test_the_400_page_speaks_spanish_by_default(report_page: tuple[Client, str, dict[str, object]]) -> None:
    _client, path, data = report_page
    response = post_raw(Client(), path, body_of(form_parts(data)), content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'lang="es"' in response.content.decode()
    assert NOTHING_SAVED not in response.content.decode()


def test_a_well_formed_raw_report_is_accepted(report_page: tuple[Client, str, dict[str, object]]) -> None:
    """Control: the same builder with nothing wrong gives a stored report with its file."""
    client, path, data = report_page
    body = body_of([*form_parts(data), file_part("informe.pdf", pdf(70_000))])
    response = post_raw(client, path, body)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert Tip.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert len(attachment_files()) == 1


# --- files are judged by their content ------------------------------------------------------------------


def png_bytes(width: int = 8, height: int = 6) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose IHDR (with a correct CRC) claims the given size, followed by a tiny IDAT and IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def jpeg_header_claiming(width: int, height: int, exif_bytes: int = 70_000) -> bytes:
    """A JPEG whose frame header, behind a large EXIF segment, claims the given size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    exif_payload = b"Exif\x00\x00" + os.urandom(min(exif_bytes, 65_000))
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif_payload) + 2) + exif_payload
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + app1 + sof + b"\xff\xd9"


def send_report_with(client: Client, facility: Facility, *files: SimpleUploadedFile) -> Any:
    return client.post("/report/", {**report_data(facility), "attachments": list(files)})


@pytest.mark.parametrize(
    ("name", "content", "claimed_type"),
    [
        ("foto.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(4000), "image/jpeg"),
        ("pruebas.pdf", b"PK\x03\x04\x14\x00\x00\x00" + os.urandom(4000), "application/pdf"),
        ("nota.txt", b"<html><script>alert(1)</script></html>", "text/plain"),
        ("nota.txt", b"\xef\xbb\xbf  <svg onload=alert(1)>", "text/plain"),
        ("audio.mp3", b"plain start then \x00 binary" + os.urandom(100), "audio/mpeg"),
        ("iphone.jpg", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + os.urandom(2000), "image/jpeg"),
    ],
    ids=["exe named jpg", "zip named pdf", "html named txt", "svg with bom", "binary with nul", "heic named jpg"],
)
def test_a_file_of_a_refused_kind_is_named_with_the_accepted_kinds_and_nothing_is_kept(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    written: WrittenFiles,
    name: str,
    content: bytes,
    claimed_type: str,
) -> None:
    fine = SimpleUploadedFile("carta.pdf", pdf(3000), content_type="application/pdf")
    bad = SimpleUploadedFile(name, content, content_type=claimed_type)
    response = send_report_with(public_client("en"), facilities["lurigancho"], fine, bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert f"“{name}” is not a kind of file we accept. {ACCEPTED_TYPES}" in html, html
    assert "“carta.pdf”" not in html
    assert Tip.objects.count() == 0
    assert attachment_files() == []
    assert len(written.names) == 2  # both were received; neither is kept


def test_the_refusal_is_in_spanish_for_a_spanish_visitor(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    bad = SimpleUploadedFile("virus.exe", b"MZ" + os.urandom(500))
    response = send_report_with(public_client("es"), facilities["lurigancho"], bad)
    assert response.status_code == 400
    assert "“virus.exe”" in response.content.decode()
    assert "is not a kind of file we accept" not in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "client_type", "stored_type"),
    [
        ("foto.jpg", pdf(5000), "image/jpeg", "application/pdf"),
        ("documento.pdf", png_bytes(), "application/pdf", "image/png"),
        ("grabacion", amr(), "application/octet-stream", "audio/amr"),
        ("nota.exe", "Reunión el lunes, 8 p.m., pabellón 3".encode(), "application/x-msdownload", "text/plain"),
        ("video.bin", mp4(), "text/html", "video/mp4"),
    ],
)
def test_the_stored_type_is_the_sniffed_one_not_the_clients(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    name: str,
    content: bytes,
    client_type: str,
    stored_type: str,
) -> None:
    upload = SimpleUploadedFile(name, content, content_type=client_type)
    response = send_report_with(Client(), facilities["lurigancho"], upload)
    assert response.status_code == 200, response.content.decode()[:3000]
    tip = Tip.objects.get()
    page = staff_client("lima_investigator").get(f"/staff/tips/{tip.public_id}/")
    html = page.content.decode()
    assert f"<bdi>{stored_type}" in html, html
    assert client_type not in html


@pytest.mark.parametrize(
    "bomb",
    [png_header_claiming(100_000, 100_000), jpeg_header_claiming(65_000, 65_000)],
    ids=["png", "jpeg behind a big exif segment"],
)
def test_a_decompression_bomb_is_refused_by_name(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], written: WrittenFiles, bomb: bytes
) -> None:
    response = send_report_with(public_client("en"), facilities["lurigancho"], SimpleUploadedFile("bomba.png", bomb))
    assert response.status_code == 400
    assert "“bomba.png” is an image of more than 89 million pixels." in response.content.decode()
    assert Tip.objects.count() == 0
    assert attachment_files() == []
    # Refused once the header was read: the rest of the file was never stored.
    assert sum(written.bytes_by_name.values()) < 200


def test_an_image_just_under_the_pixel_limit_is_accepted(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    side = int(filetypes.MAX_IMAGE_PIXELS**0.5)
    response = send_report_with(
        Client(), facilities["lurigancho"], SimpleUploadedFile("big.png", png_header_claiming(side, side))
    )
    assert response.status_code == 200
    assert Attachment.objects.count() == 1


def test_the_pixel_limit_is_pillows() -> None:
    assert filetypes.MAX_IMAGE_PIXELS == Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(
    "broken",
    [
        b"\x89PNG\r\n\x1a\n" + os.urandom(200),
        png_header_claiming(10, 10)[:20],
        png_header_claiming(0, 10),
        b"\xff\xd8\xff\xe0\x00\x10JFIF" + os.urandom(300),
        b"\xff\xd8\xff\xda\x00\x08" + os.urandom(300),
        jpeg_header_claiming(10, 10)[:2000],
    ],
    ids=[
        "png garbage",
        "png cut in its header",
        "png zero width",
        "jpeg garbage",
        "jpeg scan before frame",
        "jpeg cut",
    ],
)
def test_an_image_with_a_broken_header_is_refused_by_name(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], broken: bytes
) -> None:
    response = send_report_with(
        public_client("en"), facilities["lurigancho"], SimpleUploadedFile("IMG_2041.jpg", broken)
    )
    assert response.status_code == 400
    assert "“IMG_2041.jpg” looks like a photo but could not be read" in response.content.decode()
    assert Tip.objects.count() == 0
    assert attachment_files() == []


def test_a_reply_with_a_refused_file_is_not_sent(followup_page: tuple[Client, str, dict[str, object]]) -> None:
    client, path, reply = followup_page
    response = client.post(path, {**reply, "attachments": [SimpleUploadedFile("setup.exe", b"MZ" + os.urandom(900))]})
    assert response.status_code == 400
    assert f"“setup.exe” is not a kind of file we accept. {ACCEPTED_TYPES}" in response.content.decode()
    assert Message.objects.count() == 0
    assert attachment_files() == []


def test_nothing_beyond_the_size_limit_is_ever_written(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings, written: WrittenFiles
) -> None:
    settings.TIPLINE_MAX_ATTACHMENT_BYTES = 100_000
    response = send_report_with(Client(), facilities["lurigancho"], SimpleUploadedFile("large.pdf", pdf(900_000)))
    assert response.status_code == 400
    assert attachment_files() == []
    (written_bytes,) = written.bytes_by_name.values()
    # At most the limit (plus the stream's header and tags) was ever on disk, never the 900 kB sent.
    assert written_bytes <= 17 + 100_000 + crypto.TAG_BYTES * 3


# --- the allow-list on its own ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (b"\xff\xd8\xff\xe1", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"%PDF-1.4", "application/pdf"),
        (b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
        (b"\x00\x00\x00\x1cftypM4A ", "audio/mp4"),
        (b"\x00\x00\x00\x14ftypqt  ", "video/quicktime"),
        (b"\x00\x00\x00\x18ftyp3gp4", "video/3gpp"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64", "audio/mpeg"),
        (b"#!AMR\n", "audio/amr"),
        (b"#!AMR-WB\n", "audio/amr-wb"),
        (b"\x1a\x45\xdf\xa3\x9f", "video/webm"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
        ("Hola, ¿qué tal?".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_sniff_tells_each_accepted_kind_from_its_first_bytes(head: bytes, content_type: str) -> None:
    assert filetypes.sniff(head).content_type == content_type


def run_handler(data: bytes, chunk: int) -> Any:
    handler = EncryptingUploadHandler()
    handler.new_file("attachments", "file", "application/octet-stream", len(data))
    for start in range(0, len(data), chunk):
        handler.receive_data_chunk(data[start : start + chunk], start)
    return handler.file_complete(len(data))


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_text_with_a_nul_or_bad_utf8_late_in_the_file_is_refused_whatever_the_chunking(chunk: int) -> None:
    for bad in (b"\x00", b"\xc3\x28", b"\xe2\x82"):
        upload = run_handler(b"una nota larga " * 500 + bad + b" fin", chunk)
        assert upload.problem is filetypes.Problem.NOT_ACCEPTED
        assert attachment_files() == []


@pytest.mark.parametrize("chunk", [1, 5, 65536])
def test_a_real_photo_passes_the_header_check_whatever_the_chunking(chunk: int) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 20, 30)).save(buf, "JPEG", quality=80)
    for data in (buf.getvalue(), png_bytes(300, 200)):
        upload = run_handler(data, chunk)
        assert upload.problem is None
        assert upload.content_type in {"image/jpeg", "image/png"}


# --- the sweeper removes what a killed request left -----------------------------------------------------------
# The local store's own files and their modified times: tests/tipline/test_attachment_store.py does the same
# through the storage API with InMemoryStorage.


def age(name: str, seconds: float) -> None:
    """Make a file of the local store look `seconds` older: the sweep goes by its modified time."""
    path = storage.attachment_store().path(name)
    stamp = os.stat(path).st_mtime - seconds
    os.utime(path, (stamp, stamp))


@pytest.fixture
def store_file() -> Iterator[Callable[..., str]]:
    def make(*, partial: bool = False) -> str:
        name = storage.new_storage_name()
        if partial:
            # What a save cut short by a crash leaves in the local store (AttachmentFileSystemStorage).
            name += storage.PARTIAL_SUFFIX
            Path(storage.attachment_store().path(name)).write_bytes(b"\x01cipher")
            return name
        with storage.open_for_writing(name) as writer:
            writer.write(b"\x01ciphertext")
            writer.commit()
        return name

    yield make


def test_the_sweeper_deletes_only_old_files_no_attachment_names(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], store_file: Callable[..., str], eager_celery: None
) -> None:
    from tipline.tasks import sweep_orphan_attachments

    response = send_report_with(Client(), facilities["lurigancho"], SimpleUploadedFile("kept.pdf", pdf(4000)))
    assert response.status_code == 200
    (kept,) = attachment_files()
    old_orphan, old_partial, fresh_orphan = store_file(), store_file(partial=True), store_file()
    for name in (kept, old_orphan, old_partial):
        age(name, 2 * 24 * 3600)

    assert sweep_orphan_attachments.delay().get() == 2
    assert attachment_files() == sorted([kept, fresh_orphan])
    download = staff_client("lima_investigator").get(
        f"/staff/tips/{Tip.objects.get().public_id}/files/{Attachment.objects.get().public_id}/"
    )
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
