"""Public views: landing, report, receipt, follow-up. They work without JavaScript."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tipline import crypto, services
from tipline.forms import ReceiptForm, ReplyForm, ReportForm, discard_uploads
from tipline.models import Attachment, Tip
from tipline.selectors import AttachmentView, attachment_plaintext, tip_content
from tipline.vault import vault_clear, vault_open, vault_store

_VAULT_TIP = "followup_tip"
_VAULT_KEY = "followup_data_key"


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tipline/landing.html")


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "tipline/report.html", {"form": ReportForm()})
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        discard_uploads(request.FILES)
        return render(request, "tipline/report.html", {"form": form, "files_dropped": bool(request.FILES)}, status=400)
    submission = services.TipSubmission(
        facility=form.cleaned_data["facility"],
        category=form.cleaned_data["category"],
        smuggling_channel=form.cleaned_data["smuggling_channel"],
        staff_involved=form.cleaned_data["staff_involved"],
        when_period=form.cleaned_data["when_period"],
        occurred_on=form.cleaned_data["occurred_on"],
        description=form.cleaned_data["description"],
        contact=form.cleaned_data["contact"],
        protection_requested=form.cleaned_data["protection_requested"],
    )
    try:
        tip, receipt = services.tip_submit(submission=submission, uploads=form.uploads())
    except services.IntakeUnavailable:
        discard_uploads(request.FILES)
        form.add_error(
            None, _("We could not receive your report right now. Nothing was saved. Please try again later.")
        )
        return render(request, "tipline/report.html", {"form": form, "files_dropped": bool(request.FILES)}, status=503)
    return render(
        request,
        "tipline/receipt.html",
        {"receipt": crypto.format_receipt(receipt), "attachment_count": tip.attachments.count()},
    )


def _followup_tip(request: HttpRequest) -> tuple[Tip, bytes] | None:
    vault = vault_open(request)
    if _VAULT_TIP not in vault or _VAULT_KEY not in vault:
        return None
    tip = Tip.objects.filter(public_id=uuid.UUID(bytes=vault[_VAULT_TIP])).select_related("facility").first()
    return (tip, vault[_VAULT_KEY]) if tip else None


@require_http_methods(["GET", "POST"])
def followup(request: HttpRequest) -> HttpResponse:
    opened = _followup_tip(request)
    if opened is None:
        return _followup_enter(request)
    tip, data_key = opened
    reply_form = ReplyForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "close":
            response = redirect("tipline:followup")
            vault_clear(request, response)
            return response
        reply_form = ReplyForm(request.POST, request.FILES)
        if reply_form.is_valid():
            services.message_post_by_whistleblower(
                tip=tip, data_key=data_key, body=reply_form.cleaned_data["body"], uploads=reply_form.uploads()
            )
            return redirect("tipline:followup")
        discard_uploads(request.FILES)
        status = 400
    return render(
        request,
        "tipline/followup_thread.html",
        {
            "tip": tip,
            "content": tip_content(tip=tip, data_key=data_key),
            "reply_form": reply_form,
            "files_dropped": status == 400 and bool(request.FILES),
        },
        status=status,
    )


def _followup_enter(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "receipt" not in request.POST and request.POST.get("body"):
        # The follow-up session ended while they were writing: keep the reply and ask for the code.
        form = ReceiptForm(initial={"pending_reply": request.POST["body"]})
        return render(
            request,
            "tipline/followup_enter.html",
            {"form": form, "session_ended": True, "files_dropped": bool(request.FILES)},
        )
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        opened = services.tip_open_with_receipt(receipt_text=form.cleaned_data["receipt"])
        if opened is not None:
            tip, data_key = opened
            if form.cleaned_data["pending_reply"]:
                services.message_post_by_whistleblower(
                    tip=tip, data_key=data_key, body=form.cleaned_data["pending_reply"]
                )
            response = redirect("tipline:followup")
            vault_store(request, response, {_VAULT_TIP: tip.public_id.bytes, _VAULT_KEY: data_key})
            return response
        form.add_error("receipt", _("That tracking code did not open a report. Check the 16 digits and try again."))
    status = 400 if request.method == "POST" else 200
    discard_uploads(request.FILES)
    return render(request, "tipline/followup_enter.html", {"form": form}, status=status)


@require_GET
def followup_attachment(request: HttpRequest, public_id: uuid.UUID) -> StreamingHttpResponse:
    opened = _followup_tip(request)
    if opened is None:
        raise PermissionDenied
    tip, data_key = opened
    attachment = get_object_or_404(Attachment.objects.select_related("tip"), public_id=public_id, tip=tip)
    return attachment_download(*attachment_plaintext(attachment=attachment, data_key=data_key))


def attachment_download(view: AttachmentView, chunks: Iterator[bytes]) -> StreamingHttpResponse:
    """Stream a decrypted attachment as a download, never rendered inline.

    A hostile file must not run in this origin, so the type is always
    application/octet-stream and the name only appears in Content-Disposition.
    """
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, view.name or "file") or "attachment"
    return response


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report liveness and readiness of the database and, where configured, Redis."""
    from django.conf import settings

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
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
