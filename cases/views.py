"""Staff views: login, the unit's queue, a tip, its attachments and questions."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.forms import QuestionForm, StaffLoginForm
from cases.keys import staff_unlock_keys
from cases.models import StaffMember
from cases.selectors import tip_data_key, tip_visible_to, tips_visible_to
from tipline import crypto
from tipline.models import Attachment, Tip
from tipline.selectors import attachment_plaintext, tip_content
from tipline.services import message_post_by_staff
from tipline.vault import vault_clear, vault_open, vault_store
from tipline.views import attachment_download

QUEUE_PAGE_SIZE = 50


class StaffLoginView(LoginView):
    template_name = "cases/login.html"
    form_class = StaffLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: StaffLoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        try:
            unlocked = staff_unlock_keys(member=user.staff, password=form.cleaned_data["password"])
        except crypto.CryptoError:
            form.add_error(None, _("Your keys could not be unlocked. Ask your supervisor to grant access again."))
            return self.form_invalid(form)
        auth_login(self.request, user)
        response = HttpResponseRedirect(self.get_success_url())
        vault_store(self.request, response, unlocked)
        return response


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    response = redirect("staff:login")
    vault_clear(request, response)
    auth_logout(request)
    return response


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
