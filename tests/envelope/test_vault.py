"""The session vault (tipline/vault.py): the server stores only ciphertext, the key is only in a cookie.

A reviewer's questions: does a stolen session table reveal anything, does the
vault open without the client's cookie, is the cookie bound to its session, and
does clearing really forget?
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from accounts.models import StaffMember
from envelope import primitives as crypto
from envelope.vault import vault_clear, vault_open, vault_store
from org.models import Facility
from tests.factories import receipt_from, report_data
from tipline import services
from tipline.models import Tip

pytestmark = pytest.mark.django_db

SESSION_COOKIE = settings.SESSION_COOKIE_NAME
VAULT_COOKIE = settings.VAULT_COOKIE_NAME


# --- helpers ------------------------------------------------------------------------------------


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def request_with(cookies: dict[str, str] | None = None) -> HttpRequest:
    """A request that has been through SessionMiddleware, carrying the given cookies."""
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    SessionMiddleware(_ok).process_request(request)
    return request


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Let SessionMiddleware save the session and set its cookie, as at the end of a request."""
    return SessionMiddleware(_ok).process_response(request, response)


def store(secrets: dict[str, bytes], cookies: dict[str, str] | None = None) -> tuple[str, str]:
    """Store secrets in a vault; return (session cookie, vault cookie) as a browser would keep them."""
    request = request_with(cookies)
    response = HttpResponse()
    vault_store(request, response, secrets)
    finish(request, response)
    return response.cookies[SESSION_COOKIE].value, response.cookies[VAULT_COOKIE].value


def open_with(cookies: dict[str, str]) -> dict[str, bytes]:
    return vault_open(request_with(cookies))


def encodings(secret: bytes) -> list[bytes]:
    """Every way a careless implementation might have written `secret` into the session."""
    forms = [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret),
        base64.b32encode(secret),
    ]
    # Without padding, and the inner part only (in case it was encoded inside a longer string).
    forms += [f.rstrip(b"=") for f in forms[3:]]
    forms += [base64.b64encode(secret)[4:-4], base64.urlsafe_b64encode(secret)[4:-4]]
    return forms


def session_row_texts(session_key: str) -> list[bytes]:
    """The stored session as an attacker with the database would read it: raw and decoded."""
    row = Session.objects.get(session_key=session_key)
    decoded = row.get_decoded()
    texts = [row.session_data.encode(), json.dumps(decoded).encode()]
    # Decode every base64-looking value once more (the vault blob is base64 of ciphertext).
    for value in decoded.values():
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                texts.append(base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4)))
    return texts


def assert_secret_absent(session_key: str, secret: bytes) -> None:
    for text in session_row_texts(session_key):
        for form in encodings(secret):
            assert form not in text, f"secret found in the session row as {form!r}"


SECRETS = {
    "private_key": os.urandom(97),
    "unit_key": os.urandom(32),
    "label": b"plain ascii secret: staff private key material",
}


# --- through RequestFactory + SessionMiddleware ---------------------------------------------------


def test_secrets_come_back_only_with_the_cookie() -> None:
    session_key, vault_key = store(SECRETS)
    assert open_with({SESSION_COOKIE: session_key, VAULT_COOKIE: vault_key}) == SECRETS
    assert open_with({SESSION_COOKIE: session_key}) == {}
    assert open_with({VAULT_COOKIE: vault_key}) == {}
    assert open_with({}) == {}


@pytest.mark.parametrize(
    "make_cookie",
    [
        lambda key: base64.urlsafe_b64encode(crypto.new_key()).decode(),  # another valid-looking key
        lambda key: key[:10] + ("A" if key[10] != "A" else "B") + key[11:],  # one character altered
        lambda key: base64.urlsafe_b64encode(base64.urlsafe_b64decode(key)[:16]).decode(),  # truncated
        lambda key: "",
        lambda key: "not base64 !!",
        lambda key: "ñandú",
    ],
    ids=["other-key", "altered", "short-key", "empty", "garbage", "non-ascii"],
)
def test_wrong_cookie_gives_empty_vault(make_cookie: Callable[[str], str]) -> None:
    session_key, vault_key = store(SECRETS)
    cookie = make_cookie(vault_key)
    assert cookie != vault_key
    assert open_with({SESSION_COOKIE: session_key, VAULT_COOKIE: cookie}) == {}


def test_session_row_holds_no_secret_bytes() -> None:
    session_key, vault_key = store(SECRETS)
    row = Session.objects.get(session_key=session_key)
    assert "vault" in row.get_decoded()  # the vault is in this row, only as ciphertext
    for secret in SECRETS.values():
        assert_secret_absent(session_key, secret)
    # Nor the key that opens it.
    assert_secret_absent(session_key, base64.urlsafe_b64decode(vault_key))
    assert vault_key.encode() not in row.session_data.encode()


def test_vault_cookie_is_httponly_strict_and_key_sized() -> None:
    request = request_with()
    response = HttpResponse()
    vault_store(request, response, SECRETS)
    cookie = response.cookies[VAULT_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["secure"] == (True if settings.SESSION_COOKIE_SECURE else "")
    assert len(base64.urlsafe_b64decode(cookie.value)) == crypto.KEY_BYTES


def test_each_store_uses_a_new_key_and_a_new_session_id() -> None:
    """Storing cycles the session id (no fixation) and draws a fresh cookie key."""
    first_session, first_key = store({"a": b"1"})
    second_session, second_key = store({"a": b"2"}, {SESSION_COOKIE: first_session})
    assert second_session != first_session
    assert second_key != first_key
    assert not Session.objects.filter(session_key=first_session).exists()
    assert open_with({SESSION_COOKIE: second_session, VAULT_COOKIE: second_key}) == {"a": b"2"}
    assert open_with({SESSION_COOKIE: second_session, VAULT_COOKIE: first_key}) == {}


def test_vault_is_bound_to_its_session() -> None:
    """Ciphertext copied into another session does not open there, even with its own key."""
    session_a, key_a = store({"secret": b"A" * 32})
    session_b, key_b = store({"secret": b"B" * 32})
    assert open_with({SESSION_COOKIE: session_a, VAULT_COOKIE: key_b}) == {}
    assert open_with({SESSION_COOKIE: session_b, VAULT_COOKIE: key_a}) == {}
    # Transplant A's sealed vault into B's session row.
    row_a, row_b = Session.objects.get(session_key=session_a), Session.objects.get(session_key=session_b)
    data_b = row_b.get_decoded()
    data_b["vault"] = row_a.get_decoded()["vault"]
    Session.objects.filter(session_key=session_b).update(session_data=Session.objects.encode(data_b))
    assert open_with({SESSION_COOKIE: session_b, VAULT_COOKIE: key_a}) == {}
    assert open_with({SESSION_COOKIE: session_a, VAULT_COOKIE: key_a}) == {"secret": b"A" * 32}


def test_tampered_session_ciphertext_gives_empty_vault() -> None:
    session_key, vault_key = store(SECRETS)
    row = Session.objects.get(session_key=session_key)
    data = row.get_decoded()
    sealed = bytearray(base64.urlsafe_b64decode(data["vault"]))
    sealed[-1] ^= 1
    data["vault"] = base64.urlsafe_b64encode(bytes(sealed)).decode()
    Session.objects.filter(session_key=session_key).update(session_data=Session.objects.encode(data))
    assert open_with({SESSION_COOKIE: session_key, VAULT_COOKIE: vault_key}) == {}


def test_vault_clear_forgets() -> None:
    session_key, vault_key = store(SECRETS)
    cookies = {SESSION_COOKIE: session_key, VAULT_COOKIE: vault_key}
    request = request_with(cookies)
    response = HttpResponse()
    vault_clear(request, response)
    finish(request, response)
    # The client is told to drop the key...
    deleted = response.cookies[VAULT_COOKIE]
    assert deleted.value == ""
    assert deleted["max-age"] == 0
    # ...and even a client that keeps it finds nothing: the ciphertext is gone from the session.
    assert "vault" not in Session.objects.get(session_key=session_key).get_decoded()
    assert open_with(cookies) == {}


# --- through the test client: the whistleblower's follow-up page -------------------------------------


def test_followup_vault_through_the_test_client(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    description = "Vault canary: los celulares entran por la cocina."
    public = Client()
    page = public.post("/report/", report_data(facilities["lurigancho"], description=description))
    receipt = receipt_from(page.content.decode())
    assert public.post("/followup/", {"receipt": receipt}).status_code == 302
    session_key = public.cookies[SESSION_COOKIE].value
    vault_key = public.cookies[VAULT_COOKIE].value
    assert public.cookies[VAULT_COOKIE]["httponly"] is True
    assert description in public.get("/followup/").content.decode()

    # The tip's data key (what the vault protects) is nowhere in the session row.
    opened = services.tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    tip, data_key = opened
    assert tip == Tip.objects.get()
    assert_secret_absent(session_key, data_key)
    assert_secret_absent(session_key, base64.urlsafe_b64decode(vault_key))

    def thread_shown(cookies: dict[str, str]) -> bool:
        client = Client()
        for name, value in cookies.items():
            client.cookies[name] = value
        html = client.get("/followup/").content.decode()
        shown = description in html
        assert shown != bool(re.search(r'id="id_receipt"', html))  # either the thread or the code form
        return shown

    assert thread_shown({SESSION_COOKIE: session_key, VAULT_COOKIE: vault_key})
    assert not thread_shown({SESSION_COOKIE: session_key})
    assert not thread_shown({VAULT_COOKIE: vault_key})
    assert not thread_shown(
        {SESSION_COOKIE: session_key, VAULT_COOKIE: base64.urlsafe_b64encode(crypto.new_key()).decode()}
    )

    # Closing forgets: the old cookies no longer open anything.
    assert public.post("/followup/", {"action": "close"}).status_code == 302
    assert public.cookies[VAULT_COOKIE].value == ""
    assert description not in public.get("/followup/").content.decode()
    assert not thread_shown({SESSION_COOKIE: session_key, VAULT_COOKIE: vault_key})
