"""Nothing in a stored file may identify the whistleblower: every accepted type is cleaned before it is encrypted.

A reviewer's questions: a recording from a phone (MP4, MOV, 3GP, M4A, MP3, OGG,
WAV) or a PDF sent through the report form, once an investigator downloads and
decrypts it, does it still hold the place, the device, the dates or the names it
carried, and does it still open as what it is? The files are invented at test
time (tests/tipline/media_samples.py); their metadata are canaries.
"""

from __future__ import annotations

import io
import struct
import wave
from typing import Any

import mutagen.mp3
import mutagen.mp4
import mutagen.oggopus
import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import report_data
from tests.tipline import media_samples as samples
from tipline import storage
from tipline.models import Attachment, Tip

pytestmark = pytest.mark.django_db


def send(facility: Facility, name: str, content: bytes) -> Any:
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return Client().post("/report/", {**report_data(facility), "attachments": [upload]})


def stored_and_decrypted(facility: Facility, name: str, content: bytes) -> tuple[str, bytes]:
    """Send ``content`` through the report form; return the investigator's page of the report and the file
    the investigator downloads (decrypted)."""
    response = send(facility, name, content)
    assert response.status_code == 200, response.content.decode()[:3000]
    tip, attachment = Tip.objects.get(), Attachment.objects.get()
    investigator = staff_client("lima_investigator")
    page = investigator.get(f"/staff/tips/{tip.public_id}/").content.decode()
    download = investigator.get(f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/")
    assert download.status_code == 200
    plaintext = b"".join(download.streaming_content)
    # The ciphertext at rest holds none of it either.
    assert plaintext[-64:] not in storage.read_bytes(attachment.storage_name)
    return page, plaintext


def iso_dates(data: bytes, kind: bytes) -> bytes:
    """Return the creation and modification times of the first ``kind`` header box (mvhd, tkhd, mdhd)."""
    at = data.index(kind) + 4
    width = 8 if data[at] == 1 else 4
    return data[at + 4 : at + 4 + 2 * width]


@pytest.mark.parametrize(
    ("brand", "name", "content_type"),
    [
        (b"isom", "VID_20261130_104213.mp4", "video/mp4"),
        (b"qt  ", "IMG_0042.MOV", "video/quicktime"),
        (b"3gp4", "grabacion.3gp", "video/3gpp"),
        (b"M4A ", "Nota de voz.m4a", "audio/mp4"),
    ],
)
def test_a_phone_video_loses_place_device_dates_and_tags_and_still_plays(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], brand: bytes, name: str, content_type: str
) -> None:
    original = samples.iso_media(brand)
    for canary in (samples.GPS, samples.MAKE, samples.MODEL, samples.APPLE_LOCATION_KEY, samples.ARTIST.encode()):
        assert canary in original
    assert iso_dates(original, b"mvhd") != bytes(8)

    page, cleaned = stored_and_decrypted(facilities["lurigancho"], name, original)

    assert f"<bdi>{content_type}</bdi>" in page
    for canary in (samples.GPS, samples.MAKE, samples.MODEL, samples.APPLE_LOCATION_KEY, b"CANARY", b"2026-11-30"):
        assert canary not in cleaned, canary
    assert iso_dates(cleaned, b"mvhd") == bytes(8)
    assert iso_dates(cleaned, b"tkhd") == bytes(8)
    assert iso_dates(cleaned, b"mdhd") == bytes(16)
    # Boxes were overwritten in place: same length, and the chunk offset still finds the media.
    assert len(cleaned) == len(original)
    offset = samples.chunk_offset(cleaned)
    assert cleaned[offset : offset + len(samples.MEDIA)] == samples.MEDIA
    movie = mutagen.mp4.MP4(io.BytesIO(cleaned))
    assert not movie.tags
    assert movie.info.length == pytest.approx(1.0)


def test_an_mp3_loses_its_id3_and_ape_tags_and_still_plays(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    original = samples.mp3()
    assert original.startswith(b"ID3") and b"TAG" in original[-300:] and b"APETAGEX" in original

    page, cleaned = stored_and_decrypted(facilities["lurigancho"], "audio.mp3", original)

    assert "<bdi>audio/mpeg</bdi>" in page
    assert b"CANARY" not in cleaned and b"2026" not in cleaned and samples.GPS not in cleaned
    assert b"ID3" not in cleaned[:3] and b"TAG" not in cleaned[-128:] and b"APETAGEX" not in cleaned
    audio = mutagen.mp3.MP3(io.BytesIO(cleaned))
    assert audio.tags is None
    assert len(cleaned) == 20 * 417  # every frame of the sample, and nothing else
    assert audio.info.length > 0.5


def test_an_ogg_recording_loses_its_comments_and_vendor_and_still_plays(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    original = samples.opus()
    assert samples.ARTIST.encode() in original and samples.GPS in original

    page, cleaned = stored_and_decrypted(facilities["lurigancho"], "audio.ogg", original)

    assert "<bdi>audio/ogg</bdi>" in page
    assert b"CANARY" not in cleaned and samples.GPS not in cleaned
    audio = mutagen.oggopus.OggOpus(io.BytesIO(cleaned))
    assert list(audio.tags) == []
    assert audio.info.length == pytest.approx(mutagen.oggopus.OggOpus(io.BytesIO(original)).info.length)


def test_a_wav_keeps_its_sound_and_loses_info_bext_and_ixml(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    original = samples.wav()
    for chunk in (b"LIST", b"bext", b"iXML"):
        assert chunk in original

    page, cleaned = stored_and_decrypted(facilities["lurigancho"], "grabacion.wav", original)

    assert "<bdi>audio/wav</bdi>" in page
    assert b"CANARY" not in cleaned and samples.GPS not in cleaned and b"2026" not in cleaned
    for chunk in (b"LIST", b"bext", b"iXML"):
        assert chunk not in cleaned
    with wave.open(io.BytesIO(cleaned)) as sound:
        assert (sound.getframerate(), sound.getnchannels()) == (8000, 1)
        assert sound.readframes(sound.getnframes()) == samples.WAV_SAMPLES


def test_an_amr_voice_note_has_nothing_to_remove_and_is_stored_as_sent(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    original = samples.amr()
    page, cleaned = stored_and_decrypted(facilities["lurigancho"], "nota.amr", original)
    assert "<bdi>audio/amr</bdi>" in page
    assert cleaned == original


def test_a_pdf_loses_its_document_info_xmp_and_identifier_and_still_opens(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    original = samples.pdf_with_metadata()
    canaries = (samples.AUTHOR, "CANARY-CREATOR", "CANARY-PRODUCER", "CANARY-XMP-CREATOR", "CANARY-PAGE-XMP")
    for canary in (*canaries, "CANARY-COMMENT-AUTHOR"):
        assert canary.encode() in original

    page, cleaned = stored_and_decrypted(facilities["lurigancho"], "acta.pdf", original)

    assert "<bdi>application/pdf</bdi>" in page
    assert b"CANARY" not in cleaned and b"20261130" not in cleaned
    with pikepdf.open(io.BytesIO(cleaned)) as document:
        assert len(document.pages) == 2
        assert "/Info" not in document.trailer
        assert "/Metadata" not in document.Root
        assert all("/Metadata" not in page.obj for page in document.pages)
        (note,) = document.pages[0].obj.Annots
        assert str(note.Contents) == "revisar"  # the comment itself is content, and stays
        first_id = bytes(document.trailer.ID[0])
    assert first_id != b"CANARY-ID-FIRST!"


@pytest.mark.parametrize("kind", ["javascript", "launch", "embedded"])
def test_a_pdf_with_active_content_is_refused_by_name_and_nothing_is_stored(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], kind: str
) -> None:
    response = send(facilities["lurigancho"], "factura.pdf", samples.active_pdf(kind))
    assert response.status_code == 400
    html = response.content.decode()
    assert "“factura.pdf” is a PDF with scripts, automatic actions or files inside it" not in html  # Spanish default
    assert "“factura.pdf” es un PDF con scripts, acciones automáticas o archivos dentro" in html
    assert Tip.objects.count() == 0
    assert storage.file_names() == []


def test_a_zip_hidden_in_an_mp4_padding_box_is_wiped(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    movie = samples.iso_media()
    hidden = samples.box(b"free", samples.zip_archive())
    # Insert the padding box before mdat and move the chunk offset with it.
    at = movie.index(b"mdat") - 4
    with_zip = movie[:at] + hidden + movie[at:]
    offset_at = with_zip.index(b"stco") + 12
    with_zip = (
        with_zip[:offset_at] + struct.pack(">I", samples.chunk_offset(movie) + len(hidden)) + with_zip[offset_at + 4 :]
    )
    assert b"PK\x03\x04" in with_zip

    _page, cleaned = stored_and_decrypted(facilities["lurigancho"], "video.mp4", with_zip)

    assert b"PK\x03\x04" not in cleaned and b"CANARY-MACRO" not in cleaned
    offset = samples.chunk_offset(cleaned)
    assert cleaned[offset : offset + len(samples.MEDIA)] == samples.MEDIA
