"""Safe copies (tipline/safecopy.py): images and PDFs re-rendered to pixels, beside the original.

A reviewer's questions: does the safe copy of a PNG, a JPEG and a PDF open as
such, look like the original, and carry no metadata at all; is it served as a
download with nosniff under a neutral name, and audited like any download; can a
member of another regional unit fetch it (no); and are decompression bombs and
endless documents bounded?
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pypdfium2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, PngImagePlugin

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import public_client, report_data
from tipline import safecopy
from tipline.models import Attachment

pytestmark = pytest.mark.django_db

CANARY = "CANARY-7c1e"


def picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    image = Image.new("RGB", size)
    image.putdata([(x * 4 % 256, y * 5 % 256, (x + y) % 256) for y in range(size[1]) for x in range(size[0])])
    return image


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", CANARY)
    out = io.BytesIO()
    picture().save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = CANARY  # Make
    out = io.BytesIO()
    picture().save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def pdf_with_info(pages: int = 3) -> bytes:
    out = io.BytesIO()
    images = [picture((200, 260)) for _ in range(pages)]
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], title=CANARY, author=CANARY)
    return out.getvalue()


def upload(facility: Facility, name: str, content: bytes) -> Attachment:
    response = public_client("en").post(
        "/report/", {**report_data(facility), "attachments": [SimpleUploadedFile(name, content)]}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    return Attachment.objects.get()


def safe_copy_url(attachment: Attachment) -> str:
    return f"/staff/tips/{attachment.tip.public_id}/files/{attachment.public_id}/safe-copy/"


def fetch(client: Client, attachment: Attachment) -> tuple[Any, bytes]:
    response = client.get(safe_copy_url(attachment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    return response, b"".join(response.streaming_content)


def test_the_safe_copy_of_a_png_has_its_pixels_and_nothing_else(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    attachment = upload(facilities["lurigancho"], "captura.png", png_with_text())
    response, copy = fetch(staff_client("lima_investigator"), attachment)
    assert 'filename="safe-copy.png"' in response["Content-Disposition"]
    assert CANARY.encode() not in copy
    with Image.open(io.BytesIO(copy)) as image:
        image.load()
        assert image.format == "PNG"
        assert image.tobytes() == picture().tobytes()
        assert not {"Author", "icc_profile", "exif", "dpi"} & set(image.info)
    # Audited like any download of the file, as a safe copy.
    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DECRYPTED, target_id=str(attachment.public_id))
    assert (event.actor_username, event.details) == ("lima_investigator", {"copy": "safe"})


def test_the_safe_copy_of_a_jpeg_opens_as_a_jpeg_without_exif(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    attachment = upload(facilities["lurigancho"], "IMG_20261130_104213.jpg", jpeg_with_exif())
    response, copy = fetch(staff_client("lima_investigator"), attachment)
    assert 'filename="safe-copy.jpg"' in response["Content-Disposition"]
    assert CANARY.encode() not in copy
    assert b"Exif\x00\x00" not in copy
    with Image.open(io.BytesIO(copy)) as image:
        image.load()
        assert image.format == "JPEG"
        assert image.size == (64, 48)
        assert len(image.getexif()) == 0
        assert "icc_profile" not in image.info


def test_the_safe_copy_of_a_pdf_is_its_pages_as_images_without_document_info(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    original = pdf_with_info(pages=3)
    source = pypdfium2.PdfDocument(original)
    assert source.get_metadata_dict()["Title"] == CANARY
    source.close()
    attachment = upload(facilities["lurigancho"], "oficio.pdf", original)
    response, copy = fetch(staff_client("lima_investigator"), attachment)
    assert 'filename="safe-copy.pdf"' in response["Content-Disposition"]
    assert copy.startswith(b"%PDF-")
    assert CANARY.encode() not in copy
    for marker in (b"/Title", b"/Author", b"/CreationDate", b"/ModDate", b"/JavaScript", b"/OpenAction"):
        assert marker not in copy
    document = pypdfium2.PdfDocument(copy)
    try:
        assert len(document) == 3
        assert not any(document.get_metadata_dict().values())
    finally:
        document.close()


def test_the_tip_page_offers_safe_copies_of_images_and_pdfs_only(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    public_client("en").post(
        "/report/",
        {
            **report_data(facilities["lurigancho"]),
            "attachments": [SimpleUploadedFile("a.png", png_with_text()), SimpleUploadedFile("b.txt", b"hola\n")],
        },
    )
    image, text = Attachment.objects.order_by("id")
    client = staff_client("lima_investigator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/staff/tips/{image.tip.public_id}/").content.decode()
    assert safe_copy_url(image) in html
    assert "Safe copy (pixels only)" in html
    assert safe_copy_url(text) not in html
    # Asked for anyway, a text file has no safe copy: back to the tip with a message.
    assert client.get(safe_copy_url(text)).status_code == 302


@pytest.mark.parametrize("outsider", ["norte_investigator", "admin"])
def test_a_member_of_another_unit_cannot_fetch_a_safe_copy(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], outsider: str
) -> None:
    attachment = upload(facilities["lurigancho"], "captura.png", png_with_text())
    response = staff_client(outsider).get(safe_copy_url(attachment))
    assert response.status_code in {403, 404}
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DECRYPTED).exists()


# --- bounds, on the module itself ---------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_decompression_bomb_gets_no_safe_copy() -> None:
    # A PNG that says it is 40,000 × 40,000 pixels: refused before a pixel is decoded.
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 40_000, 40_000, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + _png_chunk(b"IEND", b"")
    )
    with pytest.raises(safecopy.SafeCopyUnavailable):
        safecopy.safe_copy(chunks=[bomb], content_type="image/png")


def test_a_long_pdf_is_copied_up_to_the_page_limit() -> None:
    copy = safecopy.safe_copy(
        chunks=[pdf_with_info(pages=safecopy.SAFE_COPY_MAX_PAGES + 3)], content_type="application/pdf"
    )
    document = pypdfium2.PdfDocument(copy.content)
    try:
        assert len(document) == safecopy.SAFE_COPY_MAX_PAGES
    finally:
        document.close()


def test_a_huge_pdf_page_is_rendered_within_the_pixel_bound() -> None:
    # 200 × 200 inches at the copy's resolution would be 484 million pixels.
    scale = safecopy._page_scale(200 * 72, 200 * 72)
    assert (200 * 72 * scale) ** 2 <= safecopy.SAFE_COPY_MAX_PAGE_PIXELS * 1.0001


def test_a_damaged_pdf_gets_no_safe_copy() -> None:
    with pytest.raises(safecopy.SafeCopyUnavailable):
        safecopy.safe_copy(chunks=[b"%PDF-1.7\n" + b"\x00" * 500], content_type="application/pdf")
