"""Public views: landing, report, receipt, follow-up. They work without JavaScript.

Every form goes through the checks of tipline/abuse.py first. A refused request
gets its page back with everything typed kept, a notice that says what happened
and what to do, and a fresh form token; only uploaded files are discarded.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

import envelope
from envelope.vault import vault_clear, vault_open, vault_store
from tipline import abuse, filetypes, proof_of_work, receipt_again, services, storage
from tipline.abuse import ReceiptOpening
from tipline.forms import ReceiptForm, ReplyForm, ReportForm
from tipline.models import Attachment, Tip
from tipline.selectors import AttachmentView, attachment_plaintext, tip_content

_VAULT_TIP = "followup_tip"
_VAULT_KEY = "followup_data_key"

logger = logging.getLogger(__name__)


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tipline/landing.html", {"onion_address": settings.TIPLINE_ONION_ADDRESS})


@require_GET
def too_large(request: HttpRequest) -> HttpResponse:
    """Say, with the limits, that a report or reply was too large to be received (413).

    The proxy (deploy/nginx/) refuses a body over TIPLINE_MAX_REQUEST_BYTES before anyone reads it and
    shows this page instead of its own: nothing was received, so the person goes back, where the
    browser keeps what they typed, and sends fewer or smaller files.
    """
    limits = {
        "files": settings.TIPLINE_MAX_ATTACHMENTS,
        "megabytes": settings.TIPLINE_MAX_ATTACHMENT_BYTES // (1024 * 1024),
    }
    return render(request, "tipline/too_large.html", limits, status=413)


# --- refusals: every one keeps what the person typed and says what to do --------------------

TOKEN_NOTICES = {
    abuse.TokenProblem.TOO_QUICK: gettext_lazy(
        "That was sent very quickly after the page opened, so it was not accepted yet. "
        "What you typed has been kept: wait a few seconds, check it and send it again."
    ),
    abuse.TokenProblem.EXPIRED: gettext_lazy(
        "This page was open for a long time and the form expired. What you typed has been kept: please send it again."
    ),
    abuse.TokenProblem.REPLAYED: gettext_lazy(
        "This form had already been sent once. What you typed has been kept: "
        "if you did not get an answer, please send it again."
    ),
}
TOKEN_NOTICE_OTHER = gettext_lazy("This form could not be checked. What you typed has been kept: please send it again.")
HONEYPOT_NOTICE = gettext_lazy(
    "The field “Leave this field empty” must stay empty; your browser may have filled it in. "
    "We emptied it and kept everything else: please check your report and send it again."
)
RECEIPT_THROTTLED_NOTICE = gettext_lazy(
    "There have been too many attempts to open reports. Please wait a few minutes and try again. "
    "What you typed has been kept."
)
REPLY_LIMIT_NOTICE = gettext_lazy(
    "You have sent the most messages allowed in one day on this report. Your message was not sent; "
    "it is kept below. Please send it again tomorrow."
)
RECEIPT_RETRY_AFTER_SECONDS = 300


@dataclass(frozen=True)
class Refusal:
    """Why a public form was not accepted: the notice shown above it (may be empty) and the status."""

    notice: str
    status: int
    retry_after: int | None = None


FORM_ERRORS = Refusal("", 400)


def token_refusal(check: abuse.TokenCheck) -> Refusal | None:
    """Return the refusal for a form token that did not pass, counting it; None if it passed."""
    if check.ok or check.problem is None:
        return None
    abuse.count(abuse.Event.FORM_TOKEN_REFUSED)
    return Refusal(str(TOKEN_NOTICES.get(check.problem, TOKEN_NOTICE_OTHER)), 400)


def busy_notice(seconds: int) -> str:
    """Say that too many reports are arriving, that nothing typed is lost, and when to send again."""
    return ngettext(
        "Too many reports are arriving right now. Your report was not saved yet, but what you typed has been kept: "
        "please send it again in %(seconds)d second.",
        "Too many reports are arriving right now. Your report was not saved yet, but what you typed has been kept: "
        "please send it again in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}


def attachment_limit_notice() -> str:
    limit = settings.TIPLINE_ATTACHMENTS_PER_TIP
    return ngettext(
        "A report can hold at most %(limit)d file, and this one has no room for the files you chose. "
        "Your message was not sent; it is kept below. Send it without files, or with fewer.",
        "A report can hold at most %(limit)d files, and this one has no room for the files you chose. "
        "Your message was not sent; it is kept below. Send it without files, or with fewer.",
        limit,
    ) % {"limit": limit}


def _with_retry_after(response: HttpResponse, refusal: Refusal | None) -> HttpResponse:
    if refusal is not None and refusal.retry_after:
        response["Retry-After"] = str(refusal.retry_after)
    return response


# --- the report -------------------------------------------------------------------------------


def _report_page(
    request: HttpRequest, form: ReportForm, *, token: str, refusal: Refusal | None = None, files_dropped: bool = False
) -> HttpResponse:
    context = {
        "form": form,
        "form_token": token,
        "receipt_again_key": receipt_again.key_issue(),
        "pow_bits": proof_of_work.difficulty_bits(),
        "notice": refusal.notice if refusal else "",
        "files_dropped": files_dropped,
    }
    response = render(request, "tipline/report.html", context, status=refusal.status if refusal else 200)
    return _with_retry_after(response, refusal)


def _report_refusal(request: HttpRequest, form: ReportForm, check: abuse.TokenCheck) -> Refusal | None:
    """Return why this report cannot be stored now, or None once the new-tip bucket has let it through."""
    refusal = token_refusal(check)
    if refusal is not None:
        return refusal
    if abuse.honeypot_filled(request.POST):
        abuse.count(abuse.Event.HONEYPOT_FILLED)
        return Refusal(str(HONEYPOT_NOTICE), 400)
    if not form.is_valid():
        return FORM_ERRORS
    paid = proof_of_work.solution_valid(
        token=request.POST.get(abuse.TOKEN_FIELD, ""), solution=request.POST.get(abuse.POW_FIELD)
    )
    admission = abuse.admit_new_tip(paid_with_work=paid)
    if admission.refused:
        return Refusal(busy_notice(admission.retry_after), 503, retry_after=admission.retry_after)
    return None


def _receipt_page(request: HttpRequest, *, again: receipt_again.ReceiptAgain) -> HttpResponse:
    """Show the code of a report this browser already sent (nothing is stored twice), or say it arrived."""
    if again.pending:
        return render(request, "tipline/report_pending.html", status=202)
    if again.receipt is None:
        return render(request, "tipline/report_arrived.html")
    context = {"receipt": again.receipt, "attachment_count": again.attachment_count, "again": True}
    return render(request, "tipline/receipt.html", context)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _report_page(request, ReportForm(), token=abuse.form_token_issue(abuse.FORM_REPORT))
    # The same form sent again (a reload, or a resend after a lost answer) was stored already: show it again.
    key_text = request.POST.get(receipt_again.FIELD, "")
    again = receipt_again.receipt_find(key_text)
    if again is not None:
        return _receipt_page(request, again=again)
    form = ReportForm(request.POST, request.FILES)
    check = abuse.form_token_check(request.POST.get(abuse.TOKEN_FIELD), form=abuse.FORM_REPORT)
    next_token = abuse.form_token_reissue(check, form=abuse.FORM_REPORT)
    refusal = _report_refusal(request, form, check)
    if refusal is None:
        try:
            with receipt_again.receipt_storing(key_text):
                tip, receipt = services.tip_submit(submission=form.submission(), uploads=form.uploads())
        except services.IntakeUnavailable:
            form.add_error(
                None, _("We could not receive your report right now. Nothing was saved. Please try again later.")
            )
            refusal = Refusal("", 503)
        else:
            attachment_count = tip.attachments.count()
            receipt_again.receipt_keep(key_text=key_text, receipt=receipt, attachment_count=attachment_count)
            return render(
                request,
                "tipline/receipt.html",
                {"receipt": envelope.format_receipt(receipt), "attachment_count": attachment_count},
            )
    return _report_page(request, form, token=next_token, refusal=refusal, files_dropped=bool(request.FILES))


# --- follow-up --------------------------------------------------------------------------------


def followup_keep(request: HttpRequest, response: HttpResponse, *, tip: Tip, data_key: bytes) -> None:
    """Keep the report opened with its tracking code in this session's vault, set on `response`."""
    vault_store(request, response, {_VAULT_TIP: tip.public_id.bytes, _VAULT_KEY: data_key})


def followup_tip(request: HttpRequest) -> tuple[Tip, bytes] | None:
    """Return the report opened in this follow-up session and its data key, or None once the session ended.

    Public for the other /followup/ pages (protection/public_views.py), which share the session.
    """
    vault = vault_open(request)
    if _VAULT_TIP not in vault or _VAULT_KEY not in vault:
        return None
    tip = Tip.objects.filter(public_id=uuid.UUID(bytes=vault[_VAULT_TIP])).select_related("facility").first()
    return (tip, vault[_VAULT_KEY]) if tip else None


def _thread_page(
    request: HttpRequest,
    tip: Tip,
    data_key: bytes,
    reply_form: ReplyForm,
    *,
    refusal: Refusal | None = None,
    files_dropped: bool = False,
) -> HttpResponse:
    context = {
        "tip": tip,
        "content": tip_content(tip=tip, data_key=data_key),
        "reply_form": reply_form,
        "form_token": abuse.form_token_issue(abuse.FORM_REPLY),
        "notice": refusal.notice if refusal else "",
        "files_dropped": files_dropped,
    }
    return render(request, "tipline/followup_thread.html", context, status=refusal.status if refusal else 200)


def _reply_refusal(tip: Tip, form: ReplyForm, check: abuse.TokenCheck) -> Refusal | None:
    """Return why this reply cannot be stored, or None."""
    refusal = token_refusal(check)
    if refusal is not None:
        return refusal
    if not form.is_valid():
        return FORM_ERRORS
    if abuse.reply_limit_reached(tip=tip):
        return Refusal(str(REPLY_LIMIT_NOTICE), 429)
    if abuse.attachments_over_limit(tip=tip, adding=len(form.uploads())):
        return Refusal(attachment_limit_notice(), 429)
    return None


def erased_page(request: HttpRequest, erased_on: datetime.date) -> HttpResponse:
    """Say that the report was closed and deleted on its retention schedule, and when (the month)."""
    return render(request, "tipline/followup_erased.html", {"erased_on": erased_on})


@require_http_methods(["GET", "POST"])
def followup(request: HttpRequest) -> HttpResponse:
    opened = followup_tip(request)
    if opened is None:
        return _followup_enter(request)
    tip, data_key = opened
    if tip.erased_on is not None:  # deleted while this session was open: nothing of it can be opened
        response = erased_page(request, tip.erased_on)
        vault_clear(request, response)
        return response
    if request.method != "POST":
        return _thread_page(request, tip, data_key, ReplyForm())
    if request.POST.get("action") == "close":
        response = redirect("tipline:followup")
        vault_clear(request, response)
        request.session.flush()  # the session row goes now, not when it expires: it says when they came
        return response
    reply_form = ReplyForm(request.POST, request.FILES)
    check = abuse.form_token_check(
        request.POST.get(abuse.TOKEN_FIELD), form=abuse.FORM_REPLY, min_fill=False, required=False
    )
    refusal = _reply_refusal(tip, reply_form, check)
    if refusal is None:
        services.message_post_by_whistleblower(
            tip=tip, data_key=data_key, body=reply_form.cleaned_data["body"], uploads=reply_form.uploads()
        )
        return redirect("tipline:followup")
    return _thread_page(request, tip, data_key, reply_form, refusal=refusal, files_dropped=bool(request.FILES))


def _enter_page(
    request: HttpRequest,
    form: ReceiptForm,
    *,
    refusal: Refusal | None = None,
    session_ended: bool = False,
    files_dropped: bool = False,
) -> HttpResponse:
    context = {
        "form": form,
        "form_token": abuse.form_token_issue(abuse.FORM_RECEIPT),
        "notice": refusal.notice if refusal else "",
        "session_ended": session_ended,
        "files_dropped": files_dropped,
    }
    response = render(request, "tipline/followup_enter.html", context, status=refusal.status if refusal else 200)
    return _with_retry_after(response, refusal)


def _followup_opened(request: HttpRequest, tip: Tip, data_key: bytes, pending_reply: str) -> HttpResponse:
    """Keep the opened report in this session's vault, and send a reply kept from an ended session."""
    if pending_reply and abuse.reply_limit_reached(tip=tip):
        reply_form = ReplyForm(initial={"body": pending_reply})
        response = _thread_page(request, tip, data_key, reply_form, refusal=Refusal(str(REPLY_LIMIT_NOTICE), 429))
    else:
        if pending_reply:
            services.message_post_by_whistleblower(tip=tip, data_key=data_key, body=pending_reply)
        response = redirect("tipline:followup")
    followup_keep(request, response, tip=tip, data_key=data_key)
    return response


def receipt_open(form: ReceiptForm, check: abuse.TokenCheck) -> Refusal | ReceiptOpening:
    """Open the report named by the typed code (within the attempt limits), or return why not.

    Public for the /followup/ pages that open a report again after the session ended (protection/).
    """
    refusal = token_refusal(check)
    if refusal is not None:
        return refusal
    if not form.is_valid():
        return FORM_ERRORS
    opening = abuse.tip_open_throttled(receipt_text=form.cleaned_data["receipt"])
    if opening.throttled:
        return Refusal(str(RECEIPT_THROTTLED_NOTICE), 429, retry_after=RECEIPT_RETRY_AFTER_SECONDS)
    if opening.tip is None and opening.erased_on is None:
        form.add_error("receipt", _("That tracking code did not open a report. Check the 16 digits and try again."))
        return FORM_ERRORS
    return opening


def _followup_enter(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "receipt" not in request.POST and request.POST.get("body"):
        # The follow-up session ended while they were writing: keep the reply and ask for the code.
        form = ReceiptForm(initial={"pending_reply": request.POST["body"]})
        return _enter_page(request, form, session_ended=True, files_dropped=bool(request.FILES))
    if request.method != "POST":
        return _enter_page(request, ReceiptForm())
    form = ReceiptForm(request.POST)
    check = abuse.form_token_check(
        request.POST.get(abuse.TOKEN_FIELD), form=abuse.FORM_RECEIPT, min_fill=False, required=False
    )
    outcome = receipt_open(form, check)
    if isinstance(outcome, ReceiptOpening) and outcome.erased_on is not None:
        return erased_page(request, outcome.erased_on)
    if isinstance(outcome, ReceiptOpening) and outcome.tip is not None and outcome.data_key is not None:
        return _followup_opened(request, outcome.tip, outcome.data_key, form.cleaned_data["pending_reply"])
    return _enter_page(request, form, refusal=outcome if isinstance(outcome, Refusal) else FORM_ERRORS)


@require_GET
def followup_attachment(request: HttpRequest, public_id: uuid.UUID) -> StreamingHttpResponse:
    opened = followup_tip(request)
    if opened is None:
        raise PermissionDenied
    tip, data_key = opened
    attachment = get_object_or_404(Attachment.objects.select_related("tip"), public_id=public_id, tip=tip)
    return attachment_download(*attachment_plaintext(attachment=attachment, data_key=data_key))


def attachment_download(view: AttachmentView, chunks: Iterator[bytes]) -> StreamingHttpResponse:
    """Stream a decrypted attachment as a download, never rendered inline.

    A hostile file must not run in this origin, so the type is always
    application/octet-stream, the browser is told not to guess another (nosniff,
    sent here whatever SECURE_CONTENT_TYPE_NOSNIFF says), and the name only
    appears in Content-Disposition, with the extension of the type sniffed at intake.
    """
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    name = filetypes.download_name(name=view.name, content_type=view.content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report liveness and readiness of the database, the attachment store and, where configured, Redis."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["database"] = "error"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception:  # noqa: BLE001
            checks["redis"] = "error"
    try:
        storage.store_check()
        checks["attachments"] = "ok"
    except storage.StoreUnavailable as unavailable:
        # The reason (which bucket or directory, and why) is for operators' logs, not for the answer.
        logger.warning("healthz: %s", unavailable)
        checks["attachments"] = "error"
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
