"""Production settings pass Django's deployment checks, and the cookies are host-only, Secure and Strict.

A reviewer's questions: with the environment of a real deployment, does
`manage.py check --deploy --fail-level WARNING` pass with no warning, and does it
fail when one protection is turned off; does every cookie the public side sets
carry the __Host- prefix, Secure, HttpOnly, SameSite=Strict and Path=/ with no
Domain; and does the plain-http demo keep names a browser accepts there?
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from http.cookies import Morsel
from pathlib import Path

import pytest
from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import form_token, public_client, submit_tip
from tipline import abuse

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment of a deployment behind HTTPS, with its own var/ directory and its own secrets."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TIPLINE_VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "TIPLINE_RECEIPT_PEPPER": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "denuncias.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://denuncias.example.org",
        "SECURE_SSL_REDIRECT": "1",
    }
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_HSTS_INCLUDE_SUBDOMAINS": "0"}, "security.W005"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"SECRET_KEY": "too-short"}, "security.W009"),
        ({"DEBUG": "1"}, "security.W018"),
    ],
)
def test_turning_a_protection_off_fails_the_deployment_checks(
    tmp_path: Path, overrides: dict[str, str], check_id: str
) -> None:
    result = manage(production_env(tmp_path, **overrides), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert check_id in result.stderr


def test_the_silenced_csrf_check_is_covered_by_our_subclass_of_the_csrf_middleware() -> None:
    """security.W003 only looks for Django's dotted name; the middleware in use must still be a CsrfViewMiddleware."""
    assert settings.SILENCED_SYSTEM_CHECKS == ["security.W003"]
    assert any(issubclass(import_string(path), CsrfViewMiddleware) for path in settings.MIDDLEWARE)


COOKIE_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n) for n in "
    "['SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'LANGUAGE_COOKIE_NAME', 'VAULT_COOKIE_NAME', "
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'LANGUAGE_COOKIE_SECURE', 'SECURE_HSTS_PRELOAD', "
    "'SECURE_HSTS_SECONDS']}))"
)


def cookie_settings(env: dict[str, str]) -> dict[str, object]:
    result = manage(env, "shell", "-c", COOKIE_SETTINGS)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_production_cookies_are_host_only_and_secure(tmp_path: Path) -> None:
    assert cookie_settings(production_env(tmp_path)) == {
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "LANGUAGE_COOKIE_NAME": "__Host-django_language",
        "VAULT_COOKIE_NAME": "__Host-tipline_vault",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_HSTS_SECONDS": 31536000,
    }


def test_hsts_is_on_for_a_year_unless_set_and_off_for_the_demo(tmp_path: Path) -> None:
    """production_env() does not set SECURE_HSTS_SECONDS: the production default is one year."""
    assert "SECURE_HSTS_SECONDS" not in production_env(tmp_path)
    assert cookie_settings(production_env(tmp_path))["SECURE_HSTS_SECONDS"] == 31536000
    assert cookie_settings(production_env(tmp_path, SECURE_HSTS_SECONDS="600"))["SECURE_HSTS_SECONDS"] == 600
    assert cookie_settings(production_env(tmp_path, DEBUG="1"))["SECURE_HSTS_SECONDS"] == 0


def test_the_plain_http_demo_keeps_plain_cookie_names(tmp_path: Path) -> None:
    """`make run` serves http://127.0.0.1:8000, where a browser refuses __Host- (Secure) cookies."""
    names = cookie_settings(production_env(tmp_path, DEBUG="1"))
    assert names["SESSION_COOKIE_NAME"] == "sessionid"
    assert names["VAULT_COOKIE_NAME"] == "tipline_vault"
    assert names["SESSION_COOKIE_SECURE"] is False


# --- the cookies a whistleblower's browser receives ---------------------------------------------------------


def assert_host_only_strict(cookie: Morsel[str], *, httponly: bool = True) -> None:
    assert cookie.key.startswith("__Host-"), cookie.key
    assert cookie["secure"] is True, cookie.OutputString()
    assert bool(cookie["httponly"]) is httponly, cookie.OutputString()
    assert cookie["samesite"] == "Strict", cookie.OutputString()
    assert cookie["path"] == "/", cookie.OutputString()
    assert cookie["domain"] == "", cookie.OutputString()


@pytest.mark.django_db
def test_opening_a_report_sets_host_only_secure_strict_cookies(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    assert settings.SECURE_COOKIES  # the suite runs with the production default (DEBUG off)
    _tip, receipt = submit_tip(facility=facilities["lurigancho"])
    client = public_client("en")

    form = client.get("/followup/")
    assert_host_only_strict(form.cookies[settings.CSRF_COOKIE_NAME])

    opened = client.post(
        "/followup/", {"receipt": receipt, abuse.TOKEN_FIELD: form_token(abuse.FORM_RECEIPT, age_seconds=1)}
    )
    assert opened.status_code == 302
    assert {settings.SESSION_COOKIE_NAME, settings.VAULT_COOKIE_NAME} <= set(opened.cookies)
    for name in (settings.SESSION_COOKIE_NAME, settings.VAULT_COOKIE_NAME):
        assert_host_only_strict(opened.cookies[name])
    assert opened["Cache-Control"] == "no-store, max-age=0"

    thread = client.get("/followup/")
    assert thread.status_code == 200
    assert "Cache-Control" in thread and "no-store" in thread["Cache-Control"]

    closed = client.post("/followup/", {"action": "close"})
    vault = closed.cookies[settings.VAULT_COOKIE_NAME]
    assert vault.value == ""
    assert vault["secure"] is True and vault["path"] == "/"


@pytest.mark.django_db
def test_the_language_switch_sets_a_host_only_cookie(cast: dict[str, StaffMember]) -> None:
    response = public_client("es").post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert_host_only_strict(response.cookies[settings.LANGUAGE_COOKIE_NAME])
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_the_messages_cookie_is_host_only(cast: dict[str, StaffMember]) -> None:
    """A flash message (here: "You were logged out on all devices.") travels in a __Host- cookie."""
    from tests.conftest import staff_client

    response = staff_client("manager").post("/staff/account/logout-everywhere/")
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert_host_only_strict(response.cookies["__Host-messages"])
