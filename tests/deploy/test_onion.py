"""The onion service: tor's configuration, the address it makes, and how the app presents it.

A reviewer's questions (this machine cannot reach the Tor network, so tor runs with the network off):
does `tor --verify-config` accept the rendered torrc; does tor, started with it, make a v3 address whose
checksum and version byte are right and which is the key it stored; does the app accept that address
from tor's hostname file and refuse anything else with one clear line; do clear-web public pages point
Tor Browser to the onion (`Onion-Location`), but not staff pages nor pages already served over the onion;
does the landing page show the address?
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from config.settings import envonion
from deploy import render
from tests.deploy.conftest import BASE_DIR, ONION_ADDRESS, start, stop

pytestmark = pytest.mark.django_db


def torrc(tmp_path: Path) -> Path:
    tmp_path.chmod(0o700)
    path = tmp_path / "torrc"
    path.write_text(
        render.render_torrc(
            data_dir=tmp_path / "data",
            hidden_service_dir=tmp_path / "hidden_service",
            onion_target="127.0.0.1:18081",
            extra="DisableNetwork 1\n",
        )
    )
    return path


def v3_public_key(address: str) -> bytes:
    """Return the ed25519 key of a v3 onion address after checking its version byte and checksum."""
    assert address.endswith(".onion") and len(address) == 56 + len(".onion")
    decoded = base64.b32decode(address.removesuffix(".onion").upper())
    public_key, checksum, version = decoded[:32], decoded[32:34], decoded[34:]
    assert version == b"\x03"
    assert checksum == hashlib.sha3_256(b".onion checksum" + public_key + version).digest()[:2]
    return public_key


def test_tor_accepts_the_rendered_torrc(tmp_path: Path, tor_binary: str) -> None:
    result = subprocess.run([tor_binary, "--verify-config", "-f", str(torrc(tmp_path))], capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration was valid" in result.stdout
    debian = render.debian_files()["torrc"]
    assert "HiddenServiceVersion 3" in debian and "HiddenServicePort 80 127.0.0.1:8081" in debian
    assert "SocksPort 0" in debian and "SafeLogging 1" in debian


def test_tor_makes_a_v3_address_that_the_app_accepts(
    tmp_path: Path, tor_binary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostname = tmp_path / "hidden_service" / "hostname"
    process = start([tor_binary, "-f", str(torrc(tmp_path))], tmp_path / "tor.log")
    try:
        for _ in range(600):
            if hostname.exists() and hostname.read_text().strip():
                break
            if process.poll() is not None:
                pytest.fail((tmp_path / "tor.log").read_text())
            time.sleep(0.1)
    finally:
        stop(process)
    address = hostname.read_text().strip()
    key_file = (tmp_path / "hidden_service" / "hs_ed25519_public_key").read_bytes()
    assert key_file.startswith(b"== ed25519v1-public: type0 ==")
    assert v3_public_key(address) == key_file[-32:]
    assert (tmp_path / "hidden_service").stat().st_mode & 0o777 == 0o700

    monkeypatch.setenv("TIPLINE_ONION_ADDRESS_FILE", str(hostname))
    assert envonion("TIPLINE_ONION_ADDRESS") == address


@pytest.mark.parametrize(
    "value",
    [
        "expyuzz4wqqyqhjn.onion",  # a v2 address
        ONION_ADDRESS.replace("aqd.onion", "aqa.onion"),  # the version character is not 3's
        ONION_ADDRESS.removesuffix(".onion"),
        "https://" + ONION_ADDRESS,
    ],
)
def test_anything_but_a_v3_address_stops_start_up(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_ONION_ADDRESS", value)
    with pytest.raises(ImproperlyConfigured, match="TIPLINE_ONION_ADDRESS must be a v3 onion address"):
        envonion("TIPLINE_ONION_ADDRESS")


def test_the_onion_address_becomes_an_allowed_host_and_origin(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "TIPLINE_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 50,
        "TIPLINE_RECEIPT_PEPPER": "y" * 50,
        "ALLOWED_HOSTS": "denuncias.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://denuncias.example.org",
        "TIPLINE_ONION_ADDRESS": ONION_ADDRESS.upper(),
    }
    code = "from django.conf import settings; print(settings.ALLOWED_HOSTS, settings.CSRF_TRUSTED_ORIGINS)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        f"['denuncias.example.org', '{ONION_ADDRESS}'] ['https://denuncias.example.org', 'http://{ONION_ADDRESS}']"
    )


@pytest.fixture
def onion_settings(settings):  # type: ignore[no-untyped-def]
    settings.TIPLINE_ONION_ADDRESS = ONION_ADDRESS
    settings.ALLOWED_HOSTS = ["denuncias.example.org", ONION_ADDRESS]
    return settings


def test_clear_web_public_pages_point_to_the_onion(onion_settings: object) -> None:
    client = Client(HTTP_HOST="denuncias.example.org")
    for path in ("/", "/report/", "/followup/", "/?x=1"):
        response = client.get(path, secure=True)
        assert response["Onion-Location"] == f"http://{ONION_ADDRESS}{path}"


def test_staff_pages_and_onion_pages_do_not(onion_settings: object) -> None:
    clear = Client(HTTP_HOST="denuncias.example.org")
    assert "Onion-Location" not in clear.get("/staff/login/", secure=True)
    onion = Client(HTTP_HOST=ONION_ADDRESS)
    response = onion.get("/", secure=True)
    assert response.status_code == 200
    assert "Onion-Location" not in response


def test_no_header_and_no_address_when_no_onion_service_is_configured(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIPLINE_ONION_ADDRESS = ""
    response = Client().get("/", secure=True)
    assert "Onion-Location" not in response
    assert ".onion" not in response.content.decode()


def test_the_landing_page_shows_the_onion_address(onion_settings: object) -> None:
    page = Client(HTTP_HOST="denuncias.example.org").get("/", secure=True).content.decode()
    assert f"<code>http://{ONION_ADDRESS}</code>" in page
