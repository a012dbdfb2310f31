"""The identity custodian's pages (the requests, one request with its reason, the decision) and the case
page's form that asks for a disclosure.

Views look the object up (404 for anyone who may not see it), validate, call one
service in identity/services.py, and redirect. The custodian's pages exist only
for a custodian who belongs to no unit; the request form only for a member who
works the case.
"""

from __future__ import annotations

import functools
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, StaffMember
from accounts.security import MemberView, P, View, staff_required
from cases.permissions import CaseActionRefused, can_work
from cases.views import form_errors
from envelope import CryptoError
from envelope.vault import vault_open
from identity import selectors, services
from identity.forms import DisclosureRequestForm
from identity.models import DisclosureRequest
from tipline.models import ReservedIdentity


def custodian_only(view: MemberView[P]) -> View[P]:
    """Let only an acting custodian through (the role, a custodian key, no unit): a 404 for anyone else."""

    @functools.wraps(view)
    def checked(request: HttpRequest, member: StaffMember, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not services.is_custodian(member):
            raise Http404
        return view(request, member, *args, **kwargs)

    return staff_required(roles={Role.CUSTODIAN})(checked)


def _request_or_404(public_id: uuid.UUID) -> DisclosureRequest:
    return get_object_or_404(
        DisclosureRequest.objects.select_related("case", "identity", "requester_unit", "decided_by__user"),
        public_id=public_id,
    )


@custodian_only
@require_GET
def request_list(request: HttpRequest, member: StaffMember) -> HttpResponse:
    context = {
        "pending": selectors.pending_disclosures(),
        "decided": selectors.recent_decided_disclosures(),
    }
    return render(request, "identity/request_list.html", context)


@custodian_only
@require_GET
def request_detail(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    disclosure = _request_or_404(public_id)
    try:
        reason = services.disclosure_reason_open(request=disclosure, actor=member, vault=vault_open(request))
    except CryptoError:
        reason = None
    context = {
        "disclosure": disclosure,
        "reason": reason,
        "can_decide": services.can_decide_disclosure(member, disclosure),
    }
    return render(request, "identity/request_detail.html", context)


@custodian_only
@require_POST
def request_approve(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    disclosure = _request_or_404(public_id)
    try:
        services.disclosure_approve(request=disclosure, actor=member, vault=vault_open(request))
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    except CryptoError:
        messages.error(request, _("The identity could not be opened with your custodian key. Nothing was disclosed."))
    else:
        messages.success(request, _("Approved: the identity is disclosed to the member who asked, and only to them."))
    return redirect("identity:request", public_id=disclosure.public_id)


@custodian_only
@require_POST
def request_refuse(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    disclosure = _request_or_404(public_id)
    try:
        services.disclosure_refuse(request=disclosure, actor=member)
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Refused: nothing was disclosed."))
    return redirect("identity:request", public_id=disclosure.public_id)


@staff_required
@require_POST
def disclosure_ask(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    """A member who works the case asks for one of its reserved identities (the case page's form)."""
    identity = ReservedIdentity.objects.select_related("tip__case_link__case").filter(public_id=public_id).first()
    if identity is None or not can_work(member, identity.tip.case_link.case):
        raise Http404
    case = identity.tip.case_link.case
    form = DisclosureRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            services.disclosure_request(case=case, identity=identity, actor=member, reason=form.cleaned_data["reason"])
        except CaseActionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Your request was sent to the identity custodian."))
    return redirect("staff:case", public_id=case.public_id)
