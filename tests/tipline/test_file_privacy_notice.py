"""The public pages say plainly what is removed from which files, and what is kept.

A reviewer's questions: before attaching anything, can a whistleblower read that
file names are replaced, what is removed from photos, and that other files (PDF,
text, audio, video) are cleaned too, and what is refused, in both languages?
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
        "from photos (JPEG, PNG) the location, camera, date taken, colour profile and thumbnails",
        "from PDF documents the author, software, dates and document identifiers",
        "from audio and video (MP4, MOV, 3GP, M4A, MP3, OGG, WAV) the location, device, recording date and tags",
        "WebM videos, and web pages or scripts saved as text are not accepted",
    ],
    "es": [
        "se guarda con un nombre nuevo, como «evidencia-1.jpg»",
        "de las fotos (JPEG, PNG), la ubicación, los datos de la cámara, la fecha en que se tomaron",
        "de los documentos PDF, el autor, el programa, las fechas",
        "de los audios y videos (MP4, MOV, 3GP, M4A, MP3, OGG, WAV), la ubicación, el equipo",
        "No se aceptan documentos PDF con scripts",
    ],
}
LANDING = {
    "en": [
        "Your files are stored under new names",
        "the data hidden in them is removed",
        "PDF documents, audio and video",
    ],
    "es": [
        "Sus archivos se guardan con nombres nuevos",
        "se les borran los datos ocultos",
        "los documentos PDF, los audios",
    ],
}
# What the pages said while only photos were cleaned: no page may say it any more.
NO_LONGER_TRUE = ["are kept as sent", "se guardan tal como se envían"]


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
    for sentence in NO_LONGER_TRUE:
        assert sentence not in page


def test_the_reply_form_says_it_too(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    client = public_client("en")
    receipt = receipt_from(client.post("/report/", report_data(facilities["lurigancho"])).content.decode())
    assert client.post("/followup/", {"receipt": receipt}).status_code == 302
    page = html.unescape(client.get("/followup/").content.decode())
    for sentence in SAID["en"]:
        assert sentence in page
