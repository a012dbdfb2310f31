"""What a first visit to a page costs on the wire: `python -m bench.page_weight BASE_URL [PATH ...]`.

A whistleblower on a slow phone line or behind Tor pays for every byte of the first visit, and
Tor Browser forgets its cache with every session, so every visit is a first one. This fetches a
page as a browser with an empty cache does: the HTML, then every stylesheet, script, image and
icon it names (and /favicon.ico when it names none, which browsers ask for by themselves), then
whatever `url(...)` and `@import` inside the stylesheets point to (fonts, images), each once.
Every request says `Accept-Encoding: gzip` (and `br` when a Brotli decoder is importable here, so
that an answer in brotli can still be read), and the figure counted is the body as it crossed the
wire, compressed if the server compressed it. Headers, TLS and TCP overhead are not counted.
`data:` URLs cost nothing extra: they are inside the file that holds them.

It prints one row a resource and the total, and exits 1 when a page is over --budget-kb
(KB = 1000 bytes), 2 when a resource the page names cannot be fetched (a missing stylesheet would
make the page look light). Any base URL works: the Django development server, gunicorn, the
proxy in front of it; --insecure accepts a self-signed TLS certificate.
"""

from __future__ import annotations

import argparse
import gzip
import ssl
import sys
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from deploy.up import self_signed_client_context

try:  # Only to read an answer a server chose to send in brotli; not a dependency of the project.
    import brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the machine
    brotli = None

DEFAULT_BUDGET_KB = 30.0
DEFAULT_PATHS = ["/", "/report/"]
ACCEPT_ENCODING = "gzip, br" if brotli is not None else "gzip"
# What a current Tor Browser sends; the site ignores it, and it keeps servers from answering a script.
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
TIMEOUT_SECONDS = 30
# The language switch sets this cookie (under the __Host- name when cookies are Secure); the site
# reads whichever of the two it uses and ignores the browser's Accept-Language.
LANGUAGE_COOKIES = ("django_language", "__Host-django_language")
_ICON_RELS = {"icon", "shortcut icon", "apple-touch-icon", "mask-icon"}


class _Fetch(Protocol):
    def __call__(self, target: str, kind: str, *, required: bool = True) -> bytes | None: ...


@dataclass
class Resource:
    """One answer of the visit: what it was, and how many body bytes came over the wire."""

    url: str
    kind: str
    status: int
    encoding: str
    wire_bytes: int
    required: bool = True


@dataclass
class PageWeight:
    """The first visit to one page: its resources in the order a browser asks for them."""

    url: str
    language: str = ""
    resources: list[Resource] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(r.wire_bytes for r in self.resources)

    @property
    def missing(self) -> list[Resource]:
        return [r for r in self.resources if r.required and not 200 <= r.status < 300]


class _PageLinks(HTMLParser):
    """The subresources a page names, in document order, and the language it says it is in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.has_icon = False
        self.language = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        rel = attributes.get("rel", "").lower()
        if tag == "html":
            self.language = attributes.get("lang", "")
        elif tag == "link" and rel == "stylesheet" and attributes.get("href"):
            self.links.append(("stylesheet", attributes["href"]))
        elif tag == "link" and rel in _ICON_RELS:
            self.has_icon = True
            if attributes.get("href"):
                self.links.append(("icon", attributes["href"]))
        elif tag == "script" and attributes.get("src"):
            self.links.append(("script", attributes["src"]))
        elif tag in ("img", "input") and attributes.get("src"):
            self.links.append(("image", attributes["src"]))


def _css_references(css: str) -> list[str]:
    """Return the targets of `url(...)` and `@import "..."` in a stylesheet, comments skipped."""
    references: list[str] = []
    i = 0
    while i < len(css):
        if css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = len(css) if end < 0 else end + 2
        elif css[i : i + 4].lower() == "url(":
            end = css.find(")", i + 4)
            end = len(css) if end < 0 else end
            references.append(css[i + 4 : end].strip().strip("\"'"))
            i = end + 1
        elif css[i : i + 7].lower() == "@import":
            rest = css[i + 7 :].lstrip()
            if rest[:1] in ("'", '"'):
                close = rest.find(rest[0], 1)
                references.append(rest[1:close])
            i += 7
        else:
            i += 1
    return references


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br" and brotli is not None:
        return bytes(brotli.decompress(body))
    return body


class _Visit:
    """One browser with an empty cache, talking to one site."""

    def __init__(self, *, insecure: bool, language: str) -> None:
        # --insecure: a site with a self-signed certificate, such as `make up` makes.
        context = self_signed_client_context() if insecure else ssl.create_default_context()
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
        self.headers = {"Accept-Encoding": ACCEPT_ENCODING, "User-Agent": USER_AGENT}
        if language:
            self.headers["Cookie"] = "; ".join(f"{name}={language}" for name in LANGUAGE_COOKIES)

    def get(self, url: str) -> tuple[int, str, bytes, bytes]:
        """Return the status, content encoding, body as sent and body decoded of one GET."""
        request = urllib.request.Request(url, headers=self.headers)  # noqa: S310 - the URL the operator gave
        try:
            with self.opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        encoding = (headers.get("Content-Encoding") or "").strip().lower()
        return status, encoding, body, _decode(body, encoding)


def measure(url: str, *, insecure: bool = False, language: str = "") -> PageWeight:
    """Fetch the page at `url` and everything it loads, as a browser's first visit; return the bytes."""
    visit = _Visit(insecure=insecure, language=language)
    weight = PageWeight(url=url)
    seen: set[str] = set()

    def fetch(target: str, kind: str, *, required: bool = True) -> bytes | None:
        if target in seen or target.startswith("data:"):
            return None
        seen.add(target)
        status, encoding, raw, body = visit.get(target)
        weight.resources.append(Resource(target, kind, status, encoding or "-", len(raw), required))
        return body

    html = fetch(url, "document") or b""
    links = _PageLinks()
    links.feed(html.decode("utf-8", errors="replace"))
    weight.language = links.language
    for kind, href in links.links:
        target = urljoin(url, href)
        if target.startswith("data:"):
            continue
        body = fetch(target, kind)
        if kind == "stylesheet" and body is not None:
            _fetch_css_references(target, body, fetch)
    if not links.has_icon:
        fetch(urljoin(url, "/favicon.ico"), "icon (implicit)", required=False)
    return weight


def _fetch_css_references(css_url: str, css: bytes, fetch: _Fetch) -> None:
    for reference in _css_references(css.decode("utf-8", errors="replace")):
        target = urljoin(css_url, reference)
        if target.startswith("data:"):
            continue
        path = urlsplit(target).path.lower()
        kind = (
            "stylesheet" if path.endswith(".css") else "font" if path.endswith((".woff2", ".woff", ".ttf")) else "image"
        )
        body = fetch(target, kind)
        if kind == "stylesheet" and body is not None:
            _fetch_css_references(target, body, fetch)


def render(weight: PageWeight) -> str:
    """Return the table of one page's resources and its total."""
    width = max([len(r.url) for r in weight.resources] + [8])
    lines = [f"{weight.url}  (html lang={weight.language or '?'})"]
    lines.append(f"  {'resource':<{width}}  {'kind':<16} {'status':>6} {'encoding':<8} {'bytes':>9}")
    for r in weight.resources:
        lines.append(f"  {r.url:<{width}}  {r.kind:<16} {r.status:>6} {r.encoding:<8} {r.wire_bytes:>9,}")
    lines.append(f"  {'total (bodies as transferred, headers excluded)':<{width + 32}} {weight.total_bytes:>9,}")
    lines.append(f"  = {weight.total_bytes / 1000:.1f} KB")
    return "\n".join(lines)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.page_weight", description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="where the site is served, e.g. http://127.0.0.1:8000 or https://tips.example")
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS, help="pages to measure (default: / /report/)")
    parser.add_argument("--budget-kb", type=float, default=DEFAULT_BUDGET_KB, help="most KB a page may weigh (30)")
    parser.add_argument("--language", default="", help="a language the visitor chose with the switch, e.g. en")
    parser.add_argument("--insecure", action="store_true", help="accept a self-signed TLS certificate")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure each page, print the tables; 0 if all are within the budget, 1 if not, 2 if one is broken."""
    args = _parse(argv)
    budget_bytes = args.budget_kb * 1000
    print(f"Accept-Encoding: {ACCEPT_ENCODING}; budget {args.budget_kb:g} KB a page")
    status = 0
    for path in args.paths:
        weight = measure(urljoin(args.base_url, path), insecure=args.insecure, language=args.language)
        print(render(weight))
        if weight.missing:
            print(f"  BROKEN: {len(weight.missing)} resource(s) the page names could not be fetched")
            status = 2
        elif weight.total_bytes > budget_bytes and status == 0:
            print(f"  OVER BUDGET by {(weight.total_bytes - budget_bytes) / 1000:.1f} KB")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
