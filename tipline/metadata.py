"""Remove identifying metadata from every accepted type of upload before it is encrypted.

JPEG and PNG are cleaned while they stream (the strippers below); recordings and
PDF, which a parser must see whole, are held in memory only and cleaned whole
(``clean_whole``, after the strippers). No plaintext is ever written to disk.

The upload handler encrypts files as they arrive, so the plaintext of a photo
is never held whole in memory or written to disk.  The strippers here are therefore
incremental state machines: each call to ``feed`` takes an arbitrary chunk
(down to a single byte) and returns the cleaned bytes that can be emitted
straight away.  Memory use is bounded by one segment/chunk header plus a
16-byte look-ahead, whatever the file size.

Stripping is lossless: only whole metadata segments/chunks are removed, pixel
data is never decoded or re-encoded.

What is removed
---------------
JPEG:
    Every APPn segment and COM, wherever they occur (also between the scans of a
    progressive JPEG): EXIF and XMP (APP1), ICC profiles (APP2), IPTC/Photoshop
    (APP13) and the rest, except APP0 when it is a plain JFIF header without a
    thumbnail (a JFIF thumbnail or a JFXX extension is a second picture) and
    APP14 when it is Adobe's colour transform (``Adobe``, no text; CMYK images
    need it).  ICC profiles are dropped, not edited: a profile carries its own
    creation date and may name the device's maker and model and its author in
    its description and copyright tags; without it a viewer assumes sRGB, which
    shifts the colours of a wide-gamut phone photo slightly and changes nothing
    of what it shows.  All coding segments are kept; entropy-coded data is
    scanned for its next marker and passed through.  Everything after EOI is
    dropped: the secondary images of a multi-picture (MPO) file and vendor
    trailers can carry their own EXIF and GPS.
PNG:
    Every chunk that is not critical or plain colour/transparency data (the
    whitelist ``_PNG_KEEP``): tEXt, zTXt, iTXt, eXIf, tIME, iCCP (a profile name
    and profile), caBX (C2PA provenance), private and unknown chunks.  Kept
    chunks are copied byte for byte (including their CRC).
MP4, MOV, 3GP, M4A (ISO media):
    udta (©xyz location, ©mak/©mod device, ©day date, names), meta (iTunes tags,
    Apple's com.apple.quicktime.location.ISO6709, make, model, software), uuid
    (XMP, vendors' GPS) and Xtra boxes become ``free`` boxes of the same size with
    a zeroed payload, so chunk offsets into the media stay valid; free/skip/wide
    padding is zeroed too; the creation and modification times of mvhd, tkhd and
    mdhd are set to zero.
MP3:
    ID3v2 and ID3v1 tags and APEv2 tags (mutagen).
OGG (Opus, Vorbis, FLAC, Speex, Theora):
    The comment header's comments and vendor string (mutagen).
WAV:
    Every chunk but fmt, data and fact: LIST/INFO, bext, iXML, id3 and the rest.
AMR:
    Nothing to remove: the format has no place for metadata.
PDF:
    The document information dictionary, XMP metadata of the catalog and of
    every object, page-piece data, the author and times of comments and notes,
    the original /ID, earlier revisions and
    anything after the end (pikepdf writes the document anew).  A PDF with
    JavaScript, opening or event actions, launches, embedded files, data
    submission or rich media is refused, not edited.

Malformed input
---------------
``feed`` and ``close`` never raise on bad input.  When the stream stops
making sense (bad marker, impossible length, non-PNG chunk type...) the
stripper switches to pass-through: the bytes it is holding and everything
after are emitted unchanged, and ``gave_up`` becomes True so the caller can
flag the upload as "metadata possibly not removed".  The stripper itself never
drops what it cannot parse; the upload handler (tipline/uploads.py) refuses a
file whose stripper gave up and tells the sender which one, because its
metadata may still be in it: nothing broken is stored, and nothing is lost
silently.  ``clean_whole`` raises ``Refused`` instead: a recording or PDF that
does not parse whole is not what it claims to be, and is refused.

Every byte a stripper emits is an input byte emitted once, so its output is
never longer than its input.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from typing import Final, Protocol

import mutagen
import mutagen.apev2
import mutagen.id3
import mutagen.ogg
import mutagen.oggflac
import mutagen.oggopus
import mutagen.oggspeex
import mutagen.oggtheora
import mutagen.oggvorbis
import pikepdf

from tipline import filetypes
from tipline.filetypes import FileType, Problem

__all__ = [
    "JpegStripper",
    "MetadataStripper",
    "PngStripper",
    "Refused",
    "clean_whole",
    "needs_whole_file",
    "stripper_for",
]


class MetadataStripper(Protocol):
    """Incrementally remove metadata from one file's byte stream."""

    @property
    def gave_up(self) -> bool:
        """Return True if malformed input forced a switch to pass-through."""
        ...

    def feed(self, data: bytes) -> bytes:
        """Consume ``data`` and return the cleaned bytes ready to emit (may be empty)."""
        ...

    def close(self) -> bytes:
        """Signal end of input and return any bytes still held back."""
        ...


JPEG_MAGIC: Final = b"\xff\xd8\xff"
PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


def stripper_for(head: bytes) -> MetadataStripper | None:
    """Return a fresh stripper for the format ``head`` starts with, or None.

    ``head`` is only inspected; the caller must still feed the whole file,
    ``head`` included, through the returned stripper.  None means the format
    is not handled and the bytes should be passed through unchanged.
    """
    if head.startswith(JPEG_MAGIC):
        return JpegStripper()
    if head.startswith(PNG_SIGNATURE):
        return PngStripper()
    return None


class _StreamStripper:
    """Shared closed/gave-up bookkeeping for the concrete strippers."""

    def __init__(self) -> None:
        self._closed = False
        self._gave_up = False
        # Bytes whose fate (keep or drop) is not decided yet; never more than
        # a header plus a short look-ahead, which is what bounds memory.
        self._pending = bytearray()

    @property
    def gave_up(self) -> bool:
        """Return True if malformed input forced a switch to pass-through."""
        return self._gave_up

    def _check_open(self) -> None:
        # Feeding after close is a caller bug, not bad input: failing loudly
        # beats silently dropping (or leaking) the extra bytes.
        if self._closed:
            raise ValueError("feed() called on a closed stripper")

    def _flush_pending(self, out: bytearray) -> None:
        out += self._pending
        self._pending.clear()


# JPEG parser states.
_J_SOI: Final = 0  # collecting the two SOI bytes
_J_MARKER: Final = 1  # expecting the 0xFF that starts a marker
_J_CODE: Final = 2  # seen 0xFF, expecting the marker code (or fill bytes)
_J_LENGTH: Final = 3  # collecting the 2-byte segment length
_J_PEEK: Final = 4  # collecting the payload prefix that identifies APP2/APP14
_J_KEEP: Final = 5  # streaming a kept segment's payload
_J_SKIP: Final = 6  # discarding a dropped segment's payload
_J_PASS: Final = 7  # everything from here on is emitted unchanged
_J_ENTROPY: Final = 8  # entropy-coded scan data, up to the next real marker
_J_ENTROPY_FF: Final = 9  # seen 0xFF inside scan data
_J_TRAILER: Final = 10  # after EOI: everything is dropped

_KEEP: Final = 0
_DROP: Final = 1
_PEEK: Final = 2

# APP segments that are kept only when their payload starts with this
# identifier: a plain JFIF header (APP0), and Adobe's colour transform (APP14),
# which a CMYK image cannot be decoded without. Neither carries text.
_JPEG_PEEK_PREFIX: Final = {
    0xE0: b"JFIF\x00",
    0xEE: b"Adobe",
}
# A JFIF header without a thumbnail: identifier, version, units, densities, a 0x0 thumbnail size.
# A longer APP0 (a JFIF thumbnail, or a JFXX extension) is a second picture, with its own history.
_JFIF_PLAIN_PAYLOAD: Final = 14

# RSTn, TEM and SOI carry no length field.
_JPEG_STANDALONE: Final = frozenset({0x01, 0xD8, *range(0xD0, 0xD8)})
_JPEG_SOS: Final = 0xDA
_JPEG_EOI: Final = 0xD9
_JPEG_APP0: Final = 0xE0
_JPEG_COM: Final = 0xFE


def _jpeg_policy(marker: int) -> int:
    if marker in _JPEG_PEEK_PREFIX:
        return _PEEK
    if 0xE1 <= marker <= 0xEF or marker == _JPEG_COM:
        return _DROP
    return _KEEP


class JpegStripper(_StreamStripper):
    """Remove EXIF, XMP, IPTC, ICC profiles, thumbnails, comments and other APPn metadata from a JPEG stream."""

    def __init__(self) -> None:
        super().__init__()
        self._state = _J_SOI
        self._marker = 0
        self._remaining = 0  # payload bytes left in the current segment
        self._peek_len = 0  # payload bytes needed to classify APP2/APP14

    def feed(self, data: bytes) -> bytes:
        """Consume ``data`` and return the cleaned bytes ready to emit (may be empty)."""
        self._check_open()
        out = bytearray()
        pos = 0
        end = len(data)
        # Each branch consumes at least one byte or changes to a state that
        # will, so the loop always terminates.
        while pos < end:
            state = self._state
            if state == _J_PASS:
                out += data[pos:]
                break
            if state == _J_TRAILER:
                break
            if state == _J_ENTROPY:
                # Jump to the next 0xFF: scan data is most of the file.
                found = data.find(b"\xff", pos)
                if found < 0:
                    out += data[pos:]
                    break
                out += data[pos:found]
                pos = found + 1
                self._state = _J_ENTROPY_FF
                continue
            if state in (_J_KEEP, _J_SKIP):
                take = min(self._remaining, end - pos)
                if state == _J_KEEP:
                    out += data[pos : pos + take]
                pos += take
                self._remaining -= take
                if self._remaining == 0:
                    self._state = self._after_segment()
                continue
            if state == _J_PEEK:
                want = self._peek_len - (len(self._pending) - 4)
                take = min(want, end - pos)
                self._pending += data[pos : pos + take]
                pos += take
                self._remaining -= take
                if take == want:
                    self._decide_peeked(out)
                continue

            byte = data[pos]
            pos += 1
            if state == _J_SOI:
                self._pending.append(byte)
                if self._pending != b"\xff\xd8"[: len(self._pending)]:
                    self._give_up(out)
                elif len(self._pending) == 2:
                    self._flush_pending(out)
                    self._state = _J_MARKER
            elif state == _J_MARKER:
                if byte == 0xFF:
                    self._state = _J_CODE
                else:
                    # Stray bytes between segments: we no longer know where
                    # we are in the file.
                    out.append(byte)
                    self._give_up(out)
            elif state == _J_CODE:
                self._on_marker_code(byte, out)
            elif state == _J_ENTROPY_FF:
                if byte == 0x00 or 0xD0 <= byte <= 0xD7:
                    # A stuffed zero or a restart marker: still scan data.
                    out += bytes((0xFF, byte))
                    self._state = _J_ENTROPY
                elif byte != 0xFF:  # 0xFF is a fill byte before a marker
                    self._on_marker_code(byte, out)
            else:  # _J_LENGTH
                self._pending.append(byte)
                if len(self._pending) == 4:
                    self._on_length(out)
        return bytes(out)

    def close(self) -> bytes:
        """Signal end of input and return any bytes still held back.

        A truncated file is not an error: whatever was kept is returned.  A
        segment cut off before it could be classified is dropped, since it
        may be metadata and is unusable anyway.
        """
        if self._closed:
            return b""
        self._closed = True
        out = bytearray()
        if self._state == _J_SOI or (self._state == _J_LENGTH and _jpeg_policy(self._marker) == _KEEP):
            self._flush_pending(out)
        self._pending.clear()
        return bytes(out)

    def _give_up(self, out: bytearray) -> None:
        self._gave_up = True
        self._flush_pending(out)
        self._state = _J_PASS

    def _on_marker_code(self, code: int, out: bytearray) -> None:
        if code == 0xFF:
            # Fill byte: optional padding before a marker, dropping it is
            # lossless and keeps the held-back state to a single 0xFF.
            return
        if code == 0x00:
            # A stuffed zero only makes sense inside entropy-coded data.
            out += b"\xff\x00"
            self._give_up(out)
            return
        self._marker = code
        if code in _JPEG_STANDALONE:
            out += bytes((0xFF, code))
            self._state = _J_MARKER
        elif code == _JPEG_EOI:
            out += bytes((0xFF, code))
            self._state = _J_TRAILER
        else:
            self._pending += bytes((0xFF, code))
            self._state = _J_LENGTH

    def _on_length(self, out: bytearray) -> None:
        length = (self._pending[2] << 8) | self._pending[3]
        if length < 2:
            self._give_up(out)
            return
        self._remaining = length - 2
        policy = _jpeg_policy(self._marker)
        if policy == _PEEK:
            self._peek_len = min(self._remaining, len(_JPEG_PEEK_PREFIX[self._marker]))
            self._state = _J_PEEK
            if self._peek_len == 0:
                self._decide_peeked(out)
        elif policy == _KEEP:
            self._flush_pending(out)
            self._state = _J_KEEP if self._remaining else self._after_segment()
        else:
            self._pending.clear()
            self._state = _J_SKIP if self._remaining else _J_MARKER

    def _after_segment(self) -> int:
        # A scan header is followed by entropy-coded data, any other segment by a marker.
        return _J_ENTROPY if self._marker == _JPEG_SOS else _J_MARKER

    def _decide_peeked(self, out: bytearray) -> None:
        length = int.from_bytes(self._pending[2:4], "big") - 2
        plain = self._marker != _JPEG_APP0 or length == _JFIF_PLAIN_PAYLOAD
        if plain and bytes(self._pending[4:]) == _JPEG_PEEK_PREFIX[self._marker]:
            self._flush_pending(out)
            self._state = _J_KEEP if self._remaining else self._after_segment()
        else:
            self._pending.clear()
            self._state = _J_SKIP if self._remaining else _J_MARKER


# PNG parser states.
_P_SIG: Final = 0  # collecting the 8-byte signature
_P_HEADER: Final = 1  # collecting a chunk's length + type
_P_KEEP: Final = 2  # streaming a kept chunk's data + CRC
_P_SKIP: Final = 3  # discarding a dropped chunk's data + CRC
_P_PASS: Final = 4  # everything from here on is emitted unchanged

# The only chunks kept: the critical ones, plain colour and transparency information, and the frames of
# an animated PNG. Everything else is dropped: text, EXIF, times, the ICC profile (iCCP: a profile name,
# and a profile that may carry its creation time and the device's maker and model), C2PA provenance
# (caBX: who made the picture, with what, when), and every private or unknown chunk.
_PNG_KEEP: Final = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND",
        b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs", b"hIST", b"cICP",
        b"acTL", b"fcTL", b"fdAT",
    }
)  # fmt: skip
_PNG_MAX_LENGTH: Final = 2**31 - 1  # limit set by the PNG specification
_ASCII_LETTERS: Final = frozenset(range(0x41, 0x5B)) | frozenset(range(0x61, 0x7B))


class PngStripper(_StreamStripper):
    """Keep only the chunks of ``_PNG_KEEP`` in a PNG stream: the image, its plain colour data, nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self._state = _P_SIG
        self._remaining = 0  # data + CRC bytes left in the current chunk

    def feed(self, data: bytes) -> bytes:
        """Consume ``data`` and return the cleaned bytes ready to emit (may be empty)."""
        self._check_open()
        out = bytearray()
        pos = 0
        end = len(data)
        while pos < end:
            state = self._state
            if state == _P_PASS:
                out += data[pos:]
                break
            if state in (_P_KEEP, _P_SKIP):
                take = min(self._remaining, end - pos)
                if state == _P_KEEP:
                    out += data[pos : pos + take]
                pos += take
                self._remaining -= take
                if self._remaining == 0:
                    self._state = _P_HEADER
                continue

            take = min(8 - len(self._pending), end - pos)
            self._pending += data[pos : pos + take]
            pos += take
            if state == _P_SIG:
                if self._pending != PNG_SIGNATURE[: len(self._pending)]:
                    self._give_up(out)
                elif len(self._pending) == 8:
                    self._flush_pending(out)
                    self._state = _P_HEADER
            elif len(self._pending) == 8:
                self._on_header(out)
        return bytes(out)

    def close(self) -> bytes:
        """Signal end of input and return any bytes still held back.

        A truncated file is not an error: whatever was kept is returned.  A
        chunk header cut short is dropped, since its type is unknown and it
        is unusable anyway; a short signature is returned as sent.
        """
        if self._closed:
            return b""
        self._closed = True
        out = bytearray()
        if self._state == _P_SIG:
            self._flush_pending(out)
        self._pending.clear()
        return bytes(out)

    def _give_up(self, out: bytearray) -> None:
        self._gave_up = True
        self._flush_pending(out)
        self._state = _P_PASS

    def _on_header(self, out: bytearray) -> None:
        length = int.from_bytes(self._pending[:4], "big")
        ctype = bytes(self._pending[4:8])
        if length > _PNG_MAX_LENGTH or not all(b in _ASCII_LETTERS for b in ctype):
            self._give_up(out)
            return
        # Data plus the 4-byte CRC; the CRC is never empty, so both
        # streaming states always consume something.
        self._remaining = length + 4
        if ctype not in _PNG_KEEP:
            self._pending.clear()
            self._state = _P_SKIP
        else:
            self._flush_pending(out)
            self._state = _P_KEEP


# --- Whole-file cleaners -----------------------------------------------------------------------------------
# Recordings and PDF documents keep their metadata in structures that a parser must see whole (an MP4's
# atoms may come after its media data, an MP3's tags sit at both ends, a PDF is read from its end). The
# upload handler holds these files in memory only (io.BytesIO, bounded by TIPLINE_MAX_ATTACHMENT_BYTES),
# never on disk, and hands the whole plaintext to ``clean_whole``, which returns the bytes to encrypt or
# refuses the file. Identification is by full structure: a file is accepted only if every byte of it
# belongs to the type its signature claims (boxes, frames, pages or chunks that cover it exactly), so an
# archive, a script or a page hidden behind an audio or video header is refused.


class Refused(Exception):
    """The file does not parse as the type it claims, or carries content we refuse: ``problem`` says which."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def needs_whole_file(filetype: FileType) -> bool:
    """Return True when ``filetype`` is cleaned by ``clean_whole`` (the handler must then hold the file)."""
    return filetype in _WHOLE_FILE_CLEANERS


def clean_whole(filetype: FileType, data: bytes) -> bytes:
    """Return ``data`` without its identifying metadata; raise Refused if it is not what it claims to be."""
    try:
        return _WHOLE_FILE_CLEANERS[filetype](data)
    except Refused:
        raise
    except Exception as exc:  # a parser choking on hostile input: the file is not what it claims
        raise Refused(Problem.NOT_ACCEPTED) from exc


def _not_accepted() -> Refused:
    return Refused(Problem.NOT_ACCEPTED)


# ISO base media (MP4, M4A, MOV, 3GP): boxes are overwritten in place, never moved, so the chunk offsets
# (stco/co64) into the media data stay valid.
_ISO_TOP_LEVEL: Final = frozenset(
    {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pdin", b"moof", b"mfra", b"sidx", b"styp"}
)
# Containers walked for metadata; every other box is left as it is.
_ISO_CONTAINERS: Final = frozenset({b"moov", b"trak", b"mdia", b"edts", b"mvex", b"moof", b"traf"})
# Metadata boxes: user data (©xyz location, ©mak/©mod device, ©day date, names), iTunes/Apple metadata
# (com.apple.quicktime.location.ISO6709...), UUID boxes (XMP, vendors' GPS), Microsoft's Xtra.
_ISO_METADATA: Final = frozenset({b"udta", b"meta", b"uuid", b"Xtra"})
# Padding: kept as padding, but emptied, so that nothing can hide in it.
_ISO_PADDING: Final = frozenset({b"free", b"skip", b"wide"})
# Headers with a creation and a modification time right after their version and flags.
_ISO_DATED: Final = frozenset({b"mvhd", b"tkhd", b"mdhd"})


def _iso_free(out: bytearray, start: int, header: int, end: int) -> None:
    # Same size, type "free", zeroed payload: a 64-bit size header keeps its form.
    out[start + 4 : start + 8] = b"free"
    out[start + header : end] = bytes(end - start - header)


def _iso_walk(data: bytes, out: bytearray, start: int, end: int, *, top: bool) -> set[bytes]:
    """Walk the boxes between ``start`` and ``end``, which must cover it exactly; return the types seen."""
    seen: set[bytes] = set()
    pos = start
    while pos < end:
        if end - pos < 8:
            raise _not_accepted()
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise _not_accepted()
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0 and top:
            size = end - pos  # the last top-level box runs to the end of the file
        if size < header or pos + size > end:
            raise _not_accepted()
        box_end = pos + size
        seen.add(kind)
        if top and kind not in _ISO_TOP_LEVEL and kind not in _ISO_METADATA:
            raise _not_accepted()
        if kind in _ISO_METADATA or kind in _ISO_PADDING:
            _iso_free(out, pos, header, box_end)
        elif kind in _ISO_CONTAINERS:
            _iso_walk(data, out, pos + header, box_end, top=False)
        elif kind in _ISO_DATED:
            _iso_zero_dates(out, pos + header, box_end)
        pos = box_end
    return seen


def _iso_zero_dates(out: bytearray, start: int, end: int) -> None:
    if end - start < 4:
        raise _not_accepted()
    width = 8 if out[start] == 1 else 4
    if end - start < 4 + 2 * width:
        raise _not_accepted()
    out[start + 4 : start + 4 + 2 * width] = bytes(2 * width)


def _clean_iso_media(data: bytes) -> bytes:
    out = bytearray(data)
    seen = _iso_walk(data, out, 0, len(data), top=True)
    if not data[4:8] == b"ftyp" or not {b"moov", b"moof"} & seen:
        raise _not_accepted()
    return bytes(out)


# MP3: mutagen removes the ID3v1/ID3v2 and APEv2 tags; what remains must be MPEG audio frames (Layer II
# or III), back to back, from the first byte to the last (the last frame may be cut short, as when a
# recording stops), and at least two whole ones (a recording has about 38 a second): one frame whose
# length runs past the end would otherwise let any short file through.
_MPEG_MIN_FRAMES: Final = 2
_MPEG_BITRATES: Final = {
    # (MPEG-1?, layer): kbit/s by index 1..14
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_SAMPLE_RATES: Final = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_frame_length(header: bytes) -> int:
    """Return the length of the MPEG audio frame ``header`` (4 bytes) starts; raise Refused if it is not one."""
    b1, b2 = header[1], header[2]
    if header[0] != 0xFF or b1 & 0xE0 != 0xE0:
        raise _not_accepted()
    version, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if version == 1 or layer_bits in (0, 3) or bitrate_index in (0, 15) or rate_index == 3:
        # Reserved values, free-format bitrate (unframeable), ADTS, or Layer I: no phone or recorder writes
        # it, and its header is what a UTF-16 text's byte order mark (FF FE) looks like.
        raise _not_accepted()
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _MPEG_BITRATES[(mpeg1, layer)][bitrate_index - 1] * 1000
    sample_rate = _MPEG_SAMPLE_RATES[version][rate_index]
    if layer == 3 and not mpeg1:
        return 72 * bitrate // sample_rate + padding
    return 144 * bitrate // sample_rate + padding


def _clean_mp3(data: bytes) -> bytes:
    buffer = io.BytesIO(data)
    cleaned = data
    for _tag_at_the_end in range(3):  # ID3v1 and APEv2 may come in either order at the end
        mutagen.id3.delete(buffer, delete_v1=True, delete_v2=True)
        mutagen.apev2.delete(buffer)
        if buffer.getvalue() == cleaned:
            break
        cleaned = buffer.getvalue()
    # mutagen removes one ID3v2 tag at the start; a second one (or anything else) fails the frame walk.
    pos, end, whole_frames = 0, len(cleaned), 0
    while pos + 4 <= end:
        pos += _mpeg_frame_length(cleaned[pos : pos + 4])
        whole_frames += pos <= end
    if whole_frames < _MPEG_MIN_FRAMES:
        raise _not_accepted()
    return cleaned


# OGG: mutagen knows the codecs phones and browsers write; their comment header (artist, title, date,
# location..., and the vendor string naming the encoder or app) is emptied. Every byte must belong to an
# OGG page, and all pages to one stream (a voice note or an audio recording).
_OGG_KINDS: Final = (
    mutagen.oggopus.OggOpus,
    mutagen.oggvorbis.OggVorbis,
    mutagen.oggflac.OggFLAC,
    mutagen.oggspeex.OggSpeex,
    mutagen.oggtheora.OggTheora,
)


def _clean_ogg(data: bytes) -> bytes:
    pages = io.BytesIO(data)
    streams = set()
    while pages.tell() < len(data):
        streams.add(mutagen.ogg.OggPage(pages).serial)  # raises on anything that is not a page
    if len(streams) != 1:
        raise _not_accepted()  # several streams (video and audio, or chained): mutagen cleans only one
    buffer = io.BytesIO(data)
    audio = mutagen.File(buffer, options=list(_OGG_KINDS))
    if audio is None:
        raise _not_accepted()
    if audio.tags is None:
        raise _not_accepted()
    audio.tags.clear()
    audio.tags.vendor = ""  # the encoder's name and version, often the recording app's
    buffer.seek(0)
    audio.save(buffer)
    return buffer.getvalue()


# WAV: only the chunks that make the sound are kept (format, samples, sample count); LIST/INFO (names,
# software, dates), bext (broadcast: originator, date, time), iXML, id3 and any other chunk are dropped.
_WAV_KEPT: Final = frozenset({b"fmt ", b"data", b"fact"})


def _clean_wav(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise _not_accepted()
    if struct.unpack_from("<I", data, 4)[0] + 8 != len(data):
        raise _not_accepted()
    kept = bytearray()
    seen: set[bytes] = set()
    pos = 12
    while pos < len(data):
        if len(data) - pos < 8:
            raise _not_accepted()
        kind, size = struct.unpack_from("<4sI", data, pos)
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > len(data):
            raise _not_accepted()
        if kind in _WAV_KEPT:
            kept += data[pos:end]
            seen.add(kind)
        pos = min(end, len(data))
    if not {b"fmt ", b"data"} <= seen:
        raise _not_accepted()
    return b"RIFF" + struct.pack("<I", len(kept) + 4) + b"WAVE" + bytes(kept)


# AMR and AMR-WB carry no metadata: only a magic line and speech frames. Each frame's header says its
# length; the frames must cover the file exactly.
_AMR_FRAME_BYTES: Final = {
    b"#!AMR\n": (12, 13, 15, 17, 19, 20, 26, 31, 5, None, None, None, None, None, None, 0),
    b"#!AMR-WB\n": (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, None, None, None, None, 0, 0),
}


def _clean_amr(data: bytes) -> bytes:
    magic = next((magic for magic in _AMR_FRAME_BYTES if data.startswith(magic)), None)
    if magic is None:
        raise _not_accepted()
    sizes = _AMR_FRAME_BYTES[magic]
    pos = len(magic)
    while pos < len(data):
        header = data[pos]
        size = sizes[(header >> 3) & 0x0F]
        if header & 0x83 or size is None:
            raise _not_accepted()
        pos += 1 + size
    if pos != len(data):
        raise _not_accepted()
    return data


# PDF: pikepdf (qpdf) reads the whole document and writes it anew, which also drops earlier revisions,
# anything appended after the end and the original file identifier. The document information dictionary
# (author, creator, producer, dates), XMP metadata (of the catalog and of any page, image or font) and
# page-piece data are removed, and so are the author and times of comments and notes. A document with active content (JavaScript, actions run on opening or on
# events, launching programs, embedded files, forms that submit or import data, rich media) is refused:
# it is not stored, and the sender is asked for a printed or scanned copy.
_PDF_ACTIVE_KEYS: Final = frozenset(
    {"/JS", "/JavaScript", "/AA", "/OpenAction", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia", "/XFA", "/EF"}
)
_PDF_ACTIVE_ACTIONS: Final = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR", "/RichMediaExecute", "/Rendition"}
)
_PDF_METADATA_KEYS: Final = ("/Metadata", "/PieceInfo")
# A comment's author (/T, the name of the user account that wrote it), its times and its reviewing state.
_PDF_ANNOTATION_KEYS: Final = ("/T", "/M", "/CreationDate", "/NM")


def _pdf_active(obj: pikepdf.Object, depth: int = 0) -> bool:
    """Return True if ``obj`` or a direct object inside it is active content (indirect ones are visited apart)."""
    if depth > 64:
        return True  # nesting no real document has
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        if _PDF_ACTIVE_KEYS.intersection(obj.keys()):
            return True
        if obj.get("/S") is not None and str(obj.get("/S")) in _PDF_ACTIVE_ACTIONS:
            return True
        children = [value for _key, value in obj.items()]
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return False
    return any(
        _pdf_active(child, depth + 1)
        for child in children
        if isinstance(child, pikepdf.Object) and not child.is_indirect
    )


def _pdf_clean_annotation(annotation: pikepdf.Object) -> None:
    """Remove the author and the times of a comment, highlight or note; a form field's name (/T) stays."""
    if not isinstance(annotation, pikepdf.Dictionary) or annotation.get("/Subtype") == pikepdf.Name.Widget:
        return
    for key in _PDF_ANNOTATION_KEYS:
        if key in annotation:
            del annotation[key]
    popup = annotation.get("/Popup")
    if isinstance(popup, pikepdf.Dictionary):
        for key in _PDF_ANNOTATION_KEYS:
            if key in popup:
                del popup[key]


def _clean_pdf(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Object) and _pdf_active(obj):
                raise Refused(Problem.ACTIVE_DOCUMENT)
        if _pdf_active(pdf.trailer) or _pdf_active(pdf.Root):
            raise Refused(Problem.ACTIVE_DOCUMENT)
        for key in ("/Info", "/ID"):  # the original /ID is the file's permanent identifier
            if key in pdf.trailer:
                del pdf.trailer[key]
        for obj in pdf.objects:
            target = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
            if isinstance(target, pikepdf.Dictionary):
                for key in _PDF_METADATA_KEYS:
                    if key in target:
                        del target[key]
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", pikepdf.Array()):
                _pdf_clean_annotation(annotation)
        for key in _PDF_METADATA_KEYS:
            if key in pdf.Root:
                del pdf.Root[key]
        out = io.BytesIO()
        # static_id: the same fixed /ID for every file, so the identifier links the file to nothing.
        pdf.save(out, static_id=True, encryption=False, fix_metadata_version=False)
    return out.getvalue()


_WHOLE_FILE_CLEANERS: Final[dict[FileType, Callable[[bytes], bytes]]] = {
    filetypes.MP4: _clean_iso_media,
    filetypes.M4A: _clean_iso_media,
    filetypes.QUICKTIME: _clean_iso_media,
    filetypes.THREE_GPP: _clean_iso_media,
    filetypes.THREE_GPP2: _clean_iso_media,
    filetypes.MP3: _clean_mp3,
    filetypes.OGG: _clean_ogg,
    filetypes.WAV: _clean_wav,
    filetypes.AMR: _clean_amr,
    filetypes.AMR_WB: _clean_amr,
    filetypes.PDF: _clean_pdf,
}
