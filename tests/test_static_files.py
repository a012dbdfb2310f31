"""Production has its stylesheets: collected under hashed names, served by every node, cached for good.

A reviewer's questions: does `manage.py collectstatic --noinput` work from a clean checkout with
DEBUG off; do the pages then name files by their hashed names, and do those files exist; does the
node itself (WhiteNoise, no proxy needed) answer them gzipped and with a year-long immutable
Cache-Control; does the public side load neither full Bootstrap nor any Bootstrap script?
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.conf import LazySettings, settings
from django.core.management import call_command
from django.test import Client

import config.settings as production_settings
from tests.test_deploy_settings import manage, production_env

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
STYLESHEET_RE = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
HASHED_RE = re.compile(r"^/static/.+\.[0-9a-f]{12}\.(css|js)$")
YEAR_SECONDS = 365 * 24 * 60 * 60


@pytest.fixture
def collected(settings: LazySettings, tmp_path: Path) -> Path:
    """Collect the static files as production does (hashed names, gzip copies) into a directory of the test's.

    WhiteNoise then serves them as in production: the files collected, listed once when the middleware loads.
    """
    return collect_static_as_in_production(settings, tmp_path / "static")


def collect_static_as_in_production(settings: LazySettings, static_root: Path) -> Path:
    """Run `collectstatic` with production's storage into `static_root`, and serve from there as production does."""
    settings.STATIC_ROOT = static_root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", interactive=False, verbosity=0)
    return static_root


def stylesheets(html: str) -> list[str]:
    return STYLESHEET_RE.findall(html)


def test_production_serves_static_files_from_the_app_itself() -> None:
    assert production_settings.DEBUG is False
    assert production_settings.STORAGES["staticfiles"] == {"BACKEND": MANIFEST_STORAGE}
    middleware = production_settings.MIDDLEWARE
    assert middleware[0] == "tipline.middleware.StripClientIdentityMiddleware"
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"


def test_collectstatic_works_from_a_clean_checkout_with_debug_off(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path), "collectstatic", "--noinput")
    assert result.returncode == 0, result.stdout + result.stderr
    static_root = tmp_path / "var" / "static"
    assert (static_root / "staticfiles.json").exists()
    assert list((static_root / "tipline").glob("bootstrap-public.*.css.gz"))


@pytest.mark.django_db
def test_the_landing_page_names_hashed_files_that_exist(collected: Path) -> None:
    html = Client().get("/").content.decode()
    hrefs = stylesheets(html)
    assert len(hrefs) == 3
    for href in hrefs:
        assert HASHED_RE.match(href), href
        assert (collected / href.removeprefix(settings.STATIC_URL)).is_file()


@pytest.mark.django_db
def test_the_node_serves_them_gzipped_and_cached_for_good(collected: Path) -> None:
    client = Client()  # a new client loads the middleware now, and WhiteNoise finds the collected files
    for href in stylesheets(client.get("/").content.decode()):
        response = client.get(href, HTTP_ACCEPT_ENCODING="gzip, br")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert "immutable" in response["Cache-Control"]
        max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))  # type: ignore[union-attr]
        assert max_age >= YEAR_SECONDS
        assert "Access-Control-Allow-Origin" not in response
        body = gzip.decompress(b"".join(response.streaming_content))  # type: ignore[attr-defined]
        assert body == (collected / href.removeprefix(settings.STATIC_URL)).read_bytes()


@pytest.mark.django_db
def test_without_gzip_the_node_sends_the_plain_file(collected: Path) -> None:
    client = Client()
    href = stylesheets(client.get("/").content.decode())[0]
    response = client.get(href)
    assert "Content-Encoding" not in response
    assert b"".join(response.streaming_content).startswith(b'@charset "UTF-8";')  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.usefixtures("facilities")
@pytest.mark.parametrize("path", ["/", "/report/", "/followup/", "/no-such-page/"])
def test_public_pages_load_no_full_bootstrap_and_no_bootstrap_script(client: Client, path: str) -> None:
    html = client.get(path).content.decode()
    assert "vendor/bootstrap" not in html
    assert "tipline/bootstrap-public.css" in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert all("proof-of-work" in tag for tag in scripts), scripts


@pytest.mark.django_db
def test_the_staff_side_keeps_full_bootstrap(client: Client) -> None:
    html = client.get("/staff/login/", follow=True).content.decode()
    assert "vendor/bootstrap/bootstrap.min.css" in html
