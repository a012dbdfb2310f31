"""The site as production serves it (nginx, gunicorn with deploy/gunicorn.conf.py, DEBUG off), on both sides.

A reviewer's questions: through the onion listener's local port, as tor hands a Tor Browser's requests
to it (Host: the .onion address, plain http, Origin http://ADDRESS.onion), does the landing page show,
can a whistleblower without JavaScript send a report with a file and open it again with the receipt?
On the clear-web side, does a page carry Onion-Location and do /metrics answer 404 while the internal
listener serves /healthz? And after all that, does any file nginx or gunicorn wrote name the client?
"""

from __future__ import annotations

import http.client
import random
import socket
from urllib.parse import urlencode

import pytest

from bench import page_weight
from chaos import files as chaos_files
from chaos.html import form_with, multipart, receipt_in, shows_text
from chaos.load import report_fields
from tests.deploy.conftest import Stack, http_get, stop

pytestmark = pytest.mark.slow

USER_AGENT = "Canary-Agent/9.9 (Tor Browser)"


class TorBrowser:
    """A browser without JavaScript behind tor: plain http to the onion listener, Host: the onion address."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, dict[str, str], str]:
        headers = {"Host": self.stack.onion_address, "User-Agent": USER_AGENT, "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method == "POST":
            headers |= {
                "Origin": f"http://{self.stack.onion_address}",
                "Sec-Fetch-Site": "same-origin",
                "Content-Type": content_type,
            }
        connection = http.client.HTTPConnection("127.0.0.1", self.stack.nginx.onion_port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, value = header.split(";")[0].strip().partition("=")
                if value and value != '""':
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
        finally:
            connection.close()


def test_the_onion_side_serves_the_site_and_takes_a_report_without_javascript(stack: Stack) -> None:
    browser = TorBrowser(stack)
    status, headers, page = browser.request("GET", "/")
    assert status == 200
    assert f"http://{stack.onion_address}" in page
    assert "onion-location" not in headers  # already on the onion

    status, _, page = browser.request("GET", "/report/")
    assert status == 200
    form = form_with(page, "description")
    assert form is not None
    description = "En el pabellón 3 entran celulares en la comida de los domingos [onion-e2e]."
    fields = [(name, value) for name, value in report_fields(form, description, random.Random(7)) if name != "contact"]
    photo = chaos_files.jpeg(1, with_exif=True)
    body, content_type = multipart(form.hidden + fields, [("attachments", photo)])
    status, _, page = browser.request("POST", "/report/", body, content_type)
    assert status == 200, page
    receipt = receipt_in(page)
    assert receipt is not None, page

    # Later, another Tor Browser session with the code.
    later = TorBrowser(stack)
    status, _, page = later.request("GET", "/followup/")
    code_form = form_with(page, "receipt")
    assert code_form is not None
    body = urlencode([*code_form.hidden, ("receipt", receipt)]).encode()
    status, headers, _ = later.request("POST", "/followup/", body, "application/x-www-form-urlencoded")
    assert status in (302, 303)
    status, _, page = later.request("GET", "/followup/")
    assert status == 200
    assert shows_text(page, description)
    assert "evidencia-1.jpg" in page


def test_the_clear_web_side_points_to_the_onion_and_keeps_metrics_internal(stack: Stack) -> None:
    base = f"https://127.0.0.1:{stack.nginx.https_port}"
    status, headers, _ = http_get(base + "/report/", {"Host": "localhost", "User-Agent": USER_AGENT})
    assert status == 200
    assert headers["onion-location"] == f"http://{stack.onion_address}/report/"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
    status, headers, _ = http_get(base + "/staff/login/", {"Host": "localhost"})
    assert status == 200 and "onion-location" not in headers
    assert http_get(base + "/metrics", {"Host": "localhost"})[0] == 404
    assert http_get(base + "/nothing-here/", {"Host": "localhost"})[0] == 404
    status, _, body = http_get(f"http://127.0.0.1:{stack.nginx.metrics_port}/healthz")
    assert status == 200 and b'"database": "ok"' in body


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("path", ["/", "/report/"])
def test_a_first_visit_through_the_proxy_stays_under_30_kb(stack: Stack, path: str, language: str) -> None:
    """Issue 12's budget, as a browser's first visit transfers it: HTML gzipped by nginx, static files by WhiteNoise."""
    weight = page_weight.measure(f"https://localhost:{stack.nginx.https_port}{path}", insecure=True, language=language)
    assert not weight.missing, weight.missing
    assert weight.resources[0].encoding == "gzip", "nginx compresses the page itself"
    assert all(resource.encoding == "gzip" for resource in weight.resources if resource.kind == "stylesheet")
    assert weight.total_bytes < 30 * 1024, page_weight.render(weight)


def test_a_report_over_the_size_limit_gets_the_apps_page_with_the_limits(stack: Stack) -> None:
    """nginx refuses the body unread (413) and shows the app's page, in Spanish, instead of its own."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.nginx.onion_port, timeout=30)
    try:
        connection.putrequest("POST", "/report/", skip_host=True)
        connection.putheader("Host", stack.onion_address)
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(int(stack.env.get("TIPLINE_MAX_REQUEST_BYTES", "0")) or 10**9))
        connection.endheaders()
        response = connection.getresponse()
        page = response.read().decode()
    finally:
        connection.close()
    assert response.status == 413
    assert "Demasiado grande para enviarse" in page and "no se guardó nada" in page


def test_clients_that_trickle_their_uploads_hold_no_worker(stack: Stack) -> None:
    """Issue 12: three trickling uploads used to hold all three sync workers and block every page.

    Here twice as many as gunicorn has workers send a report's headers and a few bytes of a
    large body, then stall; nginx keeps reading their bodies itself, so a page still opens.
    """
    workers = int(stack.env["GUNICORN_WORKERS"])
    slow = []
    try:
        for _ in range(2 * workers + 2):
            connection = socket.create_connection(("127.0.0.1", stack.nginx.onion_port), timeout=30)
            connection.sendall(
                b"POST /report/ HTTP/1.1\r\nHost: " + stack.onion_address.encode() + b"\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 5000000\r\n\r\n--x\r\n"
            )
            slow.append(connection)
        status, _, page = TorBrowser(stack).request("GET", "/report/")
        assert status == 200 and "<form" in page
        # The stalled uploads are still being read by nginx, not answered: no worker ever saw them.
        for connection in slow:
            connection.setblocking(False)
            with pytest.raises(BlockingIOError):
                connection.recv(1)
    finally:
        for connection in slow:
            connection.close()


def test_no_file_written_by_nginx_or_gunicorn_names_the_client(stack: Stack) -> None:
    # Runs last in this module: the requests above are all in the logs by now.
    assert stack.nginx.process is not None
    stop(stack.nginx.process)
    written = [*stack.nginx.written_files(), stack.gunicorn_log]
    (access,) = [path.read_text().splitlines() for path in written if path.name == "access.log"]
    # Staff requests are logged; the public pages the tests above opened and sent are not (no 5xx among them).
    assert any(" /staff/login/ 200 " in line for line in access), access
    assert not [line for line in access if " /staff/" not in line], access
    for path in written:
        text = path.read_text(errors="replace")
        for needle in ("127.0.0.1", "::1", "client:", USER_AGENT):
            assert needle not in text, f"{path.name} holds {needle!r}:\n{text}"
