"""The drill's nginx configuration is production's (deploy/), with the drill's nodes: read from the file it starts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from scale.proxy import command, render


def directives(text: str, name: str) -> list[str]:
    """Return the arguments of every `name ...;` directive in an nginx configuration."""
    return [match.strip() for match in re.findall(rf"^\s*{re.escape(name)}\s+([^;{{]*);", text, flags=re.MULTILINE)]


def test_every_node_is_an_upstream_and_a_failed_one_is_skipped_for_the_next(tmp_path: Path) -> None:
    text = render(["127.0.0.1:8101", "127.0.0.1:8102"], 9000, tmp_path).read_text()

    assert directives(text, "server") == [
        "127.0.0.1:8101 max_fails=1 fail_timeout=5s",
        "127.0.0.1:8102 max_fails=1 fail_timeout=5s",
    ]
    assert set(directives(text, "proxy_next_upstream")) == {"error timeout"}
    assert "127.0.0.1:9000 ssl http2 default_server" in directives(text, "listen")


def test_bodies_are_buffered_and_capped_at_the_settings_limit(tmp_path: Path) -> None:
    text = render(["127.0.0.1:8101"], 9000, tmp_path).read_text()

    assert set(directives(text, "proxy_request_buffering")) == {"on"}
    assert set(directives(text, "client_max_body_size")) == {str(settings.TIPLINE_MAX_REQUEST_BYTES)}
    assert set(directives(text, "proxy_max_temp_file_size")) == {
        str(settings.TIPLINE_MAX_ATTACHMENT_BYTES + 1024 * 1024)
    }
    assert (tmp_path / "temp" / "body").stat().st_mode & 0o777 == 0o700


def test_nothing_about_the_client_is_logged_or_passed_on(tmp_path: Path) -> None:
    written = render(["127.0.0.1:8101"], 9000, tmp_path).read_text()
    text = "\n".join(line for line in written.splitlines() if not line.strip().startswith("#"))

    assert "$remote_addr" not in text and "$http_user_agent" not in text and "$http_referer" not in text
    assert "$time_local" not in text and "$time_iso8601" not in text
    assert {line.split()[-1] for line in directives(text, "error_log") if "main-error" not in line} == {"emerg"}
    headers = directives(text, "proxy_set_header")
    assert 'X-Forwarded-For ""' in headers and 'X-Real-IP ""' in headers


def test_a_second_rendering_keeps_the_certificate_and_the_other_ports(tmp_path: Path) -> None:
    first = render(["127.0.0.1:8101"], 9000, tmp_path).read_text()
    certificate = (tmp_path / "tls" / "certificate.pem").read_bytes()
    second = render(["127.0.0.1:8101", "127.0.0.1:8102"], 9000, tmp_path).read_text()

    assert directives(first, "listen") == directives(second, "listen")
    assert (tmp_path / "tls" / "certificate.pem").read_bytes() == certificate


def test_a_proxy_without_nodes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one gunicorn address"):
        render([], 9000, tmp_path)


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    assert nginx is not None, "Debian's nginx is missing: run `make nginx`"
    conf = render(["127.0.0.1:8101", "127.0.0.1:8102"], 9000, tmp_path)
    result = subprocess.run([*command(conf, tmp_path, nginx), "-t"], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
