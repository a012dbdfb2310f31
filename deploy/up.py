"""`make up` and `make down`: the whole production stack on this machine, under var/up/.

An operator's first look at the real thing: DEBUG off, secrets generated into var/up/secrets/ and read
through *_FILE variables, a self-signed certificate, this machine's PostgreSQL and Redis, and supervisord
running gunicorn, a Celery worker, the beat, nginx and tor with the files rendered from deploy/. Every
step is idempotent: `make up` again stops what runs, renders again and starts it all once more.

Environment (all optional): DATABASE_URL (postgres://postgres@127.0.0.1:5432/tipline_up, created if
missing), REDIS_URL (redis://127.0.0.1:6379/3), UP_HTTPS_PORT (8443), UP_HTTP_PORT (8080), UP_ONION_PORT
(8081), UP_METRICS_PORT (9108), UP_GUNICORN_PORT (8001), UP_DIR (var/up).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from deploy import render

BASE_DIR = render.BASE_DIR
VENV_BIN = BASE_DIR / ".venv" / "bin"
NGINX = "/usr/sbin/nginx"
TOR = "/usr/sbin/tor"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tipline_up"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
WAIT_SECONDS = 90


@dataclass(frozen=True)
class Layout:
    """Where `make up` keeps everything, and the ports it serves on."""

    root: Path
    https_port: int
    http_port: int
    onion_port: int
    metrics_port: int
    gunicorn_port: int

    @classmethod
    def from_environment(cls) -> Layout:
        def port(name: str, default: int) -> int:
            return int(os.environ.get(name) or default)

        return cls(
            root=Path(os.environ.get("UP_DIR") or BASE_DIR / "var" / "up").resolve(),
            https_port=port("UP_HTTPS_PORT", 8443),
            http_port=port("UP_HTTP_PORT", 8080),
            onion_port=port("UP_ONION_PORT", 8081),
            metrics_port=port("UP_METRICS_PORT", 9108),
            gunicorn_port=port("UP_GUNICORN_PORT", 8001),
        )

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def app_var(self) -> Path:
        return self.root / "var"

    @property
    def tls(self) -> Path:
        return self.root / "tls"

    @property
    def tor_dir(self) -> Path:
        return self.root / "tor"

    @property
    def onion_hostname(self) -> Path:
        return self.tor_dir / "hidden_service" / "hostname"

    @property
    def escrow_private_key(self) -> Path:
        return self.root / "escrow-PRIVATE.key"

    @property
    def tmpfs(self) -> Path:
        # Request bodies (plaintext uploads) wait here: RAM, never a disk (deploy/nginx/tipline.conf.template).
        return Path("/dev/shm") / f"tipline-up-{os.getuid()}-{self.https_port}"  # noqa: S108  # nosec B108

    @property
    def supervisord_conf(self) -> Path:
        return self.root / "supervisord.conf"

    @property
    def supervisord_pid(self) -> Path:
        return self.run / "supervisord.pid"


def say(message: str) -> None:
    print(f"make up: {message}", flush=True)


# --- secrets, keys, certificate ----------------------------------------------------------------------------------


def secret_file(layout: Layout, name: str) -> Path:
    """Return the file holding a generated secret, made once (0600) and kept across runs."""
    path = layout.secrets / name.lower()
    if not path.exists():
        layout.secrets.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(secrets.token_urlsafe(50) + "\n", encoding="utf-8")
        path.chmod(0o600)
        say(f"generated {name} into {path}")
    return path


def self_signed_certificate(directory: Path, *, quiet: bool = False) -> tuple[Path, Path]:
    """Return a certificate and key for localhost and 127.0.0.1 in `directory`, made once.

    Debian's openssl makes them, as an operator would by hand: the cryptography package is the envelope's
    alone (tests/envelope/test_record_schema.py), and a TLS certificate is no part of it.
    """
    certificate, key_path = directory / "certificate.pem", directory / "key.pem"
    if certificate.exists() and key_path.exists():
        return certificate, key_path
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    subprocess.run(  # noqa: S603 - Debian's openssl with fixed arguments  # nosec B603
        [
            shutil.which("openssl") or "/usr/bin/openssl", "req", "-x509", "-nodes", "-days", "365",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", str(key_path), "-out", str(certificate), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True, capture_output=True,
    )  # fmt: skip
    key_path.chmod(0o600)
    if not quiet:
        say(
            f"made a SELF-SIGNED certificate for localhost in {certificate} (browsers will warn; production uses a real one)"
        )
    return certificate, key_path


def onion_address(layout: Layout, torrc: Path) -> str:
    """Return the onion service's address, starting tor offline once to create its keys if needed."""
    if not layout.onion_hostname.exists():
        offline = layout.tor_dir / "torrc-keys-only"
        offline.write_text(torrc.read_text(encoding="utf-8") + "DisableNetwork 1\n", encoding="utf-8")
        process = subprocess.Popen(  # noqa: S603 - Debian's tor with our rendered file  # nosec B603
            [TOR, "-f", str(offline)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            for _ in range(WAIT_SECONDS * 10):
                if layout.onion_hostname.exists() and layout.onion_hostname.read_text().strip():
                    break
                time.sleep(0.1)
        finally:
            process.terminate()
            process.wait(timeout=30)
        say(f"tor made the onion service's keys in {layout.onion_hostname.parent}")
    return layout.onion_hostname.read_text(encoding="utf-8").strip()


# --- database ----------------------------------------------------------------------------------------------------


def database_create_if_missing(database_url: str) -> None:
    """Create the PostgreSQL database named by the URL if the server does not have it."""
    import psycopg

    parts = urlsplit(database_url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
            say(f"created the database {name}")


# --- the stack ---------------------------------------------------------------------------------------------------


def environment(layout: Layout, database_url: str, redis_url: str) -> dict[str, str]:
    """Return the environment of every process of the stack (what /etc/tipline/tipline.env holds in production)."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "TIPLINE_VAR_DIR": str(layout.app_var),
            "SECRET_KEY_FILE": str(secret_file(layout, "SECRET_KEY")),
            "TIPLINE_RECEIPT_PEPPER_FILE": str(secret_file(layout, "TIPLINE_RECEIPT_PEPPER")),
            "TIPLINE_ONION_ADDRESS_FILE": str(layout.onion_hostname),
            "TIPLINE_METRICS_TOKEN_FILE": str(secret_file(layout, "TIPLINE_METRICS_TOKEN")),
            # Only the web node imports config.metrics; gunicorn's on_starting empties it (config/metrics.py).
            "PROMETHEUS_MULTIPROC_DIR": str(layout.run / "metrics"),
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": f"https://localhost:{layout.https_port},https://127.0.0.1:{layout.https_port}",
            "BEHIND_TLS_PROXY": "1",
            "SECURE_SSL_REDIRECT": "1",
            # HSTS would pin localhost to https in this browser for a year (and break `make run`'s plain http).
            "SECURE_HSTS_SECONDS": "0",
        }
    )
    for name in ("SECRET_KEY", "TIPLINE_RECEIPT_PEPPER", "TIPLINE_ONION_ADDRESS", "TIPLINE_METRICS_TOKEN"):
        env.pop(name, None)  # the *_FILE variables above hold them; both set is refused
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own fixed command line  # nosec B603
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True
    )


def render_torrc(layout: Layout) -> Path:
    """Render the torrc into var/up/tor/ (owner-only, as tor insists for its directories)."""
    layout.tor_dir.mkdir(parents=True, exist_ok=True)
    layout.tor_dir.chmod(0o700)
    torrc = layout.tor_dir / "torrc"
    torrc.write_text(
        render.render_torrc(
            data_dir=layout.tor_dir / "data",
            hidden_service_dir=layout.tor_dir / "hidden_service",
            onion_target=f"127.0.0.1:{layout.onion_port}",
        ),
        encoding="utf-8",
    )
    return torrc


def render_all(layout: Layout) -> None:
    """Render nginx and supervisord's files into var/up/ (Django's settings are loaded: the body size cap)."""
    certificate, key = self_signed_certificate(layout.tls)
    for directory in (layout.logs, layout.run, layout.root / "nginx"):
        directory.mkdir(parents=True, exist_ok=True)
    # Traversable, not listable: nginx creates body/ and proxy/ inside, 0700 for its worker user.
    layout.tmpfs.mkdir(exist_ok=True)
    layout.tmpfs.chmod(0o711)
    render.render_loopback_nginx(
        conf=layout.root / "nginx" / "nginx.conf",
        upstreams=[f"127.0.0.1:{layout.gunicorn_port}"],
        https_port=layout.https_port,
        http_port=layout.http_port,
        onion_port=layout.onion_port,
        metrics_port=layout.metrics_port,
        tls_certificate=certificate,
        tls_certificate_key=key,
        temp_dir=layout.tmpfs,
        log_dir=layout.logs / "nginx",
        pid_file=layout.run / "nginx.pid",
    )
    layout.supervisord_conf.write_text(
        render.render_supervisord(
            run_dir=layout.run,
            log_dir=layout.logs,
            gunicorn_bind=f"127.0.0.1:{layout.gunicorn_port}",
            nginx_prefix=layout.root / "nginx",
            nginx_conf=layout.root / "nginx" / "nginx.conf",
            torrc=layout.tor_dir / "torrc",
        ),
        encoding="utf-8",
    )


def supervisord_pid(layout: Layout) -> int | None:
    """Return the pid of our supervisord if it runs."""
    try:
        pid = int(layout.supervisord_pid.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def self_signed_client_context() -> ssl.SSLContext:
    """Return a TLS client context for a site on this machine with the certificate `self_signed_certificate` made.

    It verifies nothing (a self-signed certificate has nobody to vouch for it): for loopback only, as
    `make up`, the drills, the page-weight measurement (--insecure) and the tests use it.
    """
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5, context=self_signed_client_context()) as response:  # noqa: S310  # nosec B310
            return int(response.status) == 200
    except (OSError, urllib.error.URLError):
        return False


def up() -> int:
    layout = Layout.from_environment()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if supervisord_pid(layout) is not None:
        say("the stack runs already: stopping it first")
        down()
    onion = onion_address(layout, render_torrc(layout))
    env = environment(layout, database_url, redis_url)
    os.environ.update(env)
    import django

    django.setup()
    render_all(layout)
    database_create_if_missing(database_url)
    public_key = layout.app_var / "escrow" / "escrow.pub"
    if not public_key.exists():
        manage(env, "create_escrow_key", "--private-key-out", str(layout.escrow_private_key))
        say(
            f"the escrow PRIVATE key is {layout.escrow_private_key}: in production it never stays on the "
            "server (print it, keep it offline in a safe)"
        )
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    subprocess.run(  # noqa: S603 - the venv's supervisord with our rendered file  # nosec B603
        [str(VENV_BIN / "supervisord"), "-c", str(layout.supervisord_conf)], cwd=BASE_DIR, env=env, check=True
    )
    health = f"https://127.0.0.1:{layout.https_port}/healthz"
    for _ in range(WAIT_SECONDS * 2):
        if healthy(health):
            break
        time.sleep(0.5)
    else:
        say(f"{health} did not answer 200 within {WAIT_SECONDS} s; logs in {layout.logs}; `make down` stops it")
        return 1
    print(
        f"""
The production stack runs (supervisord, config {layout.supervisord_conf}; logs in {layout.logs}):
  https://localhost:{layout.https_port}/   public site and staff (/staff/), self-signed certificate
  http://localhost:{layout.http_port}/    redirects to https
  onion service   http://{onion}/ (tor forwards it to 127.0.0.1:{layout.onion_port}; this machine cannot
                  reach the Tor network, so try it locally: curl -H 'Host: {onion}' http://127.0.0.1:{layout.onion_port}/)
  metrics         http://127.0.0.1:{layout.metrics_port}/metrics and /healthz (loopback only); the metrics need the token:
                  curl -H "Authorization: Bearer $(cat {env["TIPLINE_METRICS_TOKEN_FILE"]})" http://127.0.0.1:{layout.metrics_port}/metrics
First staff account (an administrator), then its authenticator (a QR code to scan):
  export {" ".join(f"{k}={v}" for k, v in env_for_manage(env).items())}
  .venv/bin/python manage.py create_staff --username admin --role administrator
  .venv/bin/python manage.py enrol_totp --username admin --qr
Stop it all: make down""",
        flush=True,
    )
    return 0


def env_for_manage(env: dict[str, str]) -> dict[str, str]:
    """Return the variables a manage.py command needs to reach this stack (printed for the operator)."""
    names = ("DEBUG", "DATABASE_URL", "REDIS_URL", "TIPLINE_VAR_DIR", "SECRET_KEY_FILE", "TIPLINE_RECEIPT_PEPPER_FILE")
    return {name: env[name] for name in names}


def down() -> int:
    layout = Layout.from_environment()
    pid = supervisord_pid(layout)
    if pid is None:
        say("nothing runs")
    else:
        os.kill(pid, signal.SIGTERM)  # supervisord stops every program, then itself
        for _ in range(WAIT_SECONDS * 10):
            if supervisord_pid(layout) is None:
                break
            time.sleep(0.1)
        say("stopped")
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(layout.tmpfs)
    return 0


def main(argv: list[str]) -> int:
    if argv == ["up"]:
        return up()
    if argv == ["down"]:
        return down()
    print("usage: python -m deploy.up up|down")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
