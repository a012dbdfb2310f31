"""Guards for the staff side: the verified-staff decorator, login throttling and the idle timeout.

Nothing here stores or reads a client address: the throttle counts failures per
user name (as an HMAC, so the cache never holds the names either), never per IP.
"""

from __future__ import annotations

import functools
import time
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, Concatenate, ParamSpec, overload

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, ngettext

from accounts.models import StaffMember
from accounts.services import staff_logout
from audit.models import AuditAction
from audit.services import audit_record
from envelope.vault import vault_clear

P = ParamSpec("P")
# A staff view: the request, the member the decorator hands it, then the URL's arguments.
MemberView = Callable[Concatenate[HttpRequest, StaffMember, P], HttpResponseBase]
View = Callable[Concatenate[HttpRequest, P], HttpResponseBase]

LAST_ACTIVITY_SESSION_KEY = "staff_last_activity"
# The salt keeps its first name so counters survive the move of this module.
_THROTTLE_SALT = "cases.security.login-throttle"


def _now() -> float:
    """Return the current Unix time (a seam for tests that move the clock)."""
    return time.time()


def verified_staff_member(user: Any) -> StaffMember | None:
    """Return the staff member of a user who logged in with password and TOTP code, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    is_verified = getattr(user, "is_verified", None)
    if not (callable(is_verified) and is_verified()):
        return None
    return getattr(user, "staff", None)


def is_verified_staff(user: Any) -> bool:
    """Return whether `user` logged in with password and TOTP code and holds a staff role."""
    return verified_staff_member(user) is not None


@overload
def staff_required(view: MemberView[P], /) -> View[P]: ...


@overload
def staff_required(*, roles: Iterable[str]) -> Callable[[MemberView[P]], View[P]]: ...


def staff_required(
    view: MemberView[P] | None = None, /, *, roles: Iterable[str] | None = None
) -> View[P] | Callable[[MemberView[P]], View[P]]:
    """Let only verified staff through (password, TOTP code, staff role) and hand the view its member.

    Anyone else is sent to log in. A member whose password an administrator reset is
    sent to choose their own first (no staff page opens before: they hold no key).
    With `roles`, a member of any other role gets a 404: the page does not exist for them. The view is called as `view(request, member, ...)`.
    Use it bare (`@staff_required`) or with roles (`@staff_required(roles={Role.AUDITOR})`).
    """
    allowed = frozenset(roles) if roles is not None else None

    def decorate(member_view: MemberView[P]) -> View[P]:
        @functools.wraps(member_view)
        def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            member = verified_staff_member(request.user)
            if member is None:
                return redirect_to_login(request.get_full_path())
            if member.awaiting_own_password:
                return redirect("staff:account_own_password")
            if allowed is not None and member.role not in allowed:
                raise Http404
            return member_view(request, member, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


# Login throttling ---------------------------------------------------------------------------

# The prefix of the per-minute counters of all login attempts (a seam for tests).
_GLOBAL_ATTEMPTS_PREFIX = "staff-login-attempts"


def username_normalise(username: str) -> str:
    """Return the one spelling of a user name that the login, the throttle and the audit log use.

    NFKC folds look-alikes (full-width "ｌｉｍａ" is "lima"), then case folding makes
    "LIMA" and "lima" one name; NFKC again, as Unicode's NFKC_Casefold does, because
    folding can undo a normalisation. Surrounding white space is dropped.
    Accounts are created under this spelling (create_staff), so it finds them.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())
    return folded.strip()


def _throttle_keys(username: str) -> tuple[str, str]:
    digest = salted_hmac(_THROTTLE_SALT, username_normalise(username), algorithm="sha256").hexdigest()
    return f"staff-login-failures:{digest}", f"staff-login-locked:{digest}"


def login_throttle_locked(*, username: str) -> bool:
    """Return whether logins for this user name are refused for now after too many failures."""
    _failures_key, locked_key = _throttle_keys(username)
    locked_until = cache.get(locked_key)
    return locked_until is not None and float(locked_until) > _now()


def login_failure_record(*, username: str) -> bool:
    """Count a failed login; lock the user name once the failures reach the limit within the window.

    Return whether this failure locked it.
    """
    failures_key, locked_key = _throttle_keys(username)
    # add() starts the window; incr() is atomic on Redis, so parallel guesses cannot lose counts.
    cache.add(failures_key, 0, timeout=settings.STAFF_LOGIN_FAILURE_WINDOW_SECONDS)
    try:
        failures = cache.incr(failures_key)
    except ValueError:  # the window expired between add() and incr()
        cache.set(failures_key, 1, timeout=settings.STAFF_LOGIN_FAILURE_WINDOW_SECONDS)
        failures = 1
    if failures >= settings.STAFF_LOGIN_MAX_FAILURES:
        lockout = settings.STAFF_LOGIN_LOCKOUT_SECONDS
        cache.set(locked_key, _now() + lockout, timeout=lockout)
        cache.delete(failures_key)
        return True
    return False


def login_throttle_reset(*, username: str) -> None:
    """Forget the failures and any lock for this user name (after a good login, or by an administrator)."""
    cache.delete_many(list(_throttle_keys(username)))


def login_lock_clear(*, user: User, actor: StaffMember) -> None:
    """Let a locked-out user try again at once (administrators, from the account pages); record who did.

    The counters live in the cache, which no transaction covers, so the audit entry
    is written first: if it cannot be, the lock stays.
    """
    audit_record(
        actor=actor.user,
        action=AuditAction.SETTINGS_CHANGED,
        target_type="user",
        target_id=user.pk,
        details={"login_lock": "cleared"},
    )
    login_throttle_reset(username=user.get_username())


def login_attempt_allowed() -> bool:
    """Count a login attempt against the limit for all user names together; return whether it may go on.

    Each attempt costs an Argon2 run of 64-100 MiB, so a flood over many user names
    (which the per-name lock does not slow) could exhaust the server's memory. The
    count is per calendar minute, in the cache, and keyed by nothing about the client:
    no address, no user agent (DESIGN.md section 8). A refused attempt counts too,
    which keeps the limit firm until the minute ends.
    """
    limit = settings.TIPLINE_LOGIN_ATTEMPTS_PER_MINUTE
    if limit <= 0:
        return True
    key = f"{_GLOBAL_ATTEMPTS_PREFIX}:{int(_now() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the counter expired between add() and incr()
        cache.set(key, 1, timeout=120)
        attempts = 1
    return attempts <= limit


def login_busy_message() -> str:
    return gettext("Too many login attempts right now. Wait a minute, then try again.")


def login_lockout_message() -> str:
    minutes = max(1, settings.STAFF_LOGIN_LOCKOUT_SECONDS // 60)
    return ngettext(
        "Too many failed attempts. Wait %(minutes)d minute or ask an administrator.",
        "Too many failed attempts. Wait %(minutes)d minutes or ask an administrator.",
        minutes,
    ) % {"minutes": minutes}


# Idle timeout -------------------------------------------------------------------------------


class StaffIdleTimeoutMiddleware:
    """Log staff out after STAFF_IDLE_TIMEOUT_SECONDS without a request to a /staff/ page.

    The time of the last request is kept in the session. On expiry the session is
    flushed and the vault cookie deleted, so the unit keys are gone with it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(reverse("staff:queue")):
            return self.get_response(request)
        if request.user.is_authenticated:
            last_activity = request.session.get(LAST_ACTIVITY_SESSION_KEY)
            if last_activity is not None and _now() - float(last_activity) > settings.STAFF_IDLE_TIMEOUT_SECONDS:
                return self._log_out(request)
        response = self.get_response(request)
        # After the view, so that the login itself starts the clock.
        if request.user.is_authenticated and hasattr(request.user, "staff"):
            now = int(_now())
            if request.session.get(LAST_ACTIVITY_SESSION_KEY) != now:
                request.session[LAST_ACTIVITY_SESSION_KEY] = now
        return response

    def _log_out(self, request: HttpRequest) -> HttpResponse:
        staff_logout(request=request, reason="idle")
        minutes = max(1, settings.STAFF_IDLE_TIMEOUT_SECONDS // 60)
        messages.info(
            request,
            ngettext(
                "You were logged out after %(minutes)d minute without activity.",
                "You were logged out after %(minutes)d minutes without activity.",
                minutes,
            )
            % {"minutes": minutes},
        )
        login_url = reverse("staff:login")
        if request.method == "GET" and request.path != login_url:
            response: HttpResponse = redirect_to_login(request.get_full_path())
        else:
            response = redirect(login_url)
        vault_clear(request, response)
        return response
