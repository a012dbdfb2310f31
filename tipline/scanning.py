"""Scan attachment plaintext with ClamAV's clamd, over its INSTREAM command.

The PyPI clients (``clamd``, ``pyclamd``) are unmaintained and the protocol is a
few lines: send ``zINSTREAM\\0``, then each chunk prefixed by its length as a
4-byte big-endian number, then a zero length; clamd answers ``stream: OK`` or
``stream: <signature> FOUND`` (or an ``... ERROR``), NUL-terminated.

A scan is fed exactly the bytes that are stored, as they are encrypted, so no
plaintext copy is ever made for it. Whatever goes wrong with the scanner (not
configured, not running, too slow, an error answer) gives ``Verdict.UNAVAILABLE``:
the caller keeps the file, marked not scanned, and it is scanned later. Nothing
about the file or its sender is logged here.

Settings: TIPLINE_CLAMD_SOCKET (a unix socket) or TIPLINE_CLAMD_HOST and
TIPLINE_CLAMD_PORT, and TIPLINE_CLAMD_TIMEOUT_SECONDS for each connect, send and
answer. The project's own clamd for the demo and tests: tipline/clamd_local.py.
"""

from __future__ import annotations

import enum
import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

# clamd closes a stream larger than its StreamMaxLength; chunks are sent at most this big.
CHUNK_BYTES = 64 * 1024
ANSWER_BYTES = 4096


class Verdict(enum.Enum):
    CLEAN = "clean"
    INFECTED = "infected"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class ScanResult:
    verdict: Verdict
    signature: str = ""


UNAVAILABLE = ScanResult(Verdict.UNAVAILABLE)


def _connect() -> socket.socket | None:
    timeout = settings.TIPLINE_CLAMD_TIMEOUT_SECONDS
    if settings.TIPLINE_CLAMD_SOCKET:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address: str | tuple[str, int] = settings.TIPLINE_CLAMD_SOCKET
    elif settings.TIPLINE_CLAMD_HOST:
        sock = socket.socket(socket.AF_INET6 if ":" in settings.TIPLINE_CLAMD_HOST else socket.AF_INET)
        address = (settings.TIPLINE_CLAMD_HOST, settings.TIPLINE_CLAMD_PORT)
    else:
        return None
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        return None
    return sock


def parse_answer(answer: bytes) -> ScanResult:
    """Return the verdict of a clamd answer to INSTREAM (``stream: OK``, ``stream: <name> FOUND``, or an error)."""
    text = answer.rstrip(b"\0\n").decode("utf-8", "replace")
    _, _, status = text.partition(": ")
    if status == "OK":
        return ScanResult(Verdict.CLEAN)
    if status.endswith(" FOUND"):
        return ScanResult(Verdict.INFECTED, signature=status.removesuffix(" FOUND"))
    return UNAVAILABLE


class StreamScan:
    """One INSTREAM scan fed chunk by chunk; ``finish`` returns the verdict.

    Never raises for a scanner problem: once the scanner fails, further chunks are
    ignored and the verdict is UNAVAILABLE.
    """

    def __init__(self) -> None:
        self._sock = _connect()
        if self._sock is not None and not self._send(b"zINSTREAM\0"):
            self._sock = None

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def _send(self, data: bytes) -> bool:
        assert self._sock is not None
        try:
            self._sock.sendall(data)
        except OSError:
            self.abort()
            return False
        return True

    def feed(self, data: bytes) -> None:
        """Send the next bytes of the file to the scanner."""
        for start in range(0, len(data), CHUNK_BYTES):
            if self._sock is None:
                return
            chunk = data[start : start + CHUNK_BYTES]
            self._send(struct.pack("!L", len(chunk)) + chunk)

    def finish(self) -> ScanResult:
        """End the stream and return clamd's verdict (UNAVAILABLE if it cannot be had in time)."""
        if self._sock is None or not self._send(struct.pack("!L", 0)):
            return UNAVAILABLE
        assert self._sock is not None
        answer = b""
        try:
            while b"\0" not in answer and len(answer) < ANSWER_BYTES:
                received = self._sock.recv(ANSWER_BYTES)
                if not received:
                    break
                answer += received
        except OSError:
            return UNAVAILABLE
        finally:
            self.abort()
        return parse_answer(answer)

    def abort(self) -> None:
        """Drop the connection: the file is not being stored, or the scanner failed."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def scanner_configured() -> bool:
    """Return whether a clamd address is set (whether or not it answers)."""
    return bool(settings.TIPLINE_CLAMD_SOCKET or settings.TIPLINE_CLAMD_HOST)


def scan_chunks(chunks: Iterable[bytes]) -> ScanResult:
    """Scan a whole file given as chunks of plaintext (a stored attachment, decrypted in memory).

    The chunks are not read when the scanner cannot be reached.
    """
    scan = StreamScan()
    if not scan.connected:
        return UNAVAILABLE
    for chunk in chunks:
        scan.feed(chunk)
    return scan.finish()
