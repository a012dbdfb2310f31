"""Strip identifying metadata from JPEG and PNG uploads while they stream.

The upload handler encrypts files as they arrive, so the plaintext must never
be held whole in memory or written to disk.  The strippers here are therefore
incremental state machines: each call to ``feed`` takes an arbitrary chunk
(down to a single byte) and returns the cleaned bytes that can be emitted
straight away.  Memory use is bounded by one segment/chunk header plus a
16-byte look-ahead, whatever the file size.

Stripping is lossless: only whole metadata segments/chunks are removed, pixel
data is never decoded or re-encoded.

What is removed
---------------
JPEG:
    APP1 (EXIF, XMP), APP3..APP13 (APP13 is IPTC/Photoshop), APP15, COM, and
    APP2/APP14 unless they are an ICC profile (``ICC_PROFILE\\0``) or an Adobe
    colour-transform segment (``Adobe``), wherever they occur (also between
    the scans of a progressive JPEG).  APP0 (JFIF) and all coding segments are
    kept; entropy-coded data is scanned for its next marker and passed through.
    Everything after EOI is dropped: the secondary images of a multi-picture
    (MPO) file and vendor trailers can carry their own EXIF and GPS.
PNG:
    tEXt, zTXt, iTXt, eXIf and tIME chunks, wherever they occur.  All other
    chunks are kept byte for byte (including their CRC).

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
silently.

Every emitted byte is an input byte emitted once, so output is never longer
than input.
"""

from __future__ import annotations

from typing import Final, Protocol

__all__ = [
    "JpegStripper",
    "MetadataStripper",
    "PngStripper",
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
# identifier: they carry colour information the image cannot do without.
_JPEG_PEEK_PREFIX: Final = {
    0xE2: b"ICC_PROFILE\x00",
    0xEE: b"Adobe",
}

# RSTn, TEM and SOI carry no length field.
_JPEG_STANDALONE: Final = frozenset({0x01, 0xD8, *range(0xD0, 0xD8)})
_JPEG_SOS: Final = 0xDA
_JPEG_EOI: Final = 0xD9
_JPEG_APP0: Final = 0xE0
_JPEG_COM: Final = 0xFE


def _jpeg_policy(marker: int) -> int:
    if marker == _JPEG_APP0:
        return _KEEP
    if marker in _JPEG_PEEK_PREFIX:
        return _PEEK
    if 0xE1 <= marker <= 0xEF or marker == _JPEG_COM:
        return _DROP
    return _KEEP


class JpegStripper(_StreamStripper):
    """Remove EXIF, XMP, IPTC, comments and other APPn metadata from a JPEG stream."""

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
        if bytes(self._pending[4:]) == _JPEG_PEEK_PREFIX[self._marker]:
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

_PNG_DROP: Final = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})
_PNG_MAX_LENGTH: Final = 2**31 - 1  # limit set by the PNG specification
_ASCII_LETTERS: Final = frozenset(range(0x41, 0x5B)) | frozenset(range(0x61, 0x7B))


class PngStripper(_StreamStripper):
    """Remove text, EXIF and timestamp chunks from a PNG stream."""

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
        if ctype in _PNG_DROP:
            self._pending.clear()
            self._state = _P_SKIP
        else:
            self._flush_pending(out)
            self._state = _P_KEEP
