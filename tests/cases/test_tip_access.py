"""Who can open a tip and its attachments: only members of the unit it was routed to."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import report_data
from tipline.models import Tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def lima_tip(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Tip:
    upload = SimpleUploadedFile("evidencia.txt", b"evidence", "text/plain")
    response = Client().post("/report/", {**report_data(facilities["lurigancho"]), "attachments": [upload]})
    assert response.status_code == 200
    return Tip.objects.get()


def urls_of(tip: Tip) -> list[str]:
    attachment = tip.attachments.get()
    return [f"/staff/tips/{tip.public_id}/", f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/"]


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("lima_investigator", 200),
        ("lima_supervisor", 200),
        ("norte_investigator", 404),
        ("national_investigator", 404),
        ("manager", 404),
        ("admin", 404),
    ],
)
def test_only_the_routed_unit_opens_the_tip(lima_tip: Tip, username: str, expected: int) -> None:
    client = staff_client(username)
    for url in urls_of(lima_tip):
        assert client.get(url).status_code == expected, url
    # Sending a question redirects back to the tip for members, and is a 404 for everyone else.
    expected_post = 302 if expected == 200 else expected
    assert client.post(urls_of(lima_tip)[0], {"body": "question"}).status_code == expected_post


@pytest.mark.parametrize("username", ["norte_investigator", "manager", "admin"])
def test_outsiders_do_not_see_the_tip_in_their_queue(lima_tip: Tip, username: str) -> None:
    page = staff_client(username).get("/staff/").content.decode()
    assert str(lima_tip.case_link.case.public_id) not in page


def test_members_see_the_case_in_their_queue(lima_tip: Tip) -> None:
    page = staff_client("lima_investigator").get("/staff/").content.decode()
    assert str(lima_tip.case_link.case.public_id) in page


def test_anonymous_visitors_are_sent_to_login(lima_tip: Tip) -> None:
    for url in urls_of(lima_tip):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")


def test_a_session_without_its_vault_cookie_cannot_decrypt(lima_tip: Tip) -> None:
    client = staff_client("lima_investigator")
    client.cookies.pop(settings.VAULT_COOKIE_NAME)
    response = client.get(urls_of(lima_tip)[0])
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert "recibe celulares" not in response.content.decode()
