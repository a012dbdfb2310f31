"""What the simulated whistleblowers did and saw, recorded while the load runs.

Pure bookkeeping (no Django, no network): the load generator writes it from its
threads, the verifier and the figures read it afterwards. Every tip carries a
unique marker in its description, so a tip can be found again in the database
even when the client never saw its receipt (a connection cut after the commit).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

# What a person pressing "send" may see instead of the page they expected.
CONNECTION_REFUSED = "connection refused"
CONNECTION_RESET = "connection reset"
TIMEOUT = "timeout"
# The status a reverse proxy answers when the node it was talking to died mid-request (scale/).
PROXY_ERROR = 502


@dataclass(frozen=True)
class SentFile:
    """A file as the client sent it, and the bytes the server must keep (metadata removed)."""

    name: str
    content_type: str
    data: bytes
    expected: bytes

    @property
    def expected_sha256(self) -> str:
        return hashlib.sha256(self.expected).hexdigest()


@dataclass
class SentReply:
    """A whistleblower's reply; `accepted` once the server answered with the thread (a redirect)."""

    body: str
    files: list[SentFile]
    accepted: bool = False
    attempts: int = 0


@dataclass
class SentTip:
    """A report as typed by the client; `receipt` is the code the receipt page showed, if any."""

    marker: str
    description: str
    files: list[SentFile]
    receipt: str | None = None
    attempts: int = 0
    replies: list[SentReply] = field(default_factory=list)


@dataclass(frozen=True)
class Sample:
    """One HTTP exchange: when (seconds after the load started), what, how long, and the outcome."""

    endpoint: str
    at: float
    ms: float
    status: int | None
    error: str | None = None


class Ledger:
    """Thread-safe record of every request, tip and reply of one run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.samples: list[Sample] = []
        self.tips: list[SentTip] = []
        self.retries = 0
        # For every 503 page: the endpoint, and whether the page still showed what the person typed.
        self.unavailable_pages: list[tuple[str, bool]] = []

    def record(self, sample: Sample) -> None:
        with self._lock:
            self.samples.append(sample)

    def add_tip(self, tip: SentTip) -> None:
        with self._lock:
            self.tips.append(tip)

    def record_unavailable(self, endpoint: str, *, text_kept: bool) -> None:
        with self._lock:
            self.unavailable_pages.append((endpoint, text_kept))

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def receipts(self) -> list[SentTip]:
        """Return the tips whose receipt the client saw."""
        with self._lock:
            return [tip for tip in self.tips if tip.receipt]
