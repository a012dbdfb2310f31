"""`make up`'s preparation, without starting the stack (which needs this machine's PostgreSQL and Redis).

A reviewer's questions: are the secrets generated once, owner-only, and handed over as *_FILE paths
rather than values; does a second run keep them and the certificate (make up twice is fine); does nginx
accept what make up renders, and supervisord its file?
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy import up
from tests.deploy.conftest import free_port


@pytest.fixture
def layout(tmp_path: Path) -> Iterator[up.Layout]:
    ports = [free_port() for _ in range(5)]
    layout = up.Layout(tmp_path / "up", *ports)
    yield layout
    shutil.rmtree(layout.tmpfs, ignore_errors=True)


def test_secrets_are_made_once_owner_only_and_passed_as_files(layout: up.Layout) -> None:
    env = up.environment(layout, "postgres://postgres@127.0.0.1:5432/deploy_up", "redis://127.0.0.1:6379/13")
    secret_key = Path(env["SECRET_KEY_FILE"])
    first = secret_key.read_text()
    assert secret_key.stat().st_mode & 0o777 == 0o600
    assert layout.secrets.stat().st_mode & 0o777 == 0o700
    assert "SECRET_KEY" not in env and "TIPLINE_RECEIPT_PEPPER" not in env
    assert env["DEBUG"] == "0" and env["BEHIND_TLS_PROXY"] == "1"
    again = up.environment(layout, "postgres://postgres@127.0.0.1:5432/deploy_up", "redis://127.0.0.1:6379/13")
    assert Path(again["SECRET_KEY_FILE"]).read_text() == first


def test_nginx_accepts_what_make_up_renders_and_a_second_run_keeps_the_certificate(
    layout: up.Layout, nginx_binary: str
) -> None:
    up.render_all(layout)
    certificate = (layout.tls / "certificate.pem").read_bytes()
    up.render_all(layout)
    assert (layout.tls / "certificate.pem").read_bytes() == certificate
    assert (layout.tls / "key.pem").stat().st_mode & 0o777 == 0o600
    conf = layout.root / "nginx" / "nginx.conf"
    result = subprocess.run(  # noqa: S603
        [nginx_binary, "-t", "-p", str(layout.root / "nginx"), "-c", str(conf)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert f"listen 127.0.0.1:{layout.https_port} ssl http2 default_server;" in text
    assert f"return 301 https://$host:{layout.https_port}$request_uri;" in text
    assert f"client_body_temp_path {layout.tmpfs}/body 1 2;" in text
    assert "-S redbeat.RedBeatScheduler" in layout.supervisord_conf.read_text()
