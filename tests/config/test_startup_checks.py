"""With DEBUG off, gunicorn's application, the Celery worker and `check_production` refuse an unready setup.

Each case starts a real process (`python -c "import config.wsgi"`, as gunicorn's worker imports
it, or `celery worker`) with an environment crafted as an operator would write it, and reads
what the operator would see: one line on standard error and a failing exit status.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config.startup import GUNICORN_WORKER_BOOT_ERROR, allowed_hosts_problem
from envelope import primitives as crypto

# The variables a test run may have exported that would change what these processes see.
_INHERITED = (
    "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "DEBUG", "SECRET_KEY", "TIPLINE_RECEIPT_PEPPER", "TIPLINE_VAR_DIR",
    "TIPLINE_ATTACHMENT_STORAGE", "TIPLINE_ESCROW_PUBLIC_KEY_FILE", "TIPLINE_S3_", "AWS_", "TIPLINE_REPLACEMENT_WORKER",
)  # fmt: skip


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a STATIC_ROOT filled by `collectstatic` once for the module, as an upgrade leaves it."""
    var = tmp_path_factory.mktemp("collected")
    environment = {name: value for name, value in os.environ.items() if not name.startswith(_INHERITED)}
    environment |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "TIPLINE_VAR_DIR": str(var)}
    environment |= {"SECRET_KEY": "collect-only-" + "x" * 40, "TIPLINE_RECEIPT_PEPPER": "collect-only-" + "y" * 30}
    subprocess.run(  # noqa: S603 - our own fixed command line  # nosec B603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR, env=environment, check=True, timeout=300,
    )  # fmt: skip
    return var / "static"


@pytest.fixture
def env(tmp_path: Path, collected_static: Path) -> dict[str, str]:
    """Return an environment that is ready for production: every test breaks one thing in it."""
    escrow = tmp_path / "escrow.pub"
    escrow.write_bytes(crypto.generate_keypair().public)
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "static").symlink_to(collected_static)
    base = {name: value for name, value in os.environ.items() if not name.startswith(_INHERITED)}
    return base | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "a-secret-key-for-this-test-only-0123456789abcdefghijklmnop",
        "TIPLINE_RECEIPT_PEPPER": "a-pepper-for-this-test-only-0123456789",
        "TIPLINE_VAR_DIR": str(tmp_path / "var"),
        "ALLOWED_HOSTS": "denuncias.example.org,.example.org,127.0.0.1,[::1]",
        "TIPLINE_ESCROW_PUBLIC_KEY_FILE": str(escrow),
    }


def start_web(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own fixed command line  # nosec B603
        [sys.executable, "-c", "import config.wsgi"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def refused_with(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Assert the process stopped with one line on stderr holding the words; return that line."""
    assert result.returncode != 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tipline: not starting: ")
    for word in words:
        assert word in lines[0]
    return lines[0]


def test_a_ready_environment_starts(env: dict[str, str]) -> None:
    result = start_web(env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("secret", ["SECRET_KEY", "TIPLINE_RECEIPT_PEPPER"])
def test_a_missing_secret_is_one_line(env: dict[str, str], secret: str) -> None:
    del env[secret]
    result = start_web(env)
    refused_with(result, secret, "required")
    # gunicorn stops instead of booting the worker again and again.
    assert result.returncode == GUNICORN_WORKER_BOOT_ERROR


@pytest.mark.parametrize(
    ("hosts", "words"),
    [
        (None, "ALLOWED_HOSTS is not set"),
        ("", "ALLOWED_HOSTS is empty"),
        ("*", "wildcard"),
        ("denuncias.example.org,*", "wildcard"),
        ("https://denuncias.example.org", "not a host name"),
        ("denuncias.example.org:443", "not a host name"),
        ("denuncias.example.org/report", "not a host name"),
        ("denuncias.example.org, www.example.org", "not a host name"),
    ],
)
def test_a_wrong_allowed_hosts_is_refused(env: dict[str, str], hosts: str | None, words: str) -> None:
    if hosts is None:
        del env["ALLOWED_HOSTS"]
    else:
        env["ALLOWED_HOSTS"] = hosts
    refused_with(start_web(env), words)


def test_host_names_addresses_and_domains_are_accepted() -> None:
    hosts = ["denuncias.example.org", ".example.org", "10.0.0.5", "[2001:db8::1]", "abc123.onion"]
    assert allowed_hosts_problem(hosts, set_in_environment=True) is None


def test_a_missing_escrow_public_key_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    env["TIPLINE_ESCROW_PUBLIC_KEY_FILE"] = str(tmp_path / "nowhere.pub")
    refused_with(start_web(env), "no escrow public key", "nowhere.pub", "create_escrow_key")


def test_a_malformed_escrow_public_key_is_refused(env: dict[str, str]) -> None:
    Path(env["TIPLINE_ESCROW_PUBLIC_KEY_FILE"]).write_bytes(b"-----BEGIN PUBLIC KEY-----\nnot ours\n")
    refused_with(start_web(env), "is not an escrow public key")


def test_an_unreadable_escrow_public_key_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    env["TIPLINE_ESCROW_PUBLIC_KEY_FILE"] = str(tmp_path)  # a folder
    refused_with(start_web(env), "escrow public key cannot be read")


def unreachable_bucket(env: dict[str, str]) -> dict[str, str]:
    return env | {
        "TIPLINE_S3_BUCKET": "attachments",
        "TIPLINE_S3_ENDPOINT_URL": "http://127.0.0.1:9",  # the discard port: nothing listens
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "TIPLINE_S3_REGION": "us-east-1",
    }


def test_an_unreachable_object_store_is_refused(env: dict[str, str]) -> None:
    refused_with(start_web(unreachable_bucket(env)), "attachment store", "127.0.0.1:9", "TIPLINE_S3_")


def test_a_replacement_worker_is_not_stopped_by_a_passing_store_outage(env: dict[str, str]) -> None:
    """gunicorn halts the node on a worker's boot error: a recycled worker must not, for a bucket's blip."""
    result = start_web(unreachable_bucket(env) | {"TIPLINE_REPLACEMENT_WORKER": "1"})
    assert result.returncode == 0, result.stderr


def test_a_web_node_without_collected_static_files_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "var" / "static").unlink()
    refused_with(start_web(env), "no static files manifest", "collectstatic")


def test_debug_on_skips_the_checks(env: dict[str, str], tmp_path: Path) -> None:
    env["DEBUG"] = "1"
    del env["ALLOWED_HOSTS"]
    env["TIPLINE_ESCROW_PUBLIC_KEY_FILE"] = str(tmp_path / "nowhere.pub")
    result = start_web(env)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("service", ["worker", "beat"])
@pytest.mark.parametrize(
    ("variable", "value", "words"), [("ALLOWED_HOSTS", "*", "wildcard"), ("SECRET_KEY", None, "SECRET_KEY")]
)
def test_the_celery_worker_and_beat_refuse_too(
    env: dict[str, str], service: str, variable: str, value: str | None, words: str
) -> None:
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    token = uuid.uuid4().hex[:12]
    if service == "beat":
        if not settings.REDIS_URL:
            pytest.skip("RedBeat needs Redis: set REDIS_URL")
        env |= {"REDIS_URL": settings.REDIS_URL, "CELERY_REDBEAT_KEY_PREFIX": f"test-startup-{token}"}
    command = [sys.executable, "-m", "celery", "-A", "config", service]
    command += ["--pool=solo"] if service == "worker" else ["-S", "redbeat.RedBeatScheduler"]
    result = subprocess.run(  # noqa: S603 - our own fixed command line  # nosec B603
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    if service == "beat":
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"test-startup-{token}*"):
            client.delete(key)
    # Celery may warn first (running as root, in a container); the refusal is still one line, no traceback.
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    ours = [line for line in result.stderr.splitlines() if line.startswith("tipline: not starting: ")]
    assert len(ours) == 1 and words in ours[0], result.stderr


def test_check_production_says_ready_or_why_not(env: dict[str, str]) -> None:
    command = [sys.executable, "manage.py", "check_production"]
    ready = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603  # nosec B603
    assert ready.returncode == 0, ready.stderr
    assert ready.stdout.startswith("ready:")
    env["ALLOWED_HOSTS"] = "*"
    refused = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603  # nosec B603
    assert refused.returncode == 1
    assert "not ready: ALLOWED_HOSTS holds the wildcard" in refused.stderr
