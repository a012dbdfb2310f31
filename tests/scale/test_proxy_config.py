"""The drill's nginx configuration: what the proxy promises, read from the file it is started with."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from scale.proxy import command, config_text, render


def directives(text: str, name: str) -> list[str]:
    """Return the arguments of every `name ...;` directive in an nginx configuration."""
    return [match.strip() for match in re.findall(rf"^\s*{re.escape(name)}\s+([^;{{]*);", text, flags=re.MULTILINE)]


def test_every_node_is_an_upstream_and_a_failed_one_is_skipped_for_the_next(tmp_path: Path) -> None:
    text = config_text(["127.0.0.1:8101", "127.0.0.1:8102"], 9000, tmp_path, max_body=1234)

    assert directives(text, "server") == [
        "127.0.0.1:8101 max_fails=1 fail_timeout=5s",
        "127.0.0.1:8102 max_fails=1 fail_timeout=5s",
    ]
    assert directives(text, "proxy_next_upstream") == ["error timeout http_502 http_503"]
    assert directives(text, "proxy_next_upstream_tries") == ["2"]
    assert directives(text, "listen") == ["127.0.0.1:9000"]


def test_bodies_are_buffered_and_capped_at_the_settings_limit(tmp_path: Path) -> None:
    conf = render(["127.0.0.1:8101"], 9000, tmp_path)
    text = conf.read_text()

    assert directives(text, "proxy_request_buffering") == ["on"]
    assert directives(text, "client_max_body_size") == [str(settings.TIPLINE_MAX_REQUEST_BYTES)]
    assert (tmp_path / "temp" / "client_body").is_dir()


def test_nothing_about_the_client_is_logged_or_passed_on(tmp_path: Path) -> None:
    text = config_text(["127.0.0.1:8101"], 9000, tmp_path, max_body=1)

    assert directives(text, "access_log") == ["off"]
    # nginx's error lines carry "client: <address>": only critical ones are written.
    assert directives(text, "error_log") == [f"{tmp_path / 'error.log'} crit"]
    assert "$remote_addr" not in text and "$http_user_agent" not in text and "$http_referer" not in text
    headers = directives(text, "proxy_set_header")
    assert 'X-Forwarded-For ""' in headers and 'X-Real-IP ""' in headers
    assert "X-Forwarded-Proto $scheme" in headers


def test_a_proxy_without_nodes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one upstream"):
        config_text([], 9000, tmp_path, max_body=1)


@pytest.mark.skipif(shutil.which("nginx", path="/usr/sbin:/usr/bin") is None, reason="Debian's nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    conf = render(["127.0.0.1:8101", "127.0.0.1:8102"], 9000, tmp_path)
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    assert nginx is not None
    result = subprocess.run([*command(conf, tmp_path, nginx), "-t"], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
