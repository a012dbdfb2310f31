"""Read forms out of the public pages the way a browser does, and build the bodies it would send.

The client never hard-codes a token or a choice: it sends back every hidden input
of the page it was given (CSRF and form tokens alike), picks values among the
options the page offers, and leaves alone any field it does not know (the honeypot).
"""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser

from chaos.ledger import SentFile

RECEIPT_PATTERN = re.compile(r'id="receipt"[^>]*>\s*(\d{4} \d{4} \d{4} \d{4})\s*<')


@dataclass
class Form:
    """One <form>: where it posts, its hidden values, and the choices of its selects and radio buttons."""

    action: str
    method: str
    hidden: list[tuple[str, str]] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(action=values.get("action", ""), method=values.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = values.get("name", "")
        if tag in ("input", "textarea", "button") and name:
            form.fields.add(name)
        if tag == "input" and name:
            kind = values.get("type", "text").lower()
            if kind == "hidden":
                form.hidden.append((name, values.get("value", "")))
            elif kind == "radio":
                form.choices.setdefault(name, []).append(values.get("value", ""))
        elif tag == "select" and name:
            form.fields.add(name)
            form.choices.setdefault(name, [])
            self._select = name
        elif tag == "option" and self._select is not None:
            value = values.get("value", "")
            if value:
                form.choices[self._select].append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_in(page: str) -> list[Form]:
    """Return every form of an HTML page."""
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def form_with(page: str, field_name: str) -> Form | None:
    """Return the first form of the page that has a field of this name."""
    return next((form for form in forms_in(page) if field_name in form.fields), None)


def receipt_in(page: str) -> str | None:
    """Return the 16-digit tracking code shown on a receipt page, without spaces."""
    match = RECEIPT_PATTERN.search(page)
    return match.group(1).replace(" ", "") if match else None


def shows_text(page: str, text: str) -> bool:
    """Return whether the page shows this text (escaped as a template would, in a field or a paragraph)."""
    return html.escape(text, quote=False) in page or html.escape(text) in page


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, SentFile]]) -> tuple[bytes, str]:
    """Return a multipart/form-data body and its content type."""
    boundary = "----chaos" + secrets.token_hex(12)
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        )
    for name, sent in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{sent.name}"\r\n'
            f"Content-Type: {sent.content_type}\r\n\r\n"
        )
        parts.append(head.encode() + sent.data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
