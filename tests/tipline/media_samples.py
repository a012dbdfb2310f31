"""Small invented recordings and documents that carry identifying metadata, built at test time.

Nothing here comes from a real device: the makes, models, places and names are
canaries ("CANARY-..."), so a test can show they are gone from the stored file.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile

import mutagen.apev2
import mutagen.id3
import mutagen.mp3
import mutagen.mp4
import mutagen.ogg
import pikepdf

GPS = b"+12.0464-077.0428+150.000/"
MAKE = b"CANARY-MAKE"
MODEL = b"CANARY-MODEL"
ARTIST = "CANARY-ARTIST"
AUTHOR = "CANARY-AUTHOR"
APPLE_LOCATION_KEY = b"com.apple.quicktime.location.ISO6709"
# 2026-11-30 10:42:13 UTC in seconds since 1904 (ISO media time) and since 1970.
RECORDED_1904 = 3_847_690_933
MEDIA = bytes(range(256)) * 8  # what the one sample of the movie holds


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full_box(kind: bytes, version: int, payload: bytes) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]) + payload)


def iso_media(brand: bytes = b"isom") -> bytes:
    """An ISO media file (MP4, MOV, 3GP, M4A by ``brand``) as phones write it: dates, place, device, tags.

    moov: mvhd (version 0 dates), one trak with tkhd (version 0), mdhd (version 1, 64-bit dates), a
    sample table whose chunk offset (stco) points into mdat; udta with ©xyz/©mak/©mod; Apple's
    moov/meta with the ISO6709 location key; then mutagen adds an iTunes artist tag.
    """
    dates32 = struct.pack(">II", RECORDED_1904, RECORDED_1904)
    dates64 = struct.pack(">QQ", RECORDED_1904, RECORDED_1904)
    mvhd = _full_box(b"mvhd", 0, dates32 + struct.pack(">II", 1000, 1000) + bytes(80))
    tkhd = _full_box(b"tkhd", 0, dates32 + bytes(72))
    mdhd = _full_box(b"mdhd", 1, dates64 + struct.pack(">IQ", 1000, 1000) + bytes(4))
    hdlr = _full_box(b"hdlr", 0, bytes(4) + b"soun" + bytes(12) + b"SoundHandler\x00")
    stco_placeholder = _full_box(b"stco", 0, struct.pack(">II", 1, 0))
    stbl = box(b"stbl", stco_placeholder)
    minf = box(b"minf", stbl)
    mdia = box(b"mdia", mdhd + hdlr + minf)
    trak = box(b"trak", tkhd + mdia)
    udta = box(
        b"udta",
        box(b"\xa9xyz", struct.pack(">HH", len(GPS), 0x15C7) + GPS)
        + box(b"\xa9mak", struct.pack(">HH", len(MAKE), 0) + MAKE)
        + box(b"\xa9mod", struct.pack(">HH", len(MODEL), 0) + MODEL),
    )
    keys = _full_box(b"keys", 0, struct.pack(">I", 1) + box(b"mdta", APPLE_LOCATION_KEY))
    ilst = box(b"ilst", box(struct.pack(">I", 1), box(b"data", struct.pack(">II", 1, 0) + GPS)))
    apple_meta = _full_box(b"meta", 0, _full_box(b"hdlr", 0, bytes(4) + b"mdta" + bytes(13)) + keys + ilst)
    ftyp = box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    moov = box(b"moov", mvhd + trak + udta + apple_meta)
    head = ftyp + moov
    data = head + box(b"mdat", MEDIA)
    # Point the one chunk offset at the sample, which sits right after mdat's header.
    offset = data.index(b"stco") + 12
    data = data[:offset] + struct.pack(">I", len(head) + 8) + data[offset + 4 :]
    buffer = io.BytesIO(data)
    tagged = mutagen.mp4.MP4(buffer)
    tagged.add_tags()
    assert tagged.tags is not None
    tagged.tags["\xa9ART"] = [ARTIST]
    tagged.tags["\xa9day"] = ["2026-11-30T10:42:13Z"]
    buffer.seek(0)
    tagged.save(buffer)
    return buffer.getvalue()


def chunk_offset(data: bytes) -> int:
    """Return the one chunk offset an ``iso_media`` file's stco holds."""
    at = data.index(b"stco") + 12
    return int(struct.unpack(">I", data[at : at + 4])[0])


def mpeg_frames(count: int = 20) -> bytes:
    """MPEG-1 Layer III frames at 128 kbit/s, 44.1 kHz: 417 bytes each."""
    return b"".join(b"\xff\xfb\x90\x64" + os.urandom(413) for _ in range(count))


def mp3() -> bytes:
    """An MP3 with an ID3v2 tag (artist, date, comment), an ID3v1 tag and an APEv2 tag."""
    buffer = io.BytesIO(mpeg_frames())
    audio = mutagen.mp3.MP3(buffer)
    audio.add_tags()
    assert audio.tags is not None
    audio.tags.add(mutagen.id3.TPE1(encoding=3, text=[ARTIST]))
    audio.tags.add(mutagen.id3.TDRC(encoding=3, text=["2026-11-30T10:42:13"]))
    audio.tags.add(mutagen.id3.COMM(encoding=3, lang="spa", desc="", text=["CANARY-COMMENT " + GPS.decode()]))
    buffer.seek(0)
    audio.save(buffer, v1=2)
    ape = mutagen.apev2.APEv2()
    ape["Artist"] = "CANARY-APE"
    buffer.seek(0)
    ape.save(buffer)
    return buffer.getvalue()


def _ogg_page(serial: int, sequence: int, packets: list[bytes], position: int, *, first: bool = False) -> bytes:
    page = mutagen.ogg.OggPage()
    page.serial, page.sequence, page.packets, page.position, page.first = serial, sequence, packets, position, first
    return bytes(page.write())


def opus(serial: int = 7) -> bytes:
    """An Ogg Opus file whose comment header names an artist and a place (the audio packets are invented)."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    comments = [f"ARTIST={ARTIST}".encode(), b"LOCATION=" + GPS, b"DATE=2026-11-30"]
    vendor = b"CANARY-RECORDER-APP"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    tags += b"".join(struct.pack("<I", len(c)) + c for c in comments)
    audio = [b"\xfc" + os.urandom(60) for _ in range(10)]
    return (
        _ogg_page(serial, 0, [head], 0, first=True)
        + _ogg_page(serial, 1, [tags], 0)
        + _ogg_page(serial, 2, audio, 9600)
    )


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


WAV_SAMPLES = struct.pack("<800h", *range(-400, 400))


def wav() -> bytes:
    """A WAV file with LIST/INFO (name, artist, date, software), bext (originator, date, time) and iXML."""
    fmt = _riff_chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))
    info = _riff_chunk(
        b"LIST",
        b"INFO"
        + _riff_chunk(b"IART", ARTIST.encode() + b"\x00")
        + _riff_chunk(b"ICRD", b"2026-11-30\x00")
        + _riff_chunk(b"ISFT", b"CANARY-SOFTWARE\x00"),
    )
    bext = _riff_chunk(b"bext", b"CANARY-ORIGINATOR".ljust(256, b"\x00") + b"2026-11-3010:42:13".ljust(346, b"\x00"))
    ixml = _riff_chunk(b"iXML", b"<BWFXML><NOTE>" + GPS + b"</NOTE></BWFXML>")
    body = b"WAVE" + fmt + info + bext + _riff_chunk(b"data", WAV_SAMPLES) + ixml
    return b"RIFF" + struct.pack("<I", len(body)) + body


def amr(frames: int = 50) -> bytes:
    """AMR-NB at 12.2 kbit/s: the magic line, then frames of a 0x3C header and 31 bytes of speech."""
    return b"#!AMR\n" + b"".join(b"\x3c" + os.urandom(31) for _ in range(frames))


def pdf_with_metadata() -> bytes:
    """A two-page PDF with document info, catalog XMP, a page's own XMP stream and a known /ID."""
    document = pikepdf.new()
    document.add_blank_page()
    document.add_blank_page()
    with document.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:creator"] = ["CANARY-XMP-CREATOR"]
    document.docinfo["/Author"] = AUTHOR
    document.docinfo["/Creator"] = "CANARY-CREATOR"
    document.docinfo["/Producer"] = "CANARY-PRODUCER"
    document.docinfo["/CreationDate"] = "D:20261130104213-05'00'"
    document.pages[1].obj["/Metadata"] = document.make_stream(b"<x:xmpmeta>CANARY-PAGE-XMP</x:xmpmeta>")
    note = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Text,
        Rect=[10, 10, 30, 30],
        Contents=pikepdf.String("revisar"),
        T=pikepdf.String("CANARY-COMMENT-AUTHOR"),
        M=pikepdf.String("D:20261130104213-05'00'"),
    )
    document.pages[0].obj["/Annots"] = pikepdf.Array([document.make_indirect(note)])
    document.trailer["/ID"] = pikepdf.Array([pikepdf.String(b"CANARY-ID-FIRST!"), pikepdf.String(b"CANARY-ID-2ND!!!")])
    out = io.BytesIO()
    document.save(out, fix_metadata_version=False, compress_streams=False)
    return out.getvalue()


def active_pdf(kind: str) -> bytes:
    """A one-page PDF with active content: "javascript" (run on opening), "launch" (a page action), "embedded"."""
    document = pikepdf.new()
    document.add_blank_page()
    if kind == "javascript":
        document.Root["/OpenAction"] = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    elif kind == "launch":
        launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
        document.pages[0].obj["/AA"] = pikepdf.Dictionary(O=document.make_indirect(launch))
    else:
        attached = pikepdf.AttachedFileSpec(document, b"MZ not really a program", filename="factura.exe")
        document.attachments["factura.exe"] = attached
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_archive() -> bytes:
    """A macro-enabled Word document's skeleton (a ZIP): what must never hide behind a recording's header."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/vbaProject.bin", b"CANARY-MACRO" * 10)
    return buffer.getvalue()
