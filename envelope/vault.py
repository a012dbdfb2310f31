"""Keys held for the length of a session, encrypted under a key that only the client holds.

The server-side session stores ciphertext; the 32-byte key that opens it lives in
a separate HttpOnly cookie. A stolen session table or Redis dump reveals nothing,
and the server can use the keys only while that client keeps sending the cookie.
Used for staff (their private key and their units' keys) and for a whistleblower
on the follow-up page (their tip's data key).
"""

from __future__ import annotations

import base64
import binascii
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from envelope import primitives as crypto
from envelope.schema import VAULT_AAD

_SESSION_KEY = "vault"
_AAD = VAULT_AAD


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))


def vault_store(request: HttpRequest, response: HttpResponse, secrets_by_name: dict[str, bytes]) -> None:
    """Encrypt `secrets_by_name` into the session under a new key sent only as a cookie."""
    key = crypto.new_key()
    payload = json.dumps({name: _b64(value) for name, value in secrets_by_name.items()}).encode()
    request.session.cycle_key()
    session_key = request.session.session_key or ""
    request.session[_SESSION_KEY] = _b64(crypto.encrypt(payload, key=key, aad=_AAD + session_key.encode()))
    response.set_cookie(
        settings.VAULT_COOKIE_NAME,
        _b64(key),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
    )


def vault_open(request: HttpRequest) -> dict[str, bytes]:
    """Return the secrets stored for this session, or {} if the cookie or session is gone."""
    sealed = request.session.get(_SESSION_KEY)
    cookie = request.COOKIES.get(settings.VAULT_COOKIE_NAME)
    session_key = request.session.session_key
    if not sealed or not cookie or not session_key:
        return {}
    try:
        payload = crypto.decrypt(_unb64(sealed), key=_unb64(cookie), aad=_AAD + session_key.encode())
        return {name: _unb64(value) for name, value in json.loads(payload).items()}
    except (crypto.CryptoError, ValueError, binascii.Error, TypeError):
        return {}


def vault_clear(request: HttpRequest, response: HttpResponse) -> None:
    """Forget the vault in the session and tell the client to drop its key."""
    request.session.pop(_SESSION_KEY, None)
    response.delete_cookie(settings.VAULT_COOKIE_NAME, samesite="Strict")
