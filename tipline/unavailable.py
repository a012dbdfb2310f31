"""A dependency that is briefly down gives a retry-able 503 that keeps what the person typed.

Django turns an exception raised in a view or in any middleware into a response by
calling the 500 handler while the exception is being handled, so this handler sees
it. A lost connection to PostgreSQL or Redis (a restart, a failover) is not a bug:
the person gets a 503 page saying nothing was saved, with what they typed in a form
that posts the same fields again; files must be chosen again. Uploads that no
attachment row took are deleted by DiscardUnkeptUploadsMiddleware; one whose row was
saved keeps its file (the connection may have been lost after the commit, and
deleting it then would destroy evidence), and the nightly sweep removes it if the
row was rolled back after all. Everything else is the plain 500 page. Nothing about
the request is logged but the kind of error.
"""

from __future__ import annotations

import logging
import sys

import redis
from django import forms
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)

DEPENDENCY_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
    BrokerUnavailable,
)
# Fields never sent back: the CSRF token is issued afresh by the page itself.
NOT_KEPT = frozenset({"csrfmiddlewaretoken"})


def dependency_unavailable(error: BaseException | None) -> bool:
    """Return whether `error` (or what caused it) is a lost connection to the database or Redis."""
    while error is not None:
        if isinstance(error, DEPENDENCY_ERRORS):
            return True
        error = error.__cause__ or error.__context__
    return False


def _written_field_names() -> frozenset[str]:
    """Return the names of the public forms' free-text fields: shown again for the person to read."""
    from tipline.forms import ReceiptForm, ReplyForm, ReportForm

    return frozenset(
        name
        for form in (ReportForm, ReceiptForm, ReplyForm)
        for name, field in form.base_fields.items()
        if isinstance(field.widget, (forms.Textarea, forms.TextInput))
    )


def _kept_fields(request: HttpRequest) -> list[tuple[str, str, str]]:
    """Return (name, value, widget) for every field the request carried, to be posted again."""
    post = getattr(request, "_post", None)
    if request.method != "POST" or not post:
        return []
    written = _written_field_names()
    kept = []
    for name, values in post.lists():
        if name in NOT_KEPT:
            continue
        for value in values:
            # What the person wrote is shown; choices and tokens go back hidden.
            kept.append((name, value, "textarea" if name in written else "hidden"))
    return kept


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: a 503 that keeps the typed text when a dependency is down, else the 500 page."""
    error = sys.exc_info()[1]
    if not dependency_unavailable(error):
        return HttpResponse(render_to_string("500.html"), status=500)
    logger.warning("A dependency is unavailable (%s): answered 503.", type(error).__name__)
    files_dropped = bool(getattr(request, "_files", None))
    context = {"kept": _kept_fields(request), "action": request.path, "files_dropped": files_dropped}
    response = HttpResponse(render_to_string("tipline/unavailable.html", context, request=request), status=503)
    response["Retry-After"] = "10"
    return response
