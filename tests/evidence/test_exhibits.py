"""Exhibits on the case page: registered encrypted, a digital file kept bit for bit with its SHA-256, read only by the unit."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import Case, CaseEvent
from evidence.models import Exhibit, ExhibitKind
from tests.conftest import staff_client
from tests.evidence.conftest import DESCRIPTION
from tipline import storage

pytestmark = pytest.mark.django_db

# A JPEG-looking file with EXIF-like text inside: a tip would lose it, evidence keeps it.
FILE = b"\xff\xd8\xff\xe1" + b"Exif\x00\x00GPS -12.0464 -77.0428 camara celda 12" + bytes(range(256)) * 20


def register(client: object, case: Case, **fields: object) -> str:
    data = {"kind": ExhibitKind.PHONE, "description": DESCRIPTION, "seized_on": datetime.date.today().isoformat()}
    data.update(fields)  # type: ignore[arg-type]
    response = client.post(f"/staff/evidence/cases/{case.public_id}/exhibits/", data, follow=True)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return response.content.decode()


def test_a_registered_exhibit_shows_on_the_case_page_and_is_encrypted(case: Case, cast: dict[str, StaffMember]) -> None:
    client = staff_client("lima_investigator")
    page = register(client, case)
    assert "usted la tiene" in page
    exhibit = Exhibit.objects.get()
    assert DESCRIPTION.encode() not in bytes(exhibit.description_ct)
    assert exhibit.holder == cast["lima_investigator"]
    case_page = client.get(f"/staff/cases/{case.public_id}/").content.decode()
    assert 'id="evidence"' in case_page and DESCRIPTION[:40] in case_page
    assert case.events.filter(kind=CaseEvent.Kind.EXHIBIT_REGISTERED).exists()
    assert AuditEvent.objects.filter(action=AuditAction.EXHIBIT_REGISTERED, target_id=str(exhibit.public_id)).exists()


def test_a_digital_file_is_kept_bit_for_bit_encrypted_with_its_sha256(case: Case, cast: dict[str, StaffMember]) -> None:
    client = staff_client("lima_investigator")
    upload = SimpleUploadedFile("VID_20261130_celda12.jpg", FILE, "image/jpeg")
    register(client, case, kind=ExhibitKind.DIGITAL_FILE, description="Foto del celular", file=upload)
    exhibit = Exhibit.objects.get()
    assert exhibit.sha256 == hashlib.sha256(FILE).hexdigest()
    assert exhibit.size == len(FILE)
    stored = storage.read_bytes(exhibit.storage_name)
    assert b"GPS -12.0464" not in stored and b"VID_2026" not in bytes(exhibit.file_name_ct)
    response = client.get(f"/staff/evidence/exhibits/{exhibit.public_id}/file/")
    assert b"".join(response.streaming_content) == FILE  # type: ignore[attr-defined]
    assert "VID_20261130_celda12.jpg" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(
        action=AuditAction.ATTACHMENT_DECRYPTED, target_type="exhibit", target_id=str(exhibit.public_id)
    ).exists()
    # The orphan sweep keeps the file: an exhibit names it.
    assert storage.orphans_delete(older_than_seconds=-1) == 0
    assert storage.exists(exhibit.storage_name)


def test_a_file_that_does_not_match_the_sha256_entered_is_not_kept(case: Case, cast: dict[str, StaffMember]) -> None:
    client = staff_client("lima_investigator")
    upload = SimpleUploadedFile("export.zip", FILE, "application/zip")
    page = register(client, case, kind=ExhibitKind.DIGITAL_FILE, description="Export", file=upload, sha256="a" * 64)
    assert "no es el que ingresó" in page
    assert not Exhibit.objects.exists()
    assert storage.file_names() == []


def test_a_device_image_made_elsewhere_is_registered_by_its_sha256(case: Case, cast: dict[str, StaffMember]) -> None:
    digest = hashlib.sha256(b"image").hexdigest()
    register(staff_client("lima_investigator"), case, kind=ExhibitKind.DIGITAL_FILE, sha256=digest.upper())
    assert Exhibit.objects.get().sha256 == digest


def test_another_unit_cannot_register_or_read(case: Case, exhibit: Exhibit, cast: dict[str, StaffMember]) -> None:
    client = staff_client("norte_investigator")
    response = client.post(
        f"/staff/evidence/cases/{case.public_id}/exhibits/",
        {"kind": ExhibitKind.PHONE, "description": "x", "seized_on": datetime.date.today().isoformat()},
    )
    assert response.status_code == 404
    assert client.get(f"/staff/evidence/exhibits/{exhibit.public_id}/").status_code == 404
    assert Exhibit.objects.count() == 1


def test_a_future_seizure_day_is_refused(case: Case, cast: dict[str, StaffMember]) -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    page = register(staff_client("lima_investigator"), case, seized_on=tomorrow.isoformat())
    assert "no se registró" in page
    assert not Exhibit.objects.exists()


def test_a_browser_registers_with_its_origin_null_but_never_without_the_token(
    case: Case, cast: dict[str, StaffMember]
) -> None:
    """The view checks CSRF itself (after setting its upload handler) with the site's rule, not Django's stock one.

    Under `Referrer-Policy: no-referrer` a browser posts same-origin forms with `Origin: null`.
    """
    import re

    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.cookies = staff_client("lima_investigator").cookies
    page = browser.get(f"/staff/cases/{case.public_id}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    url = f"/staff/evidence/cases/{case.public_id}/exhibits/"
    data = {"kind": ExhibitKind.PHONE, "description": DESCRIPTION, "seized_on": datetime.date.today().isoformat()}
    headers = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert browser.post(url, data, headers=headers).status_code == 403  # no token: refused
    response = browser.post(url, {**data, "csrfmiddlewaretoken": token.group(1)}, headers=headers)
    assert response.status_code == 302 and Exhibit.objects.filter(case=case).count() == 1
