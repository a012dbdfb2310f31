"""Fixtures for the production stack's tests: Debian's nginx and tor, run as the operator's files say.

Every server is a subprocess on free ports with its files in a temporary directory (nginx with
`-p PREFIX -c FILE -g 'daemon off;'`), killed at the end. nginx and tor are installed by `make test`
(the `nginx` and `tor` targets); a machine without them fails here, saying so, rather than skipping.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from deploy import render
from deploy.up import self_signed_certificate, self_signed_client_context

BASE_DIR = Path(__file__).resolve().parent.parent.parent
NGINX = "/usr/sbin/nginx"
TOR = "/usr/sbin/tor"
WAIT_SECONDS = 60.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until something accepts connections on the port (or the process died: fail with its log)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args} exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    pytest.fail(f"nothing listens on {port} after {WAIT_SECONDS:.0f} s:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process started in its own group: SIGTERM, then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def start(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own fixed command lines
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} is missing: run `make nginx` (Debian's nginx; `make test` installs it).")
    return NGINX


@pytest.fixture(scope="session")
def tor_binary() -> str:
    if not os.access(TOR, os.X_OK):
        pytest.fail(f"{TOR} is missing: run `make tor` (Debian's tor; `make test` installs it).")
    return TOR


@dataclass
class Nginx:
    """One nginx run from the rendered files: its ports, its directory, every file it may write."""

    prefix: Path
    conf: Path
    https_port: int
    http_port: int
    onion_port: int
    metrics_port: int
    body_temp_dir: Path
    process: subprocess.Popen[bytes] | None = None

    def written_files(self) -> list[Path]:
        """Every file under the prefix and the temp directories (logs, pid, temp files), but the config."""
        files = [p for p in self.prefix.rglob("*") if p.is_file() and p.suffix != ".pem" and p != self.conf]
        return files + [p for p in self.body_temp_dir.parent.rglob("*") if p.is_file()]


_tmpfs_dirs: list[Path] = []


@pytest.fixture(autouse=True)
def _remove_tmpfs_dirs() -> Iterator[None]:
    """Remove the /dev/shm directories a test's nginx configurations named."""
    yield
    while _tmpfs_dirs:
        shutil.rmtree(_tmpfs_dirs.pop(), ignore_errors=True)


def nginx_render(prefix: Path, upstreams: list[str], *, max_body_bytes: int | None = None) -> Nginx:
    """Render the standalone configuration into `prefix` (logs under it, temp files in a /dev/shm directory)."""
    prefix.mkdir(parents=True, exist_ok=True)
    certificate, key = self_signed_certificate(prefix / "tls")
    tmpfs = Path("/dev/shm") / f"tipline-test-{secrets.token_hex(6)}"  # noqa: S108 - a tmpfs by design
    tmpfs.mkdir(mode=0o711)
    _tmpfs_dirs.append(tmpfs)
    tmpfs.chmod(0o711)
    nginx = Nginx(
        prefix=prefix,
        conf=prefix / "nginx.conf",
        https_port=free_port(),
        http_port=free_port(),
        onion_port=free_port(),
        metrics_port=free_port(),
        body_temp_dir=tmpfs / "body",
    )
    render.render_loopback_nginx(
        conf=nginx.conf,
        upstreams=upstreams,
        https_port=nginx.https_port,
        http_port=nginx.http_port,
        onion_port=nginx.onion_port,
        metrics_port=nginx.metrics_port,
        tls_certificate=certificate,
        tls_certificate_key=key,
        temp_dir=tmpfs,
        log_dir=prefix / "logs",
        pid_file=prefix / "nginx.pid",
        max_body_bytes=max_body_bytes,
    )
    return nginx


@contextlib.contextmanager
def nginx_running(nginx: Nginx, binary: str) -> Iterator[Nginx]:
    tmpfs = nginx.body_temp_dir.parent
    if tmpfs in _tmpfs_dirs:
        _tmpfs_dirs.remove(tmpfs)  # removed below, when this nginx stops
    log = nginx.prefix / "logs" / "stdout.log"
    nginx.process = start([binary, "-p", str(nginx.prefix), "-c", str(nginx.conf), "-g", "daemon off;"], log)
    try:
        for port in (nginx.https_port, nginx.http_port, nginx.onion_port, nginx.metrics_port):
            wait_for_port(port, nginx.process, log)
        yield nginx
    finally:
        stop(nginx.process)
        shutil.rmtree(nginx.body_temp_dir.parent, ignore_errors=True)


@dataclass
class Stack:
    """nginx in front of gunicorn (deploy/gunicorn.conf.py), DEBUG off, SQLite in a temporary var/."""

    nginx: Nginx
    env: dict[str, str]
    onion_address: str
    gunicorn_log: Path


# A made-up but well-formed v3 address (its checksum is right): the tests of tor itself are in test_onion.py.
ONION_ADDRESS = "xzk42ccpvc2yqlnllj7xlinla55xdxolrsx45uf5jxuxaedddhm52aqd.onion"


def stack_environment(var_dir: Path) -> dict[str, str]:
    """The environment of a deployment as deploy/tipline.env.example describes it, on SQLite and inline tasks."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "TIPLINE_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'tipline.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TIPLINE_RECEIPT_PEPPER": secrets.token_urlsafe(50),
        "TIPLINE_ONION_ADDRESS": ONION_ADDRESS,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "https://localhost",
        "BEHIND_TLS_PROXY": "1",
        "SECURE_SSL_REDIRECT": "1",
        "TIPLINE_CLAMD_SOCKET": "",
        "TIPLINE_ARGON2_MEMORY_KIB": "8192",
        "TIPLINE_ARGON2_ITERATIONS": "1",
        "TIPLINE_FORM_MIN_FILL_SECONDS": "0",
        "TIPLINE_POW_DIFFICULTY_BITS": "0",
        "GUNICORN_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("REDIS_URL",):  # inline tasks and a local cache: no Redis needed for this stack
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, nginx_binary: str) -> Iterator[Stack]:
    """The site as production serves it: migrated, with the demo organisation, behind nginx."""
    root = tmp_path_factory.mktemp("stack")
    env = stack_environment(root / "var")
    (root / "var").mkdir()
    for command in (
        ["create_escrow_key", "--private-key-out", str(root / "escrow-private.key")],
        ["migrate", "--noinput", "-v0"],
        ["load_demo", "--synthetic", "0"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, capture_output=True
        )
    gunicorn_port = free_port()
    gunicorn_log = root / "gunicorn.log"
    gunicorn = start(
        [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(BASE_DIR / "deploy" / "gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{gunicorn_port}",
            "config.wsgi",
        ],  # fmt: skip
        gunicorn_log,
        env,
    )
    try:
        wait_for_port(gunicorn_port, gunicorn, gunicorn_log)
        nginx = nginx_render(root / "nginx", [f"127.0.0.1:{gunicorn_port}"])
        with nginx_running(nginx, nginx_binary):
            yield Stack(nginx=nginx, env=env, onion_address=ONION_ADDRESS, gunicorn_log=gunicorn_log)
    finally:
        stop(gunicorn)


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects; TLS without verification (our own self-signed certificate)."""
    context = self_signed_client_context()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()
