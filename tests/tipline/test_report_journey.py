"""The whole journey through Django's test client: report -> receipt -> staff reads and asks -> reply."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import receipt_from, report_data
from tipline.models import Message, Tip

pytestmark = pytest.mark.django_db


def test_report_shows_receipt_once_and_staff_reads_and_asks(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    public = Client()
    photo = SimpleUploadedFile("pabellon3.txt", b"evidence bytes", content_type="text/plain")
    response = public.post(
        "/report/", {**report_data(facilities["lurigancho"], contact="call me at 999 888 777"), "attachments": [photo]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    receipt = receipt_from(html)
    assert "cannot be recovered" in html or "no se puede recuperar" in html.lower()

    tip = Tip.objects.get()
    assert tip.unit.slug == "lima"
    assert tip.attachments.count() == 1

    investigator = staff_client("lima_investigator")
    queue = investigator.get("/staff/").content.decode()
    assert str(tip.case_link.case.public_id) in queue
    page = investigator.get(f"/staff/tips/{tip.public_id}/").content.decode()
    assert "recibe celulares de visitas" in page
    # The contact is a reserved identity: the unit reads its code, not the contact (tests/identity/).
    assert "call me at 999 888 777" not in page
    assert tip.reserved_identities.get().code in page
    attachment = tip.attachments.get()
    download = investigator.get(f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"evidence bytes"
    assert "evidencia-1.txt" in download["Content-Disposition"]

    response = investigator.post(f"/staff/tips/{tip.public_id}/", {"body": "¿Qué día de la semana ocurre?"})
    assert response.status_code == 302

    response = public.post("/followup/", {"receipt": receipt})
    assert response.status_code == 302
    thread = public.get("/followup/").content.decode()
    assert "¿Qué día de la semana ocurre?" in thread
    assert "recibe celulares de visitas" in thread

    response = public.post("/followup/", {"action": "reply", "body": "Los domingos, en la mañana."})
    assert response.status_code == 302
    assert Message.objects.filter(tip=tip).count() == 2
    page = investigator.get(f"/staff/tips/{tip.public_id}/").content.decode()
    assert "Los domingos, en la mañana." in page


def test_staff_involved_routes_to_national_unit(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    response = Client().post("/report/", report_data(facilities["lurigancho"], staff_involved="yes"))
    assert response.status_code == 200
    assert Tip.objects.get().unit.slug == "national"


def test_norte_facility_routes_to_norte_unit(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    Client().post("/report/", report_data(facilities["trujillo"]))
    assert Tip.objects.get().unit.slug == "norte"


def test_invalid_report_keeps_what_was_typed(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    upload = SimpleUploadedFile("a.txt", b"x")
    response = Client().post(
        "/report/",
        {
            **report_data(facilities["lurigancho"], description="", contact="mi correo: x@example.invalid"),
            "attachments": [upload],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "mi correo: x@example.invalid" in html
    assert "2026-11-01" in html
    assert "select them again" in html or "vuelva a seleccionar" in html.lower() or "selecciónelos" in html.lower()
    assert Tip.objects.count() == 0


def test_wrong_receipt_gets_one_generic_message(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    Client().post("/report/", report_data(facilities["lurigancho"]))
    pages = []
    for attempt in ["0000 0000 0000 0000", "12", "abcd efgh ijkl mnop"]:
        response = Client().post("/followup/", {"receipt": attempt})
        assert response.status_code == 400
        pages.append(re.search(r'id="error_1_id_receipt"><strong>(.*?)</strong>', response.content.decode()).group(1))
    assert len(set(pages)) == 1


def test_a_reply_typed_after_the_session_ended_is_kept_and_sent(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    public = Client()
    receipt = receipt_from(public.post("/report/", report_data(facilities["lurigancho"])).content.decode())
    # The follow-up session is gone (idle timeout, closed browser) when the reply arrives.
    response = public.post("/followup/", {"action": "reply", "body": "Mensaje escrito con calma."})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Mensaje escrito con calma."' in html
    assert Message.objects.count() == 0
    response = public.post("/followup/", {"receipt": receipt, "pending_reply": "Mensaje escrito con calma."})
    assert response.status_code == 302
    assert "Mensaje escrito con calma." in public.get("/followup/").content.decode()
    assert Message.objects.count() == 1
