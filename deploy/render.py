"""Render the production stack's configuration files from the templates in this folder.

Every file an operator installs (nginx site, torrc, supervisord) is a template here plus a few named
parameters, so `make up`, the tests, the scale drill and a real deployment read the same text. The
functions are keyword-only and return the file's text; nothing here starts a process.

    render_nginx_site(*, upstreams, https_listen="443", http_listen="80", onion_listen="127.0.0.1:8081",
                      metrics_listen="127.0.0.1:9108", server_name="_", app_host=None,
                      tls_certificate, tls_certificate_key, body_temp_dir, proxy_temp_dir,
                      access_log, error_log, max_body_bytes=None, client_timeout="60s",
                      max_uploads=20) -> str
        The http-context file (Debian: /etc/nginx/sites-available/tipline). `upstreams` is a list of
        gunicorn addresses ("127.0.0.1:8001"); the scale drill passes two. `max_body_bytes` defaults to
        the app's TIPLINE_MAX_REQUEST_BYTES.
    render_nginx_standalone(*, site, pid_file, main_error_log, worker_processes=2,
                            mime_types="/etc/nginx/mime.types") -> str
        A whole nginx.conf around a site, for `nginx -p PREFIX -c FILE -g 'daemon off;'`.
    render_loopback_nginx(*, conf, upstreams, https_port, http_port, onion_port, metrics_port,
                          tls_certificate, tls_certificate_key, temp_dir, log_dir, pid_file,
                          max_body_bytes=None, worker_processes=2) -> Path
        Both of the above for 127.0.0.1 ports, written to `conf`: `make up`, the scale drill, the tests.
    render_torrc(*, data_dir, hidden_service_dir, onion_target, log_target="stdout", extra="") -> str
    render_supervisord(**paths) -> str

`python -m deploy.render debian` rewrites deploy/debian/ (the files for Debian's paths) from the same
templates; a test checks that the committed files match.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from string import Template

DEPLOY_DIR = Path(__file__).resolve().parent
BASE_DIR = DEPLOY_DIR.parent
DEBIAN_DIR = DEPLOY_DIR / "debian"


def _template(relative: str) -> Template:
    return Template((DEPLOY_DIR / relative).read_text(encoding="utf-8"))


def _port(listen: str) -> int:
    """Return the port of an nginx listen address ("443", "127.0.0.1:8443", "[::1]:8443")."""
    return int(listen.rsplit(":", 1)[-1])


def _default_max_attachment_bytes() -> int:
    from django.conf import settings

    return int(settings.TIPLINE_MAX_ATTACHMENT_BYTES)


def _default_max_body_bytes() -> int:
    from django.conf import settings

    return int(settings.TIPLINE_MAX_REQUEST_BYTES)


def render_nginx_site(
    *,
    upstreams: Sequence[str],
    tls_certificate: str | Path,
    tls_certificate_key: str | Path,
    body_temp_dir: str | Path,
    proxy_temp_dir: str | Path,
    access_log: str | Path,
    error_log: str | Path,
    https_listen: str = "443",
    http_listen: str = "80",
    onion_listen: str = "127.0.0.1:8081",
    metrics_listen: str = "127.0.0.1:9108",
    server_name: str = "_",
    app_host: str | None = None,
    max_body_bytes: int | None = None,
    client_timeout: str = "60s",
    max_uploads: int = 20,
    max_temp_file_bytes: int | None = None,
) -> str:
    """Return the nginx site (http context): TLS server, port-80 redirect, onion and metrics listeners."""
    if not upstreams:
        raise ValueError("at least one gunicorn address is needed")
    https_port = _port(https_listen)
    common = _template("nginx/server-common.template").substitute(
        access_log=access_log,
        error_log=error_log,
        max_body_bytes=max_body_bytes if max_body_bytes is not None else _default_max_body_bytes(),
        client_timeout=client_timeout,
        max_uploads=max_uploads,
    )
    proxy_common = (
        _template("nginx/proxy-common.template")
        .substitute(
            max_temp_file_bytes=max_temp_file_bytes
            if max_temp_file_bytes is not None
            else _default_max_attachment_bytes() + 1024 * 1024
        )
        .rstrip("\n")
    )
    public_locations = _template("nginx/proxy-locations.template").substitute(proxy_common=proxy_common)
    # The internal listener names the app's own host, so that ALLOWED_HOSTS needs no loopback entry.
    host = app_host or (server_name.split()[0] if server_name != "_" else "localhost")
    internal = _template("nginx/internal-proxy.template").substitute(app_host=host, proxy_common=proxy_common)
    return _template("nginx/tipline.conf.template").substitute(
        upstream_servers="\n".join(f"    server {address} max_fails=1 fail_timeout=5s;" for address in upstreams),
        http_listen=http_listen,
        https_listen=https_listen,
        https_port_suffix="" if https_port == 443 else f":{https_port}",
        onion_listen=onion_listen,
        metrics_listen=metrics_listen,
        server_name=server_name,
        tls_certificate=tls_certificate,
        tls_certificate_key=tls_certificate_key,
        body_temp_dir=body_temp_dir,
        proxy_temp_dir=proxy_temp_dir,
        server_common=common.rstrip("\n"),
        public_locations=public_locations.rstrip("\n"),
        internal_proxy=internal.rstrip("\n"),
    )


def render_nginx_standalone(
    *,
    site: str,
    pid_file: str | Path,
    main_error_log: str | Path,
    worker_processes: int = 2,
    mime_types: str | Path = "/etc/nginx/mime.types",
) -> str:
    """Return a whole nginx.conf that serves `site` (from render_nginx_site) without Debian's nginx.conf."""
    indented = "\n".join(f"    {line}" if line else "" for line in site.splitlines())
    return _template("nginx/nginx.conf.template").substitute(
        site=indented,
        pid_file=pid_file,
        main_error_log=main_error_log,
        worker_processes=worker_processes,
        mime_types=mime_types,
    )


def render_loopback_nginx(
    *,
    conf: Path,
    upstreams: Sequence[str],
    https_port: int,
    http_port: int,
    onion_port: int,
    metrics_port: int,
    tls_certificate: str | Path,
    tls_certificate_key: str | Path,
    temp_dir: Path,
    log_dir: Path,
    pid_file: Path,
    max_body_bytes: int | None = None,
    worker_processes: int = 2,
) -> Path:
    """Write to `conf` a whole nginx.conf serving the site on 127.0.0.1 ports, for this machine; return `conf`.

    What `make up`, the scale drill and the tests run: server name localhost, request bodies and large
    downloads under `temp_dir` (a tmpfs directory, or one the caller keeps private), and access.log,
    error.log and main-error.log in `log_dir`.
    """
    site = render_nginx_site(
        upstreams=upstreams,
        https_listen=f"127.0.0.1:{https_port}",
        http_listen=f"127.0.0.1:{http_port}",
        onion_listen=f"127.0.0.1:{onion_port}",
        metrics_listen=f"127.0.0.1:{metrics_port}",
        server_name="localhost",
        tls_certificate=tls_certificate,
        tls_certificate_key=tls_certificate_key,
        body_temp_dir=temp_dir / "body",
        proxy_temp_dir=temp_dir / "proxy",
        access_log=log_dir / "access.log",
        error_log=log_dir / "error.log",
        max_body_bytes=max_body_bytes,
    )
    log_dir.mkdir(parents=True, exist_ok=True)
    conf.write_text(
        render_nginx_standalone(
            site=site, pid_file=pid_file, main_error_log=log_dir / "main-error.log", worker_processes=worker_processes
        ),
        encoding="utf-8",
    )
    return conf


def render_torrc(
    *,
    data_dir: str | Path,
    hidden_service_dir: str | Path,
    onion_target: str,
    log_target: str = "stdout",
    extra: str = "",
) -> str:
    """Return a torrc for the onion service: HiddenServicePort 80 forwarded to `onion_target` (host:port)."""
    return _template("tor/torrc.template").substitute(
        data_dir=data_dir, hidden_service_dir=hidden_service_dir, onion_target=onion_target,
        log_target=log_target, extra=extra,
    )  # fmt: skip


def render_supervisord(
    *,
    run_dir: str | Path,
    log_dir: str | Path,
    gunicorn_bind: str,
    nginx_prefix: str | Path,
    nginx_conf: str | Path,
    torrc: str | Path,
    nginx: str = "/usr/sbin/nginx",
    tor: str = "/usr/sbin/tor",
    base_dir: str | Path = BASE_DIR,
    venv_bin: str | Path = BASE_DIR / ".venv" / "bin",
) -> str:
    """Return the supervisord configuration of the whole stack on one host (gunicorn, Celery, nginx, tor)."""
    return _template("supervisor/supervisord.conf.template").substitute(
        run_dir=run_dir, log_dir=log_dir, gunicorn_bind=gunicorn_bind, nginx_prefix=nginx_prefix,
        nginx_conf=nginx_conf, torrc=torrc, nginx=nginx, tor=tor, base_dir=base_dir, venv_bin=venv_bin,
    )  # fmt: skip


def debian_files() -> dict[str, str]:
    """Return deploy/debian/'s files: the nginx site and the torrc at Debian's paths, as installed."""
    site = render_nginx_site(
        upstreams=["127.0.0.1:8001"],
        server_name="denuncias.example.org",
        tls_certificate="/etc/letsencrypt/live/denuncias.example.org/fullchain.pem",
        tls_certificate_key="/etc/letsencrypt/live/denuncias.example.org/privkey.pem",
        # /run/tipline-nginx is nginx's own size-capped tmpfs (deploy/systemd/nginx.service.d/tipline.conf).
        body_temp_dir="/run/tipline-nginx/body",
        proxy_temp_dir="/run/tipline-nginx/proxy",
        access_log="/var/log/nginx/tipline-access.log",
        error_log="/var/log/nginx/tipline-error.log",
        # The app's default (TIPLINE_MAX_REQUEST_BYTES): 5 files of 20 MiB, 256 KiB of fields, 1 MiB framing.
        max_body_bytes=5 * 20 * 1024 * 1024 + 256 * 1024 + 1024 * 1024,
        max_temp_file_bytes=20 * 1024 * 1024 + 1024 * 1024,
    )
    torrc = render_torrc(
        data_dir="/var/lib/tor",
        hidden_service_dir="/var/lib/tor/tipline",
        onion_target="127.0.0.1:8081",
        log_target="syslog",
    )
    return {"nginx-tipline.conf": site, "torrc": torrc}


def main(argv: Sequence[str]) -> int:
    if list(argv) != ["debian"]:
        print("usage: python -m deploy.render debian   (rewrites deploy/debian/ from the templates)")
        return 2
    DEBIAN_DIR.mkdir(exist_ok=True)
    for name, text in debian_files().items():
        (DEBIAN_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {DEBIAN_DIR / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
