"""The receipt page shown again after a reload or a lost response, without keeping the code in the clear.

On a slow link the page with the tracking code may never arrive, or the person
reloads it; the browser then sends the report form again, or asks /report/ again.
Neither may store a second report, and neither may show the filled form inviting one.

How: every report form carries a random key of its own (the hidden field FIELD),
made when the page is shown and kept by nobody on the server. When that form's
report is stored, the server seals the page (the code and the number of files)
under the key and keeps only the ciphertext, in the cache under a name derived from
the key, for about TIPLINE_RECEIPT_AGAIN_SECONDS. Then

- the same form sent again (a reload of the POST, or the resend after a lost
  response) carries the same key: the page is opened again, nothing is stored;
- once the ciphertext is gone, it gets a page that says the report arrived and how
  to follow it up at /followup/ (a marker without content says so for about a day);
- while the first sending is still being stored (a double click, a resend on a slow
  link), the second gets a page that says so and asks for a reload in a few seconds,
  not the form (a marker without content, for at most PENDING_SECONDS).

Why the key in the browser's form and the ciphertext on the server, not the reverse:
the code then exists on the server only as ciphertext that the server cannot open (a
Redis dump or a look at the cache shows nothing), and it disappears from there by
itself after the window, so the form's key opens nothing afterwards. No cookie is
set: the public side uses none beyond the CSRF cookie and the follow-up session
(DESIGN.md section 8), so a new visit to /report/ gets a new, empty form.

Nothing dates the person: the cache entries expire at the end of a slot (the window,
or the day) rather than a fixed time after the report, and nothing about the client
is read.
If the cache is down, the report still goes through; only the page cannot be shown
again.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

import envelope

logger = logging.getLogger(__name__)

FIELD = "receipt_again"
_KEY_PREFIX = "receipt-again"
_DAY = 86400
# Longer than storing a report takes (its Argon2 run, its files); a report whose storing failed is
# answered with the form again after this.
PENDING_SECONDS = 120

# An indirection so tests can run the clock without real time passing.
_now: Callable[[], float] = time.time


@dataclass(frozen=True)
class ReceiptAgain:
    """A report this browser already sent: its code while the window lasts, else only that it arrived.

    `pending`: the same form is being stored right now, by another request.
    """

    receipt: str | None = None
    attachment_count: int = 0
    pending: bool = False


def key_issue() -> str:
    """Return a new key for one report form, as the text of its hidden field."""
    return base64.urlsafe_b64encode(envelope.new_receipt_again_key()).decode("ascii")


def _key(text: str | None) -> bytes | None:
    if not text or len(text) > 64:
        return None
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return key if len(key) == 32 else None


def _slot_end(now: float, *, at_least: float, slot: float) -> float:
    """Return the first end of a `slot`-long period at least `at_least` seconds after `now`."""
    return math.ceil((now + at_least) / slot) * slot


def _names(key: bytes) -> tuple[str, str, str]:
    name = envelope.receipt_again_name(key)
    return f"{_KEY_PREFIX}:page:{name}", f"{_KEY_PREFIX}:arrived:{name}", f"{_KEY_PREFIX}:pending:{name}"


def _pending_mark(key_text: str, *, pending: bool) -> None:
    key = _key(key_text)
    if key is None:
        return
    pending_name = _names(key)[2]
    try:
        if pending:
            caches["default"].set(pending_name, 1, timeout=PENDING_SECONDS)
        else:
            caches["default"].delete(pending_name)
    except Exception:  # noqa: BLE001 - a cache failure: the report goes on, only the mark is missing
        logger.warning("cache unavailable: the receipt page cannot be shown again")


@contextlib.contextmanager
def receipt_storing(key_text: str) -> Iterator[None]:
    """Mark the report of this form as being stored while the block runs, so a second sending waits for it.

    If the block fails (the intake unavailable, the database gone mid-report), nothing
    was stored: the mark goes, so the same form sent again is stored rather than told it
    is being received. After success the mark stays until receipt_keep replaces it.
    """
    _pending_mark(key_text, pending=True)
    try:
        yield
    except BaseException:
        _pending_mark(key_text, pending=False)
        raise


def receipt_keep(*, key_text: str, receipt: str, attachment_count: int) -> bool:
    """Keep the receipt page of a report just stored, sealed under the form's key, for the window.

    Return whether it was kept (not with a missing or malformed key, or a cache that is down).
    """
    key = _key(key_text)
    if key is None:
        return False
    page_name, arrived_name, pending_name = _names(key)
    now = _now()
    window = max(settings.TIPLINE_RECEIPT_AGAIN_SECONDS, 1)
    until = _slot_end(now, at_least=window, slot=window)
    payload = json.dumps({"r": receipt, "n": attachment_count, "u": until}).encode()
    sealed = envelope.seal_receipt_again(payload, key=key)
    arrived_until = _slot_end(now, at_least=_DAY, slot=_DAY)

    def keep() -> None:
        cache = caches["default"]
        cache.set(page_name, sealed, timeout=math.ceil(until - now))
        cache.set(arrived_name, 1, timeout=math.ceil(arrived_until - now))
        cache.delete(pending_name)

    try:
        keep()
    except Exception:  # noqa: BLE001 - a cache failure must not lose the report that was just stored
        logger.warning("cache unavailable: the receipt page cannot be shown again")
        return False
    return True


def receipt_find(key_text: str | None) -> ReceiptAgain | None:
    """Return the report sent with this key (its code while the window lasts), or None if there is none."""
    key = _key(key_text)
    if key is None:
        return None
    page_name, arrived_name, pending_name = _names(key)
    try:
        found = caches["default"].get_many([page_name, arrived_name, pending_name])
    except Exception:  # noqa: BLE001 - a cache failure: show the form, as if nothing had been sent
        logger.warning("cache unavailable: the receipt page cannot be shown again")
        return None
    sealed = found.get(page_name)
    if sealed is not None:
        try:
            page = json.loads(envelope.open_receipt_again(sealed, key=key))
        except (envelope.CryptoError, ValueError):
            page = None
        if page is not None and _now() < float(page["u"]):
            return ReceiptAgain(receipt=envelope.format_receipt(str(page["r"])), attachment_count=int(page["n"]))
    if found.get(arrived_name) is not None:
        return ReceiptAgain()
    if found.get(pending_name) is not None:
        return ReceiptAgain(pending=True)
    return None
