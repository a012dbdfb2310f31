"""The public pages say plainly what is removed from which files, and what is kept.

A reviewer's questions: before attaching anything, can a whistleblower read that
file names are replaced, what is removed from photos, and that other files (PDF,
text, audio, video) keep whatever they carry inside, in both languages?
"""

from __future__ import annotations

import html

import pytest

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import public_client, receipt_from, report_data

pytestmark = pytest.mark.django_db

SAID = {
    "en": [
        "stored under a new name such as “evidencia-1.jpg”",
        "From photos (JPEG, PNG) we remove the location, camera, date taken",
        "PDF documents, text files, audio and video are kept as sent",
    ],
    "es": [
        "se guarda con un nombre nuevo, como «evidencia-1.jpg»",
        "A las fotos (JPEG, PNG) se les borra la ubicación, los datos de la cámara, la fecha",
        "Los documentos PDF, los textos, los audios y los videos se guardan tal como se envían",
    ],
}
LANDING = {
    "en": ["Your files are stored under new names", "Documents, audio and video are kept as sent"],
    "es": ["Sus archivos se guardan con nombres nuevos", "Los documentos, audios y videos se guardan tal como"],
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_report_form_says_what_is_removed_from_which_files(facilities: dict[str, Facility], language: str) -> None:
    page = html.unescape(public_client(language).get("/report/").content.decode())
    for sentence in SAID[language]:
        assert sentence in page


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_landing_page_says_it(language: str) -> None:
    page = html.unescape(public_client(language).get("/").content.decode())
    for sentence in LANDING[language]:
        assert sentence in page
    assert "Location and camera data are removed from photos before they are stored." not in page


def test_the_reply_form_says_it_too(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    client = public_client("en")
    receipt = receipt_from(client.post("/report/", report_data(facilities["lurigancho"])).content.decode())
    assert client.post("/followup/", {"receipt": receipt}).status_code == 302
    page = html.unescape(client.get("/followup/").content.decode())
    for sentence in SAID["en"]:
        assert sentence in page
