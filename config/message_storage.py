"""Where flash messages ("Your password was changed.") wait for the next page: a __Host- cookie.

Django's default (FallbackStorage) keeps them in a cookie named "messages" and only
spills into the session when they do not fit. That name is a class attribute, not a
setting, so it missed the __Host- prefix every other cookie carries over HTTPS.

Kept in a cookie rather than moved to SessionStorage: the session store is the
database, and a message shown on a public page (or to someone logged out a moment
ago) would then create a session row, with its expiry time, for a visitor who had
none; DESIGN.md section 8 keeps a whistleblower's times out of storage. The cookie
is signed, and set with the session cookie's flags (Secure, HttpOnly, SameSite=Strict,
Path=/, no Domain), which __Host- requires.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage


class HostCookieStorage(CookieStorage):
    """Django's cookie storage under the name COOKIE_NAME_PREFIX + "messages" (__Host-messages over HTTPS)."""

    @property
    def cookie_name(self) -> str:  # type: ignore[override]
        # Read per request, so a test that changes the settings gets the name that goes with them.
        return f"{settings.COOKIE_NAME_PREFIX}messages"


class HostCookieFallbackStorage(FallbackStorage):
    """Django's default message storage, with the cookie renamed: the cookie, then the session if it overflows."""

    storage_classes = (HostCookieStorage, SessionStorage)
