"""The nginx configuration an operator installs: does nginx accept it, and does it say what the design needs?

A reviewer's questions: does nginx itself (`nginx -t`) accept the rendered file, alone and with two
gunicorn nodes for the scale drill, and inside Debian's own /etc/nginx/nginx.conf (whose http block
already sets gzip, an access log with addresses and an error log); is deploy/debian/ what the templates
render; does the access log format hold no address, user agent, referrer, time or query string; does
every server log with it, errors at "emerg" only; is the body cap the app's own?
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from django.conf import settings

from deploy import render
from tests.deploy.conftest import nginx_render


def nginx_test(binary: str, prefix: Path, conf: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [binary, "-t", "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], capture_output=True, text=True
    )


def test_nginx_accepts_the_rendered_configuration_with_two_gunicorn_nodes(tmp_path: Path, nginx_binary: str) -> None:
    nginx = nginx_render(tmp_path / "nginx", ["127.0.0.1:18001", "127.0.0.1:18002"])
    result = nginx_test(nginx_binary, nginx.prefix, nginx.conf)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    text = nginx.conf.read_text()
    assert "server 127.0.0.1:18001 max_fails=1" in text and "server 127.0.0.1:18002 max_fails=1" in text


def test_the_debian_files_are_what_the_templates_render() -> None:
    for name, text in render.debian_files().items():
        assert (render.DEBIAN_DIR / name).read_text() == text, f"run: python -m deploy.render debian ({name})"


def test_the_debian_site_works_inside_debians_own_nginx_conf(tmp_path: Path, nginx_binary: str) -> None:
    """Debian's http block sets `gzip on` and its logs: the site must neither clash with them nor inherit them."""
    nginx = nginx_render(tmp_path / "site", ["127.0.0.1:18001"])
    site = render.debian_files()["nginx-tipline.conf"]
    site = site.replace(
        "/etc/letsencrypt/live/denuncias.example.org/fullchain.pem", str(nginx.prefix / "tls" / "certificate.pem")
    )
    site = site.replace(
        "/etc/letsencrypt/live/denuncias.example.org/privkey.pem", str(nginx.prefix / "tls" / "key.pem")
    )
    site = site.replace("/var/log/nginx/", f"{tmp_path}/").replace("/run/tipline-nginx/", f"{tmp_path}/run/")
    (tmp_path / "sites-enabled").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "sites-enabled" / "tipline").write_text(site)
    debian = Path("/etc/nginx/nginx.conf").read_text()
    debian = re.sub(r"^user .*$", "", debian, flags=re.M)
    debian = debian.replace("/etc/nginx/sites-enabled/*", str(tmp_path / "sites-enabled" / "*"))
    debian = debian.replace("/etc/nginx/conf.d/*.conf", str(tmp_path / "conf.d-none" / "*.conf"))
    debian = debian.replace("/run/nginx.pid", str(tmp_path / "nginx.pid"))
    debian = debian.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "nginx.conf").write_text(debian)
    result = nginx_test(nginx_binary, tmp_path, tmp_path / "nginx.conf")
    assert result.returncode == 0, result.stderr


def test_the_access_log_format_holds_nothing_that_identifies_or_dates_a_request() -> None:
    site = render.debian_files()["nginx-tipline.conf"]
    formats = [line for line in site.splitlines() if line.strip().startswith("log_format")]
    assert len(formats) == 1
    for variable in ("$remote_addr", "$http_user_agent", "$http_referer", "$time_local", "$time_iso8601",
                     "$request_uri", "$request ", "$args", "$query_string", "$http_x_forwarded_for"):  # fmt: skip
        assert variable not in formats[0]
    assert "$uri" in formats[0]


def test_every_server_logs_privately_and_writes_errors_at_emerg_only() -> None:
    site = render.debian_files()["nginx-tipline.conf"]
    servers = site.split("\nserver {")[1:]
    assert len(servers) == 4  # redirect, TLS, onion, metrics
    for server in servers:
        assert re.search(r"^\s+access_log \S+ tipline_private if=\$tipline_loggable;$", server, flags=re.M)
        assert re.findall(r"^\s+error_log .*;$", server, flags=re.M) == [
            "    error_log /var/log/nginx/tipline-error.log emerg;"
        ]
        assert "server_tokens off;" in server
    assert not re.search(r"^\s*(access_log|error_log) ", site.split("\nserver {")[0], flags=re.M)


def test_the_body_cap_is_the_apps_and_bodies_are_buffered_on_a_tmpfs(tmp_path: Path) -> None:
    text = nginx_render(tmp_path / "nginx", ["127.0.0.1:18001"]).conf.read_text()
    assert f"client_max_body_size {settings.TIPLINE_MAX_REQUEST_BYTES};" in text
    assert "proxy_request_buffering on;" in text
    assert f"proxy_max_temp_file_size {settings.TIPLINE_MAX_ATTACHMENT_BYTES + 1024 * 1024};" in text
    (body_path,) = re.findall(r"client_body_temp_path (\S+) ", text)
    assert body_path.startswith("/dev/shm/")
    debian = render.debian_files()["nginx-tipline.conf"]
    assert "client_body_temp_path /run/tipline-nginx/body 1 2;" in debian
    assert "ssl_session_tickets off;" in debian and "ssl_protocols TLSv1.2 TLSv1.3;" in debian
