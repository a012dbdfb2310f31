"""Staff views: the unit's queue, a tip, its attachments and questions."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases.forms import QuestionForm
from cases.models import StaffMember
from cases.selectors import tip_data_key, tip_visible_to, tips_visible_to
from tipline.models import Attachment, Tip
from tipline.selectors import attachment_plaintext, tip_content
from tipline.services import message_post_by_staff
from tipline.vault import vault_open
from tipline.views import attachment_download

QUEUE_PAGE_SIZE = 50


def _member(request: HttpRequest) -> StaffMember:
    member = getattr(request.user, "staff", None)
    if member is None:
        raise Http404
    return member


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    page = Paginator(tips_visible_to(member=member), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/queue.html", {"member": member, "page": page})


def _open_tip(request: HttpRequest, public_id: uuid.UUID) -> tuple[Tip, bytes] | HttpResponse:
    """Return the tip and its data key, a 404 for tips this member may not read, or a re-login."""
    tip = tip_visible_to(member=_member(request), public_id=public_id)
    if tip is None:
        raise Http404
    data_key = tip_data_key(tip=tip, vault=vault_open(request))
    if data_key is None:
        # The session's keys are gone (cookie lost or expired): log in again to unlock them.
        auth_logout(request)
        messages.info(request, _("Please log in again to unlock your unit's keys."))
        return redirect(f"{redirect('staff:login').url}?next={request.path}")
    return tip, data_key


@login_required
@require_http_methods(["GET", "POST"])
def tip_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    opened = _open_tip(request, public_id)
    if isinstance(opened, HttpResponse):
        return opened
    tip, data_key = opened
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        message_post_by_staff(tip=tip, data_key=data_key, body=form.cleaned_data["body"], author=_member(request).user)
        messages.success(request, _("Your message was sent. The whistleblower will see it when they come back."))
        return redirect("staff:tip", public_id=tip.public_id)
    return render(
        request,
        "cases/tip_detail.html",
        {"tip": tip, "content": tip_content(tip=tip, data_key=data_key), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def tip_attachment(request: HttpRequest, public_id: uuid.UUID, attachment_id: uuid.UUID) -> HttpResponseBase:
    opened = _open_tip(request, public_id)
    if isinstance(opened, HttpResponse):
        return opened
    tip, data_key = opened
    attachment = get_object_or_404(Attachment.objects.select_related("tip"), public_id=attachment_id, tip=tip)
    return attachment_download(*attachment_plaintext(attachment=attachment, data_key=data_key))
