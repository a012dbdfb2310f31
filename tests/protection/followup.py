"""Helpers for the whistleblower's protection tests: open a report at /followup/ and post its protection forms."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from django.utils import formats, translation

from tests.factories import hidden_inputs, public_client

FOLLOWUP = "/followup/"


def open_followup(code: str) -> Client:
    """Return a whistleblower's client (English) with the report of `code` opened at /followup/."""
    client = public_client()
    page = client.get(FOLLOWUP).content.decode()
    response = client.post(FOLLOWUP, {**hidden_inputs(page), "receipt": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def form_of(html: str, action: str) -> dict[str, str]:
    """Return the hidden inputs (form token included) of the form on the page that posts to `action`."""
    match = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form posting to {action}"
    return hidden_inputs(match.group(1))


def post_form(client: Client, page_url: str, action: str, data: dict[str, str]) -> tuple[int, str, str]:
    """Open `page_url`, send its form for `action` with `data`; return the status, the page and where it went."""
    page = client.get(page_url).content.decode()
    response = client.post(action, {**form_of(page, action), **data})
    return response.status_code, response.content.decode(), response.get("Location", "")


def shown(day: datetime.date) -> str:
    """Return `day` as the English pages write it."""
    with translation.override("en"):
        return str(formats.date_format(day, "DATE_FORMAT"))
