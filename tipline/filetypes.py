"""Which files a whistleblower may send, decided from their content, never from the name.

The client's file name and Content-Type are whatever the sender's software (or an
attacker) says; the allow-list here looks at the content only. The first bytes
announce a type (``sniff``); the file is then accepted only if all of it parses as
that type: JPEG and PNG headers and text are checked here while they stream in,
recordings and PDF by their cleaner in tipline/metadata.py, which must walk the
whole file (boxes, frames, pages or chunks that cover it exactly). The stored
content type is the sniffed one.

What is accepted, and why
-------------------------
Photos:
    JPEG and PNG, what phone cameras and screenshots produce. Their metadata (EXIF,
    GPS, text chunks) is removed while they stream in (tipline/metadata.py). Their
    header is read as it arrives: an image whose width x height exceeds Pillow's
    decompression-bomb limit, or whose header is malformed, is refused, because
    staff open these files and a malformed image is one we cannot clean.
Documents:
    PDF (letters, receipts, screenshots saved as PDF) without active content, and
    plain UTF-8 text without NUL bytes (notes, chat exports) that is not markup or a
    script.
Recordings:
    Phone audio and video: the ISO media family (MP4, M4A, MOV, 3GP/3G2, by their
    ``ftyp`` brand), OGG, MP3 (Layer II/III frames), AMR (what many Android voice
    recorders write) and WAV. A recording of a threat or a bribe is often the
    strongest evidence.

Everything else is refused: executables, archives (which hide their contents),
office documents (macros), HTML, SVG and XML (active content, also when the text
only contains a tag of them), HTA, shell, batch, PowerShell and VBScript scripts,
UTF-16 text (its byte order mark looks like an MPEG frame; refused as "not
accepted"), PDF with JavaScript, actions, launches or embedded files, WebM (its
Matroska tags, titles and attachments are not removed), and HEIC/AVIF photos,
whose location metadata we cannot remove (iPhones send JPEG from a web form unless
told otherwise).

Metadata kept
-------------
None that a phone, camera or editor writes into the file: every accepted type is
cleaned before it is encrypted (tipline/metadata.py says what is removed from
which). What remains is the content itself (pixels, sound, the text and pictures of
a PDF page), the technical data needed to show it (dimensions, codec parameters,
plain colour information, the PDF's structure), and for recordings the encoder's
technical headers (an MP3's LAME/Xing frame, box and track layout). The report form
and the landing page say so (tipline/forms.py, FILE_PRIVACY_NOTICE).

Names
-----
The sender's file name is never stored: a file is kept as ``evidencia-<n>.<ext>``,
with the one extension of its sniffed type (``neutral_name``), and downloaded
with that extension (``download_name``).
"""

from __future__ import annotations

import codecs
import enum
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Final, Protocol

# Pillow's default decompression-bomb limit, PIL.Image.MAX_IMAGE_PIXELS (1024 * 1024 * 1024 // 4 // 3):
# an image any tool built on Pillow refuses to open is refused here before it is stored.
MAX_IMAGE_PIXELS: Final = 89_478_485

# Bytes needed to tell every accepted type apart (the longest signature is AMR-WB's, 9 bytes;
# the ISO media brand ends at byte 12).
SNIFF_BYTES: Final = 16


class Problem(enum.Enum):
    """Why an upload is refused (besides its size)."""

    NOT_ACCEPTED = "not_accepted"
    TOO_MANY_PIXELS = "too_many_pixels"
    DAMAGED_IMAGE = "damaged_image"
    ACTIVE_DOCUMENT = "active_document"


@dataclass(frozen=True)
class FileType:
    """An accepted kind of file: the type stored with it, its one file extension, whether it is an image to clean."""

    content_type: str
    extension: str
    image: bool = False


JPEG: Final = FileType("image/jpeg", "jpg", image=True)
PNG: Final = FileType("image/png", "png", image=True)
PDF: Final = FileType("application/pdf", "pdf")
TEXT: Final = FileType("text/plain; charset=utf-8", "txt")
MP4: Final = FileType("video/mp4", "mp4")
M4A: Final = FileType("audio/mp4", "m4a")
QUICKTIME: Final = FileType("video/quicktime", "mov")
THREE_GPP: Final = FileType("video/3gpp", "3gp")
THREE_GPP2: Final = FileType("video/3gpp2", "3g2")
OGG: Final = FileType("audio/ogg", "ogg")
MP3: Final = FileType("audio/mpeg", "mp3")
AMR: Final = FileType("audio/amr", "amr")
AMR_WB: Final = FileType("audio/amr-wb", "awb")
WEBM: Final = FileType("video/webm", "webm")
WAV: Final = FileType("audio/wav", "wav")

ACCEPTED: Final = (JPEG, PNG, PDF, TEXT, MP4, M4A, QUICKTIME, THREE_GPP, THREE_GPP2, OGG, MP3, AMR, AMR_WB, WAV)
# WebM is recognised but refused (its Matroska tags, attachments and titles are not removed); files
# stored before it was refused keep their extension.
_EXTENSIONS: Final = {filetype.content_type: filetype.extension for filetype in (*ACCEPTED, WEBM)}
# The extension of a stored type this module does not know (none is stored today): opens as nothing.
UNKNOWN_EXTENSION: Final = "bin"
# What a stored file is called, whatever its sender named it: "evidencia-1.jpg", "evidencia-2.pdf"...
# Spanish, since staff and the whistleblower both read it; stored, so never translated.
NEUTRAL_NAME_STEM: Final = "evidencia"


def extension_for(content_type: str) -> str:
    """Return the one file extension of a sniffed (stored) content type; UNKNOWN_EXTENSION for any other."""
    return _EXTENSIONS.get(content_type, UNKNOWN_EXTENSION)


def neutral_name(*, content_type: str, number: int) -> str:
    """Return the name a report's `number`-th file is stored under: it says nothing but its type and order.

    A sender's own file name is never kept: a phone's (IMG_20261130_104213.jpg,
    PXL_..., WhatsApp Image ... at 10.42.13) gives the second it was taken, and
    some carry a person's name.
    """
    return f"{NEUTRAL_NAME_STEM}-{number}.{extension_for(content_type)}"


def download_name(*, name: str, content_type: str) -> str:
    """Return the name a stored file is downloaded under: its stored name with the sniffed type's extension.

    New files already have it (neutral_name); a file stored before names were
    replaced keeps its sender's name, but never the extension the sender chose
    (a ".html" that is plain text must not open in a browser).
    """
    stem, dot, _extension = name.rpartition(".")
    if not dot or not stem:
        stem = name or NEUTRAL_NAME_STEM
    return f"{stem}.{extension_for(content_type)}"


_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"

# ISO base media ("ftyp") major brands of phone recordings. HEIF/AVIF brands (heic, mif1, avif...)
# are absent on purpose: they are photos whose metadata we cannot remove.
_ISO_BRANDS: Final = {
    b"isom": MP4,
    b"iso2": MP4,
    b"iso4": MP4,
    b"iso5": MP4,
    b"iso6": MP4,
    b"mp41": MP4,
    b"mp42": MP4,
    b"avc1": MP4,
    b"dash": MP4,
    b"MSNV": MP4,
    b"M4V ": MP4,
    b"M4A ": M4A,
    b"M4B ": M4A,
    b"F4V ": MP4,
    b"qt  ": QUICKTIME,
}


def _iso_media(head: bytes) -> FileType | None:
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand.startswith(b"3g2"):
        return THREE_GPP2
    if brand.startswith(b"3gp") or brand.startswith(b"3ge") or brand.startswith(b"3gg"):
        return THREE_GPP
    return _ISO_BRANDS.get(brand)


def _mpeg_audio_frame(head: bytes) -> bool:
    # An MPEG audio frame (or ADTS) header: 11 sync bits, then a version and a layer that are not reserved.
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x18 != 0x08


def sniff(head: bytes) -> FileType:
    """Return the type the first bytes of a file announce; TEXT when no binary signature matches.

    TEXT is only a candidate: the whole file must then pass ``TextCheck``. ``head``
    should hold SNIFF_BYTES bytes, or the whole file if it is shorter.
    """
    signatures: list[tuple[bytes, FileType]] = [
        (b"\xff\xd8\xff", JPEG),
        (_PNG_SIGNATURE, PNG),
        (b"%PDF-", PDF),
        (b"OggS", OGG),
        (b"ID3", MP3),
        (b"#!AMR-WB\n", AMR_WB),
        (b"#!AMR\n", AMR),
        (b"\x1a\x45\xdf\xa3", WEBM),
    ]
    for signature, filetype in signatures:
        if head.startswith(signature):
            return filetype
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    iso = _iso_media(head)
    if iso is not None:
        return iso
    if _mpeg_audio_frame(head):
        return MP3
    return TEXT


class ContentCheck(Protocol):
    """Follow a file's bytes as they stream in and say whether it must be refused."""

    problem: Problem | None

    def feed(self, data: bytes) -> None:
        """Look at the next piece of the file (any size, down to one byte)."""
        ...

    def close(self) -> None:
        """Signal the end of the file; a file that ended too early gets its problem here."""
        ...


def check_for(filetype: FileType) -> ContentCheck | None:
    """Return a fresh content check for files of ``filetype``, or None when the whole-file cleaner decides.

    Every accepted type other than JPEG, PNG and text is checked by its cleaner
    (tipline/metadata.py, ``clean_whole``), which must parse all of it.
    """
    if filetype not in ACCEPTED:
        return RefusedCheck(Problem.NOT_ACCEPTED)
    if filetype is JPEG:
        return JpegHeaderCheck()
    if filetype is PNG:
        return PngHeaderCheck()
    if filetype is TEXT:
        return TextCheck()
    return None


def _pixel_problem(width: int, height: int) -> Problem | None:
    if width <= 0 or height <= 0:
        return Problem.DAMAGED_IMAGE
    if width * height > MAX_IMAGE_PIXELS:
        return Problem.TOO_MANY_PIXELS
    return None


class RefusedCheck:
    """A content check that has already decided: the file is refused for ``problem``."""

    def __init__(self, problem: Problem) -> None:
        self.problem: Problem | None = problem

    def feed(self, data: bytes) -> None:
        return None

    def close(self) -> None:
        return None


# Active content written as text: a tag of HTML, SVG, XML or an HTA anywhere (not "<3", not
# "<juan@example.com>": only these names right after "<" or "</" count), or a line that only a
# script has (shell, batch, PowerShell, VBScript). Staff download text as .txt, but a file renamed
# or opened by the wrong program would run; ordinary notes and chat exports never contain these.
_ACTIVE_TEXT: Final = re.compile(
    rb"<\s*/?\s*(?:!doctype|!\[cdata\[|\?xml|html|head|body|script|svg|iframe|frame|object|embed|applet|meta|link"
    rb"|style|form|img|image|base\s+href|math|template|hta:|xsl:|x:xmpmeta|a\s+href)\b"
    rb"|\A\s*#!"
    rb"|^\s*@?\s*echo\s+off\b|%comspec%|\bcmd(?:\.exe)?\s+/[ck]\b"
    rb"|\binvoke-(?:expression|webrequest)\b|\biex\s*[(\"\'$]|-encodedcommand\b|\bset-executionpolicy\b"
    rb"|\bnew-object\s+(?:system\.)?net\.webclient\b|\bdownloadstring\s*\("
    rb"|\bcreateobject\s*\(|\bwscript\.|\bon\s+error\s+resume\s+next\b|\bnew\s+activexobject\b",
    re.IGNORECASE | re.MULTILINE,
)
# Bytes of one piece kept to look for a pattern cut across two pieces (longer than any pattern).
_ACTIVE_TEXT_OVERLAP: Final = 64


class TextCheck:
    """Accept the file as plain text only if all of it is UTF-8 without NUL bytes, and it is not active content.

    Text that starts with "<", or holds an HTML, SVG or XML tag anywhere, is
    active content once a member of staff opens the downloaded file in a
    browser; shell, batch, PowerShell and VBScript are programs. Both are
    refused. UTF-16 text (from Windows Notepad, or a page saved by a browser)
    has NUL bytes and is refused as a kind of file we do not accept.
    """

    def __init__(self) -> None:
        self.problem: Problem | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self._seen_text = False
        self._overlap = b""
        self._at_start = True

    def feed(self, data: bytes) -> None:
        if self.problem is not None:
            return
        if b"\x00" in data or self._starts_markup(data) or self._active(data):
            self.problem = Problem.NOT_ACCEPTED
            return
        try:
            self._decoder.decode(data)
        except UnicodeDecodeError:
            self.problem = Problem.NOT_ACCEPTED

    def _active(self, data: bytes) -> bool:
        window = self._overlap + data
        # "\A" means the start of the file only in the first piece; later ones get a letter before them.
        found = _ACTIVE_TEXT.search(window if self._at_start else b"x" + window)
        if window:
            self._at_start = False
        self._overlap = window[-_ACTIVE_TEXT_OVERLAP:]
        return found is not None

    def _starts_markup(self, data: bytes) -> bool:
        if self._seen_text:
            return False
        text = data.lstrip(b" \t\r\n\x0b\x0c").removeprefix(_UTF8_BOM).lstrip(b" \t\r\n\x0b\x0c")
        if not text:
            return False
        self._seen_text = True
        return text.startswith(b"<")

    def close(self) -> None:
        if self.problem is not None:
            return
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self.problem = Problem.NOT_ACCEPTED


_UTF8_BOM: Final = b"\xef\xbb\xbf"
_IHDR_END: Final = 8 + 4 + 4 + 13 + 4  # signature, length, type, IHDR data, CRC


class PngHeaderCheck:
    """Read a PNG's IHDR (always its first chunk) and refuse bombs and broken headers."""

    def __init__(self) -> None:
        self.problem: Problem | None = None
        self._head = bytearray()
        self._done = False

    def feed(self, data: bytes) -> None:
        if self._done:
            return
        self._head += data[: _IHDR_END - len(self._head)]
        if len(self._head) == _IHDR_END:
            self._done = True
            self.problem = self._judge(bytes(self._head))

    def close(self) -> None:
        if not self._done:
            self._done = True
            self.problem = Problem.DAMAGED_IMAGE

    @staticmethod
    def _judge(head: bytes) -> Problem | None:
        length, chunk_type = struct.unpack(">I4s", head[8:16])
        data, crc = head[16:29], struct.unpack(">I", head[29:33])[0]
        if length != 13 or chunk_type != b"IHDR" or zlib.crc32(chunk_type + data) != crc:
            return Problem.DAMAGED_IMAGE
        width, height = struct.unpack(">II", data[:8])
        return _pixel_problem(width, height)


# JPEG markers: start-of-frame markers carry the dimensions (C4, C8 and CC are not frames).
_SOF_MARKERS: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE_MARKERS: Final = frozenset({0x01, *range(0xD0, 0xD8)})
_SOS: Final = 0xDA
_EOI: Final = 0xD9

# Header walker states.
_SOI: Final = 0
_MARKER: Final = 1
_CODE: Final = 2
_LENGTH: Final = 3
_SKIP: Final = 4
_FRAME: Final = 5
_DONE: Final = 6


class JpegHeaderCheck:
    """Walk a JPEG's segments up to its frame header, and refuse bombs and broken headers.

    Memory stays bounded: skipped segments are counted, never held. The walk stops at
    the first start-of-frame; a scan, the end of the image or the end of the file
    before it means the header is broken.
    """

    def __init__(self) -> None:
        self.problem: Problem | None = None
        self._state = _SOI
        self._pending = bytearray()
        self._marker = 0
        self._remaining = 0

    def feed(self, data: bytes) -> None:
        pos, end = 0, len(data)
        while pos < end and self._state != _DONE:
            if self._state == _SKIP:
                take = min(self._remaining, end - pos)
                pos += take
                self._remaining -= take
                if self._remaining == 0:
                    self._state = _MARKER
                continue
            self._step(data[pos])
            pos += 1

    def close(self) -> None:
        if self._state != _DONE:
            self._finish(Problem.DAMAGED_IMAGE)

    def _finish(self, problem: Problem | None) -> None:
        self.problem = problem
        self._state = _DONE
        self._pending.clear()

    def _step(self, byte: int) -> None:
        state = self._state
        if state == _SOI:
            self._pending.append(byte)
            if len(self._pending) == 2:
                if self._pending != b"\xff\xd8":
                    self._finish(Problem.DAMAGED_IMAGE)
                    return
                self._pending.clear()
                self._state = _MARKER
        elif state == _MARKER:
            if byte != 0xFF:
                self._finish(Problem.DAMAGED_IMAGE)
            else:
                self._state = _CODE
        elif state == _CODE:
            self._on_marker(byte)
        elif state == _LENGTH:
            self._pending.append(byte)
            if len(self._pending) == 2:
                self._on_length(int.from_bytes(self._pending, "big"))
        else:  # _FRAME: precision (1 byte), height (2), width (2)
            self._pending.append(byte)
            if len(self._pending) == 5:
                height, width = struct.unpack(">HH", self._pending[1:5])
                self._finish(_pixel_problem(width, height))

    def _on_marker(self, code: int) -> None:
        if code == 0xFF:
            return  # fill byte before a marker
        if code in _STANDALONE_MARKERS:
            self._state = _MARKER
        elif code in (_SOS, _EOI, 0x00, 0xD8):
            # Image data, the end, or a second start before any frame header: not a usable JPEG.
            self._finish(Problem.DAMAGED_IMAGE)
        else:
            self._marker = code
            self._pending.clear()
            self._state = _LENGTH

    def _on_length(self, length: int) -> None:
        self._pending.clear()
        if self._marker in _SOF_MARKERS:
            if length < 8:
                self._finish(Problem.DAMAGED_IMAGE)
            else:
                self._state = _FRAME
        elif length < 2:
            self._finish(Problem.DAMAGED_IMAGE)
        else:
            self._remaining = length - 2
            self._state = _SKIP if self._remaining else _MARKER
