"""nginx in front of the app: what reaches the app, what reaches the client, and what is written down.

A reviewer's questions: with a client that sends its user agent, a referrer, a query string and
forwarding headers claiming an address, does any of that reach the app or any file nginx writes, even
when nginx itself answers a body that is too large (413), an app that is down (502), a malformed request
(400) or a path it refuses (404)? Is the body read whole before the app sees it, on a 0700 tmpfs
directory? Are pages compressed, the app's security and caching headers kept, port 80 redirected to
https, nginx's version hidden?
"""

from __future__ import annotations

import gzip
import http.client
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploy.up import self_signed_client_context
from tests.deploy.conftest import Nginx, free_port, http_get, nginx_render, nginx_running

CANARIES = {
    "User-Agent": "Canary-Agent/9.9 (Tor Browser)",
    "Referer": "https://referrer-canary.example/page",
    "X-Forwarded-For": "203.0.113.77",
    "X-Real-IP": "203.0.113.78",
    "Forwarded": "for=203.0.113.79",
}
QUERY_CANARY = "query-canary-4711"
PAGE = ("<!doctype html><html><body>" + "<p>Denuncie de forma segura y anónima.</p>" * 300 + "</body></html>").encode()
BODY_CAP = 1_000_000


class EchoApp(BaseHTTPRequestHandler):
    """Stands in for gunicorn: records what it was sent, answers a page with the app's kind of headers."""

    seen: list[dict[str, object]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append({"headers": dict(self.headers.items()), "body_length": len(body), "path": self.path})
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.send_header("Cache-Control", "no-store, max-age=0")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", "default-src 'none'")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(PAGE)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def app_server() -> Iterator[ThreadingHTTPServer]:
    EchoApp.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), EchoApp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def nginx(tmp_path: Path, nginx_binary: str, app_server: ThreadingHTTPServer) -> Iterator[Nginx]:
    port = app_server.server_address[1]
    with nginx_running(
        nginx_render(tmp_path / "nginx", [f"127.0.0.1:{port}"], max_body_bytes=BODY_CAP), nginx_binary
    ) as running:
        yield running


def https(nginx: Nginx) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("127.0.0.1", nginx.https_port, timeout=30, context=self_signed_client_context())


def raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(data)
        return connection.recv(4096)


def test_nothing_that_identifies_a_client_reaches_the_app(nginx: Nginx) -> None:
    status, headers, body = http_get(
        f"https://127.0.0.1:{nginx.https_port}/report/?q={QUERY_CANARY}",
        {**CANARIES, "Host": "localhost", "Accept-Encoding": "gzip", "X-Forwarded-Proto": "http"},
    )
    assert status == 200
    (seen,) = EchoApp.seen
    sent = {name.lower(): value for name, value in seen["headers"].items()}  # type: ignore[attr-defined]
    for name in CANARIES:
        assert name.lower() not in sent
    assert sent["x-forwarded-proto"] == "https"
    assert sent["host"] == "localhost"
    # Compressed, with the app's headers untouched and nginx's version hidden.
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == PAGE
    assert headers["cache-control"] == "no-store, max-age=0"
    assert headers["x-frame-options"] == "DENY"
    assert headers["content-security-policy"] == "default-src 'none'"
    assert headers["server"] == "nginx"


def test_the_body_is_read_whole_before_the_app_sees_it_on_an_owner_only_tmpfs(nginx: Nginx) -> None:
    body = b"x" * 400_000  # above client_body_buffer_size: it waits in a temporary file
    connection = https(nginx)
    connection.putrequest("POST", "/report/", skip_host=True)
    connection.putheader("Host", "localhost")
    connection.putheader("Transfer-Encoding", "chunked")  # the client does not say how long it is
    connection.endheaders()
    for start in range(0, len(body), 65536):
        chunk = body[start : start + 65536]
        connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    connection.send(b"0\r\n\r\n")
    assert connection.getresponse().status == 200
    (seen,) = EchoApp.seen
    # The app got one body of known length, at local speed, not the client's chunks as they came.
    assert seen["headers"]["Content-Length"] == str(len(body))  # type: ignore[index]
    assert seen["body_length"] == len(body)
    assert nginx.body_temp_dir.is_dir()
    assert nginx.body_temp_dir.stat().st_mode & 0o777 == 0o700
    assert Path("/dev/shm") in nginx.body_temp_dir.parents


def test_nginx_answers_redirect_413_502_400_404_and_writes_no_client_anywhere(
    nginx: Nginx, app_server: ThreadingHTTPServer
) -> None:
    # Port 80: to https, on the same host and path.
    status, headers, _ = http_get(
        f"http://127.0.0.1:{nginx.http_port}/followup/?q={QUERY_CANARY}", {**CANARIES, "Host": "localhost"}
    )
    assert status == 301
    assert headers["location"] == f"https://localhost:{nginx.https_port}/followup/?q={QUERY_CANARY}"
    # 413: a body over the cap, refused before it is read (and before the app sees it).
    connection = https(nginx)
    connection.putrequest("POST", f"/report/?q={QUERY_CANARY}", skip_host=True)
    for name, value in {**CANARIES, "Host": "localhost", "Content-Length": str(BODY_CAP + 1)}.items():
        connection.putheader(name, value)
    connection.endheaders()
    assert connection.getresponse().status == 413
    # 404: the metrics are not on the public side, and the internal listener serves nothing else.
    assert http_get(f"https://127.0.0.1:{nginx.https_port}/metrics", {**CANARIES, "Host": "localhost"})[0] == 404
    assert http_get(f"http://127.0.0.1:{nginx.metrics_port}/other", CANARIES)[0] == 404
    # 400: a malformed request, and plain http sent to the TLS port.
    assert raw(nginx.onion_port, b"GARBAGE " + QUERY_CANARY.encode() + b"\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert b"400" in raw(nginx.https_port, b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Canary-Agent/9.9\r\n\r\n")
    # 502: the app is down.
    app_server.shutdown()
    app_server.server_close()
    assert http_get(f"https://127.0.0.1:{nginx.https_port}/report/", {**CANARIES, "Host": "localhost"})[0] == 502
    assert http_get(f"http://127.0.0.1:{nginx.onion_port}/", {**CANARIES, "Host": "x.onion"})[0] == 502

    assert nginx.process is not None
    nginx.process.terminate()  # nginx writes its last lines and exits
    nginx.process.wait(timeout=30)
    written = nginx.written_files()
    access = (nginx.prefix / "logs" / "access.log").read_text().splitlines()
    # Server errors only, on the public and onion sides: a line per public request would date it.
    assert sorted(line.split()[0] + " " + line.split()[3] for line in access) == sorted(
        [f"{nginx.https_port} 502", f"{nginx.onion_port} 502"]
    ), access
    for path in written:
        text = path.read_bytes().decode("utf-8", "replace")
        for needle in ("127.0.0.1", "::1", "client:", *CANARIES.values(), QUERY_CANARY):
            assert needle not in text, f"{path.name} holds {needle!r}:\n{text}"
