"""Middleware that enforces the privacy rules of DESIGN.md section 8 on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import decorator_from_middleware

from tipline.uploads import discard_unkept_uploads

# Headers that identify or locate a client. Removed before any other code runs,
# so no view, log line, error report or library can store them.
IDENTIFYING_META = (
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "HTTP_USER_AGENT",
    "HTTP_REFERER",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_CF_CONNECTING_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_VIA",
)
PLACEHOLDER_ADDR = "0.0.0.0"  # noqa: S104 - a placeholder value, not an address to bind  # nosec B104


class StripClientIdentityMiddleware:
    """Drop the client's address, user agent and referrer from every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in IDENTIFYING_META:
            request.META.pop(name, None)
        # Some code expects the key; give it a value that identifies no one.
        request.META["REMOTE_ADDR"] = PLACEHOLDER_ADDR
        return self.get_response(request)


class ExplicitLanguageChoiceMiddleware:
    """Ignore the browser's Accept-Language: Spanish unless the visitor chooses English.

    Tor Browser always announces en-US (so all its users look alike), and most
    phones in the target audience are Spanish anyway; the language switch on every
    page sets a cookie, which LocaleMiddleware honours.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class NoReferrerCsrfViewMiddleware(CsrfViewMiddleware):
    """CSRF protection that works with `Referrer-Policy: no-referrer`.

    With that policy, browsers send `Origin: null` on same-origin POSTs and no
    Referer at all, which Django's checks reject. We accept those two cases only
    when the browser does not say the request is cross-site (Sec-Fetch-Site), and
    always still require the CSRF token, which SameSite=Strict cookies back up.
    """

    def _cross_site(self, request: HttpRequest) -> bool:
        return request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") not in ("same-origin", "none")

    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null" and not self._cross_site(request):
            return True
        return bool(super()._origin_verified(request))  # type: ignore[misc]

    def _check_referer(self, request: HttpRequest) -> None:
        # The Referer was removed by StripClientIdentityMiddleware and is never sent
        # under our policy; the origin header and the token carry the protection.
        if self._cross_site(request):
            super()._check_referer(request)  # type: ignore[misc]


_no_referrer_csrf = decorator_from_middleware(NoReferrerCsrfViewMiddleware)
_View = TypeVar("_View", bound=Callable[..., Any])


def csrf_protect(view: _View) -> _View:
    """Run the site's CSRF check (NoReferrerCsrfViewMiddleware) in a view exempt from the middleware.

    For a view that must set its upload handlers before anything reads the body. Django's
    own `csrf_protect` would run the stock check, which refuses the `Origin: null` every
    browser sends under our Referrer-Policy.
    """
    return cast(_View, _no_referrer_csrf(view))


class PublicNoStoreMiddleware:
    """Forbid caching of every page, so a shared phone's browser keeps no copy of a report."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store, max-age=0"
            response["Pragma"] = "no-cache"
        return response


class DiscardUnkeptUploadsMiddleware:
    """Delete, once the response is ready, every uploaded file that no attachment row took.

    Files are encrypted into the store while the request streams in, before any view
    decides about them: a refused form, a limit, a URL that takes no files or an
    error would otherwise leave ciphertext behind. Services mark the uploads they
    store (`EncryptedUpload.kept`); everything else goes here, in one place. A file
    whose row may have been committed just before a lost connection is marked kept
    and, if its row is not there after all, is swept at night
    (`tipline.sweep_orphan_attachments`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Only a body that was parsed has uploads; reading it here would parse it.
        files = getattr(request, "_files", None)
        if files:
            discard_unkept_uploads(files)
        return response


class OnionLocationMiddleware:
    """Point Tor Browser from a clear-web public page to the same page on the onion service.

    Tor Browser reads `Onion-Location` and offers the .onion address, where the visitor's
    connection never leaves the Tor network. Staff pages (/staff/) are not offered there,
    nor is a page that was already served through the onion address.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        onion = settings.TIPLINE_ONION_ADDRESS
        if not onion or request.path.startswith("/staff/"):
            return response
        try:
            host = request.get_host().rsplit(":", 1)[0]
        except DisallowedHost:
            return response  # answered with the 400 page already; nothing to point anywhere
        if host != onion:
            response["Onion-Location"] = f"http://{onion}{request.get_full_path()}"
        return response
