"""Fuzzing the public pages that take no form: the landing page, the health check and the language switch.

Random query strings, methods, cookies and headers never break a page; the language
switch never sends anyone to another site, whatever `next` says, and keeps no file.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from fuzz.budget import Target, fuzz_settings
from fuzz.figures import FuzzLog
from fuzz.harness import Stored, assert_nothing_stored, send, stays_on_site
from fuzz.strategies import UploadSpec, hostile_text, query_strings, unicode_text, uploads
from tests.fuzz.conftest import FUZZ_MAX_ATTACHMENT_BYTES

pytestmark = pytest.mark.django_db

LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
COOKIE_TEXT = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=';,\\"'), max_size=60)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80)


@st.composite
def visitor(draw: st.DrawFn) -> dict[str, str]:
    """The headers a visitor (or a bot) may send: languages, random cookies, odd hosts are left out (400 by design)."""
    headers = {"HTTP_ACCEPT_LANGUAGE": draw(HEADER_TEXT)}
    cookies = {
        settings.LANGUAGE_COOKIE_NAME: draw(COOKIE_TEXT),
        settings.SESSION_COOKIE_NAME: draw(COOKIE_TEXT),
        settings.VAULT_COOKIE_NAME: draw(COOKIE_TEXT),
        settings.CSRF_COOKIE_NAME: draw(COOKIE_TEXT),
    }
    kept = draw(st.lists(st.sampled_from(sorted(cookies)), unique=True))
    if kept:
        headers["HTTP_COOKIE"] = "; ".join(f"{name}={cookies[name]}" for name in kept)
    return headers


# The health check is for monitors, not people: a tenth of the landing page's budget.
@pytest.mark.parametrize(("path", "ok_status", "share"), [("/", 200, 1.0), ("/healthz", 200, 0.1)])
def test_pages_answer_any_query_string_method_and_cookie(path: str, ok_status: int, share: float, log: FuzzLog) -> None:
    target = f"GET {path}"

    @fuzz_settings(Target.PUBLIC, share=share)
    @given(
        query=query_strings(),
        method=st.sampled_from(["GET"] * 6 + ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "HEAD"]),
        headers=visitor(),
    )
    def check(query: str, method: str, headers: dict[str, str]) -> None:
        response = send(Client(), log, target, method, path, QUERY_STRING=query, **headers)
        if method in ("GET", "HEAD") or (method == "OPTIONS" and path == "/"):
            assert response.status_code in (ok_status, 405)
            if method == "GET":
                assert response.status_code == ok_status
                if path == "/healthz":
                    assert json.loads(response.content)["status"] == "ok"
        else:
            assert response.status_code == 405

    check()


NEXT_TRAPS = (
    "https://evil.example/",
    "//evil.example/report/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "http:/evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "http://testserver@evil.example/",
    "http://evil.example\\@testserver/",
    "https://testserver.evil.example/",
    "///evil.example",
    "/report/?next=//evil.example",
    "http://testserver/followup/",
    "/report/",
    "",
)


NEXT_TRAPS_MIXED = st.builds(
    lambda prefix, trap: prefix + trap,
    st.sampled_from(["", "/", " ", "\x00", "%00", "\u202e"]),
    st.sampled_from(NEXT_TRAPS),
)


def test_language_switch_never_redirects_off_site_and_keeps_no_file(log: FuzzLog) -> None:
    target = "POST /i18n/setlang/"

    @fuzz_settings(Target.PUBLIC)
    @given(
        language=st.sampled_from(["es", "en", "EN", "es-pe", "fr", "", "en\x00"]) | unicode_text(8),
        next_url=st.sampled_from(NEXT_TRAPS) | hostile_text(huge=False) | NEXT_TRAPS_MIXED,
        method=st.sampled_from(["POST", "POST", "POST", "GET"]),
        files=st.lists(uploads(FUZZ_MAX_ATTACHMENT_BYTES), max_size=1),
    )
    def check(language: str, next_url: str, method: str, files: list[UploadSpec]) -> None:
        client = Client()
        before = Stored.now()
        if method == "GET":
            response = send(
                client,
                log,
                "GET /i18n/setlang/",
                "GET",
                "/i18n/setlang/",
                data={"language": language, "next": next_url},
            )
        else:
            data: dict[str, object] = {"language": language, "next": next_url}
            if files:
                data["attachments"] = [upload.as_upload() for upload in files]
            response = send(client, log, target, "POST", "/i18n/setlang/", data=data)
        assert_nothing_stored(log, target, before, response)
        assert response.status_code in (302, 204, 405)
        if response.status_code == 302:
            assert stays_on_site(response["Location"], base_path="/i18n/setlang/"), (
                f"redirected off the site to {response['Location']!r}"
            )
        chosen = client.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen is not None and chosen.value:
            # Django keeps any language it ships a catalogue for (the site then falls back to Spanish),
            # but never junk: the cookie holds a language tag and nothing else.
            assert LANGUAGE_TAG.fullmatch(chosen.value), f"language cookie holds {chosen.value!r}"

    check()
