"""DESIGN.md section 8 on every public page: strict CSP, no referrer, no caching, nothing third-party."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import StaffMember

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/report/", "/followup/", "/results/"]
STAFF_PAGES = ["/staff/login/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES + STAFF_PAGES)
def test_headers_forbid_third_parties_referrers_and_caching(cast: dict[str, StaffMember], path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", PUBLIC_PAGES + STAFF_PAGES)
def test_pages_load_nothing_from_another_host_and_need_no_javascript(cast: dict[str, StaffMember], path: str) -> None:
    html = Client().get(path).content.decode()
    assert not re.search(r'(src|href|action)="(https?:)?//', html), "a resource from another host"
    # The only script is the optional proof of work of the report form: served by the app, never inline.
    # (That every page works without it is what tests/e2e checks, with JavaScript switched off.)
    for tag in re.findall(r"<script[^>]*>[^<]*</script>", html):
        assert re.fullmatch(r'<script src="/static/tipline/proof-of-work\.js" defer></script>', tag), tag
    assert html.count("<script") == len(re.findall(r"<script[^>]*>[^<]*</script>", html))
    assert " style=" not in html, "inline styles are forbidden by the CSP"


@pytest.mark.parametrize("path", ["/report/", "/followup/"])
def test_the_csrf_cookie_of_a_public_form_is_a_session_cookie(cast: dict[str, StaffMember], path: str) -> None:
    """No expiry date: the cookie neither outlives the browser session nor dates the first visit."""
    cookie = Client().get(path).cookies[settings.CSRF_COOKIE_NAME]
    assert cookie.value
    assert not cookie["expires"] and not cookie["max-age"]


def test_static_files_reference_no_other_host() -> None:
    for path in Path(settings.BASE_DIR, "static").rglob("*.css"):
        css = path.read_text()
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css), path


def test_public_side_speaks_spanish_by_default_and_english_on_request(cast: dict[str, StaffMember]) -> None:
    client = Client()
    assert '<html lang="es">' in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


def test_healthz_reports_the_database(cast: dict[str, StaffMember]) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    if settings.REDIS_URL:
        assert body["checks"]["redis"] == "ok"


def test_unknown_pages_get_a_plain_404_in_the_visitors_language(cast: dict[str, StaffMember]) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()
    english = Client()
    english.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Page not found" in english.get("/no-such-page/").content.decode()


def test_the_browser_language_does_not_choose_for_the_visitor(cast: dict[str, StaffMember]) -> None:
    # Tor Browser always says en-US; the audience reads Spanish; English is an explicit choice.
    assert '<html lang="es">' in Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/").content.decode()
