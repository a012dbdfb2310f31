"""A file's original name is never kept, and downloads carry the sniffed type's extension.

A reviewer's questions: does a phone's file name (which carries the second a photo
was taken, sometimes a person's name) reach the database, even encrypted; what do
staff and the whistleblower see and download instead; does an old attachment, whose
name was stored encrypted, still download, under an extension that matches its
content; and is a download never sniffed and rendered by the browser?
"""

from __future__ import annotations

import io

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

import envelope
from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import pdf_bytes, receipt_from, report_data
from tipline.models import Attachment, Tip
from tipline.selectors import tip_content
from tipline.services import tip_open_with_receipt

pytestmark = pytest.mark.django_db

PHONE_NAMES = ("IMG_20261130_104213.jpg", "PXL_20261130_104213512.pdf")
WHATSAPP_NAME = "WhatsApp Image 2026-11-30 at 10.42.13 Juan Quispe.jpeg"


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


def report_with_files(client: Client, facility: Facility) -> tuple[Tip, str]:
    files = [
        SimpleUploadedFile(PHONE_NAMES[0], jpeg(), content_type="image/jpeg"),
        SimpleUploadedFile(PHONE_NAMES[1], pdf_bytes(900), content_type="application/pdf"),
    ]
    response = client.post("/report/", {**report_data(facility), "attachments": files})
    assert response.status_code == 200, response.content.decode()[:2000]
    return Tip.objects.get(), receipt_from(response.content.decode())


def opened_names(receipt: str) -> list[str]:
    """Every attachment name of the report, as decrypted with its key: what the database holds."""
    opened = tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    tip, data_key = opened
    return [
        envelope.open_fields(envelope.ATTACHMENT, attachment, tip.public_id, attachment.public_id, key=data_key)["name"]
        for attachment in tip.attachments.order_by("pk")
    ]


def test_a_report_keeps_neutral_names_and_never_the_phones(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = report_with_files(Client(), facilities["lurigancho"])

    assert opened_names(receipt) == ["evidencia-1.jpg", "evidencia-2.pdf"]
    page = staff_client("lima_investigator").get(f"/staff/tips/{tip.public_id}/").content.decode()
    assert "evidencia-1.jpg" in page
    assert "evidencia-2.pdf" in page
    for name in PHONE_NAMES:
        assert name not in page
        assert name.split(".")[0] not in page


def test_a_follow_up_reply_numbers_its_files_after_the_reports(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    public = Client()
    tip, receipt = report_with_files(public, facilities["lurigancho"])
    assert public.post("/followup/", {"receipt": receipt}).status_code == 302

    photo = SimpleUploadedFile(WHATSAPP_NAME, jpeg(), content_type="image/jpeg")
    response = public.post("/followup/", {"action": "reply", "body": "Otra foto.", "attachments": [photo]})
    assert response.status_code == 302

    assert opened_names(receipt) == ["evidencia-1.jpg", "evidencia-2.pdf", "evidencia-3.jpg"]
    thread = public.get("/followup/").content.decode()
    assert "evidencia-3.jpg" in thread
    assert "WhatsApp" not in thread
    assert "Quispe" not in thread


def test_downloads_carry_the_neutral_name_as_bytes_never_to_be_sniffed(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings
) -> None:
    # The download must not rely on the site-wide setting for its nosniff header.
    settings.SECURE_CONTENT_TYPE_NOSNIFF = False
    public = Client()
    tip, receipt = report_with_files(public, facilities["lurigancho"])
    assert public.post("/followup/", {"receipt": receipt}).status_code == 302
    photo, document = tip.attachments.order_by("pk")

    staff_download = staff_client("lima_investigator").get(f"/staff/tips/{tip.public_id}/files/{photo.public_id}/")
    public_download = public.get(f"/followup/files/{document.public_id}/")

    for download, name in ((staff_download, "evidencia-1.jpg"), (public_download, "evidencia-2.pdf")):
        assert download.status_code == 200
        assert download["Content-Type"] == "application/octet-stream"
        assert download["Content-Disposition"] == f'attachment; filename="{name}"'
        assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("stored_name", "stored_type", "downloaded_as"),
    [
        ("IMG_0001.JPEG", "image/jpeg", "IMG_0001.jpg"),
        ("carta.html", "text/plain; charset=utf-8", "carta.txt"),
        ("grabación", "audio/amr", "grabación.amr"),
        ("informe.pdf.exe", "application/octet-stream", "informe.pdf.bin"),
    ],
)
def test_an_old_attachment_keeps_its_stored_name_with_the_sniffed_types_extension(
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    stored_name: str,
    stored_type: str,
    downloaded_as: str,
) -> None:
    tip, receipt = report_with_files(Client(), facilities["lurigancho"])
    opened = tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    _tip, data_key = opened
    attachment = tip.attachments.order_by("pk").first()
    assert attachment is not None
    # An attachment stored before names were replaced: the sender's name, sealed like any other.
    file_key = envelope.open_field(
        envelope.ATTACHMENT, "file_key", attachment, tip.public_id, attachment.public_id, key=data_key
    )
    sealed = envelope.seal_fields(
        envelope.ATTACHMENT,
        tip.public_id,
        attachment.public_id,
        key=data_key,
        file_key=file_key,
        name=stored_name,
        content_type=stored_type,
    )
    Attachment.objects.filter(pk=attachment.pk).update(**sealed)

    staff = staff_client("lima_investigator")
    assert stored_name in [a.name for a in tip_content(tip=tip, data_key=data_key).attachments]
    download = staff.get(f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\xff\xd8\xff")
    assert download["Content-Type"] == "application/octet-stream"
    assert downloaded_as in download["Content-Disposition"] or (
        "filename*=utf-8''" + downloaded_as.replace("ó", "%C3%B3") in download["Content-Disposition"]
    )
    assert download["Content-Disposition"].startswith("attachment;")
