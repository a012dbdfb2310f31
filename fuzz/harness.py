"""Send fuzzed requests through Django's test client and check what the server did with them.

Every request goes through the real middleware, views and upload handler. `send`
counts the answer in the run's figures and turns any 5xx (or an exception escaping
a view) into a test failure; `Stored` is the state an invalid request must leave
untouched: the tips, messages and attachments in the database and the files in the
attachment store.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client

from fuzz.figures import FuzzLog
from tipline import storage
from tipline.models import Attachment, Message, Tip

# The documented 5xx answers: intake unavailable or busy (503). Only the throttle test accepts them.
NO_SERVER_ERRORS: frozenset[int] = frozenset()


class ServerError(AssertionError):
    """A request got a 5xx answer, or a view raised: always a bug."""


def _consume(response: HttpResponseBase) -> None:
    # A download streams after the view returns: a decryption failure shows only while reading it.
    # The bytes read are put back, so the test can still look at them.
    if isinstance(response, StreamingHttpResponse):
        response.streaming_content = [b"".join(response.streaming_content)]  # type: ignore[arg-type]


def send(
    client: Client,
    log: FuzzLog,
    target: str,
    method: str,
    path: str,
    *,
    data: Any = None,
    body: bytes | None = None,
    content_type: str | None = None,
    allowed_server_errors: frozenset[int] = NO_SERVER_ERRORS,
    **extra: Any,
) -> HttpResponse:
    """Send one request, count it under `target`, and fail on any 5xx or exception.

    `data` goes through the client's own encoding (a query string for GET, multipart
    otherwise, or urlencoded text when `content_type` says so); `body` is sent as raw bytes
    with `content_type` as it is, however malformed.
    """
    start = time.perf_counter()
    try:
        if body is not None:
            response = client.generic(method, path, body, content_type=content_type or "", **extra)
        elif method == "GET":
            response = client.get(path, data, **extra)
        elif content_type is not None:
            response = client.generic(method, path, data or "", content_type=content_type, **extra)
        else:
            response = client.post(path, data or {}, **extra)
        _consume(response)
    except Exception as exc:
        log.record(target, "exception", time.perf_counter() - start)
        log.failure(target)
        raise ServerError(f"{method} {path} raised {type(exc).__name__}: {exc}") from exc
    log.record(target, str(response.status_code), time.perf_counter() - start)
    if response.status_code >= 500 and response.status_code not in allowed_server_errors:
        log.failure(target)
        raise ServerError(f"{method} {path} answered {response.status_code}")
    return response  # type: ignore[return-value]


# --- what a request may have stored ---------------------------------------------------------------------


def attachment_files() -> frozenset[str]:
    """Return the names of every file in the attachment store (through its storage API), partial ones included."""
    return frozenset(storage.file_names())


@dataclass(frozen=True)
class Stored:
    """The rows and files a public request can create."""

    tips: int
    messages: int
    attachments: int
    files: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def now(cls) -> Stored:
        return cls(
            tips=Tip.objects.count(),
            messages=Message.objects.count(),
            attachments=Attachment.objects.count(),
            files=attachment_files(),
        )

    def changes_since(self, before: Stored) -> list[str]:
        """Describe what changed since `before`, in words; empty when nothing did."""
        changes = [
            f"{name}: {getattr(before, name)} -> {getattr(self, name)}"
            for name in ("tips", "messages", "attachments")
            if getattr(before, name) != getattr(self, name)
        ]
        if self.files - before.files:
            changes.append(f"new files in the attachment store: {sorted(self.files - before.files)}")
        return changes


def assert_nothing_stored(log: FuzzLog, target: str, before: Stored, response: HttpResponse) -> None:
    """Fail (and count a leak) if the request changed any stored row or file."""
    changes = Stored.now().changes_since(before)
    if changes:
        log.leak(target)
        raise AssertionError(f"an invalid request ({response.status_code}) stored something: {'; '.join(changes)}")


def assert_rejected(log: FuzzLog, target: str, before: Stored, response: HttpResponse) -> None:
    """Fail unless the request was answered with a 4xx and stored nothing."""
    assert_nothing_stored(log, target, before, response)
    assert 400 <= response.status_code < 500, f"an invalid request was answered {response.status_code}"


# --- forms on a page ----------------------------------------------------------------------------------


@dataclass
class PageForm:
    """One <form> of a page: where it posts, its hidden inputs, and the names of its other fields."""

    action: str
    method: str
    hidden: list[tuple[str, str]] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


class _FormScraper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._current: PageForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = PageForm(action=values.get("action", ""), method=values.get("method", "get").lower())
            self.forms.append(self._current)
        elif tag in ("input", "textarea", "select", "button") and self._current is not None:
            name = values.get("name", "")
            if not name:
                return
            if tag == "input" and values.get("type", "text").lower() == "hidden":
                self._current.hidden.append((name, values.get("value", "")))
            else:
                self._current.fields.add(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def page_forms(html: str) -> list[PageForm]:
    """Return the forms of a page, in order."""
    scraper = _FormScraper()
    scraper.feed(html)
    scraper.close()
    return scraper.forms


def form_with_field(html: str, field_name: str) -> PageForm:
    """Return the form of the page that has a field (or hidden input) named `field_name`."""
    for form in page_forms(html):
        if field_name in form.fields or any(name == field_name for name, _value in form.hidden):
            return form
    raise AssertionError(f"the page has no form with a field named {field_name!r}")


# Hidden inputs that every form carries and that are not the form's own anti-abuse tokens.
GENERIC_HIDDEN = frozenset({"csrfmiddlewaretoken"})


def form_tokens(form: PageForm, *, except_fields: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Return the hidden inputs of a form that are its tokens (not CSRF, not one of its own fields)."""
    skip = GENERIC_HIDDEN | set(except_fields)
    return [(name, value) for name, value in form.hidden if name not in skip]


def fresh_hidden_inputs(
    client: Client, log: FuzzLog, path: str, field_name: str, *, except_fields: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """GET the page at `path` and return the hidden inputs of its form that has `field_name`.

    This is how a browser gets a form's single-use token (and whatever else the form
    hides), so a fuzzed request built on it reaches the validation behind the token.
    """
    response = send(client, log, f"GET {path} (form)", "GET", path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    return form_tokens(form_with_field(response.content.decode(), field_name), except_fields=except_fields)


def merge_fields(*parts: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Return POST data with every value of every part, in order (a repeated name keeps all its values)."""
    data: dict[str, list[str]] = {}
    for part in parts:
        for name, value in part:
            data.setdefault(name, []).append(value)
    return data


def last_values(data: Mapping[str, list[str]]) -> dict[str, str]:
    """Return the value Django's forms read for each name: the last one sent."""
    return {name: values[-1] for name, values in data.items() if values}


# --- redirects ----------------------------------------------------------------------------------------

# What browsers drop from a URL before following it (WHATWG URL parsing): leading C0 controls
# and spaces, and every tab and newline. A Location header must be judged as the browser reads it.
_URL_LEADING = "".join(chr(code) for code in range(0x21))


def browser_reading(location: str) -> str:
    """Return a Location value as a browser parses it: controls stripped, backslashes read as slashes."""
    cleaned = location.lstrip(_URL_LEADING)
    for char in "\t\n\r":
        cleaned = cleaned.replace(char, "")
    return cleaned.replace("\\", "/")


def stays_on_site(location: str, *, host: str = "testserver", base_path: str = "/") -> bool:
    """Return whether a redirect keeps the browser on this site.

    An absolute URL must name `host` (a scheme without a host, such as "http:/x", is
    read by browsers as another host, so it counts as off-site); anything else is
    resolved against the page it came from, as a browser does.
    """
    url = browser_reading(location)
    parts = urlsplit(url)
    if parts.netloc and not _host_parses(parts.netloc):
        # "//%0A/x": the browser refuses the URL and stays where it is.
        return True
    if parts.scheme:
        return parts.scheme in ("http", "https") and parts.netloc == host
    resolved = urlsplit(urljoin(f"http://{host}{base_path}", url))
    return resolved.scheme in ("http", "https") and resolved.netloc == host


# Code points a host may not contain once percent-decoded (WHATWG URL: forbidden domain code points).
_FORBIDDEN_IN_HOST = frozenset(chr(code) for code in range(0x21)) | frozenset("#%/:<>?@[\\]^|\x7f")


def _host_parses(netloc: str) -> bool:
    """Return whether a browser accepts this authority's host; a URL whose host it refuses goes nowhere."""
    authority = netloc.rsplit("@", 1)[-1]
    if authority.startswith("["):
        return True  # an IPv6 literal: counted as a real host, so it must be this site
    host = unquote(authority.split(":", 1)[0])
    return bool(host) and not set(host) & _FORBIDDEN_IN_HOST
