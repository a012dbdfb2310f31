"""Builders for tips: through the real envelope, and as the public form's POST data."""

from __future__ import annotations

import html as html_lib
import io
import os
import re
import time
from typing import Any

import pikepdf
import pytest
from django.conf import settings
from django.test import Client

from org.models import Facility
from tipline import abuse
from tipline.models import Category, SmugglingChannel, StaffInvolved, Tip, WhenPeriod
from tipline.services import TipSubmission, tip_submit


def submit_tip(*, facility: Facility, **overrides: Any) -> tuple[Tip, str]:
    """Submit a tip with sensible defaults; return the tip and its receipt."""
    fields: dict[str, Any] = {
        "facility": facility,
        "category": Category.PHONES,
        "smuggling_channel": SmugglingChannel.VISITORS,
        "staff_involved": StaffInvolved.NO,
        "when_period": WhenPeriod.THIS_WEEK,
        "occurred_on": None,
        "description": "Visitors bring phones in food containers on Sundays.",
        "contact": "",
    }
    fields.update(overrides)
    return tip_submit(submission=TipSubmission(**fields))


def form_token(form: str = abuse.FORM_REPORT, *, age_seconds: float | None = None) -> str:
    """Return a form token for `form` issued `age_seconds` ago (by default just past the minimum fill time)."""
    if age_seconds is None:
        age_seconds = settings.TIPLINE_FORM_MIN_FILL_SECONDS + 1
    return abuse.form_token_issue(form, issued_at=abuse._now() - age_seconds)


def report_data(facility: Facility, **overrides: object) -> dict[str, object]:
    """Return a valid POST to /report/ for `facility`, with `overrides` applied.

    It carries a fresh form token, old enough to pass the minimum fill time: call
    it again for every report (a token is accepted once).
    """
    data: dict[str, object] = {
        abuse.TOKEN_FIELD: form_token(),
        "facility": facility.pk,
        "category": "phones",
        "smuggling_channel": "visitors",
        "when_period": "date",
        "occurred_on": "2026-11-01",
        "description": "Un técnico del pabellón 3 recibe celulares de visitas los domingos.",
        "staff_involved": "no",
        "contact": "",
    }
    data.update(overrides)
    return data


def receipt_from(html: str) -> str:
    """Return the tracking code shown on a receipt page."""
    match = re.search(r'id="receipt">(\d{4} \d{4} \d{4} \d{4})<', html)
    assert match, "no receipt code on the page"
    return match.group(1)


def hidden_inputs(html: str) -> dict[str, str]:
    """Return every `<input type="hidden">` of a page by name, as a load tool or a browser sends them back."""
    found: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        if re.search(r'\btype="hidden"', tag):
            name = re.search(r'\bname="([^"]*)"', tag)
            value = re.search(r'\bvalue="([^"]*)"', tag)
            if name:
                found[name.group(1)] = html_lib.unescape(value.group(1)) if value else ""
    return found


class FakeClock:
    """Stands in for tipline.abuse's clock: time moves only when a test moves it."""

    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def use_fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Run tipline.abuse on a FakeClock for the rest of the test, and fail the test if anything sleeps.

    A web worker that sleeps while a visitor waits for a bucket is held from every other
    visitor (staff included); nothing on the public side may wait that way.
    """
    clock = FakeClock()
    monkeypatch.setattr(abuse, "_now", clock.time)
    monkeypatch.setattr(time, "sleep", forbidden_sleep)
    return clock


def forbidden_sleep(seconds: float) -> None:
    raise AssertionError(f"a web worker slept {seconds} s instead of answering at once")


def public_client(language: str = "en") -> Client:
    """Return a whistleblower's client that chose `language` with the site's switch."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def pdf_bytes(size: int = 2000, *, text: str = "Acta del 3 de marzo") -> bytes:
    """Return a real one-page PDF of exactly ``size`` bytes (at least about 700): a page, and random padding.

    Uploaded PDFs must parse (tipline/metadata.py rewrites them with pikepdf), so tests
    that need "a PDF of n bytes" get a real one; the padding is an uncompressed stream.
    """

    def build(padding: int) -> bytes:
        document = pikepdf.new()
        document.add_blank_page()
        document.pages[0].Contents = document.make_stream(f"% {text}\n".encode() + os.urandom(padding))
        out = io.BytesIO()
        document.save(out, compress_streams=False, static_id=True)
        return out.getvalue()

    padding = 0
    for _attempt in range(4):
        data = build(padding)
        if len(data) == size:
            return data
        padding = max(0, padding + size - len(data))
    raise ValueError(f"no PDF of exactly {size} bytes")
