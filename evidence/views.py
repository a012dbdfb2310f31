"""Staff views of evidence: the unit's searches, registering an exhibit, its page, its changes of hands, its file.

Views look the object up (404 for anything the member may not read), validate a
form, call one service, and redirect; refusals come back as a message and change nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import envelope
from accounts.models import StaffMember
from accounts.security import staff_required
from cases.permissions import CaseActionRefused
from cases.selectors import case_visible_or_404, cases_visible_to, unit_workers
from envelope.vault import vault_open
from evidence import custody, forms, services
from evidence.models import Exhibit
from evidence.selectors import case_searches, exhibit_detail, exhibit_visible_to, member_search_units, unit_searches
from evidence.uploads import EvidenceUpload, EvidenceUploadHandler
from linking.services import pseudonym_viewed_record
from org.models import Facility
from org.routing import facilities_routed_to
from tipline.middleware import csrf_protect

SEARCHES_PAGE_SIZE = 30


def _exhibit_or_404(member: StaffMember, public_id: uuid.UUID) -> Exhibit:
    exhibit = exhibit_visible_to(member=member, public_id=public_id)
    if exhibit is None:
        raise Http404
    return exhibit


# --- cell searches -----------------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def searches(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """The searches of the member's units, newest first, and the form to record one (from a case: `?case=`)."""
    units = member_search_units(member=member)
    if not units.exists():
        raise Http404
    prompted_by = None
    case_id = request.GET.get("case") or request.POST.get("case")
    if case_id:
        try:
            prompted_by = case_visible_or_404(member=member, public_id=uuid.UUID(case_id))
        except ValueError as exc:
            raise Http404 from exc
        units = units.filter(pk=prompted_by.unit_id)
    facilities = Facility.objects.none()
    for unit in units:
        facilities |= facilities_routed_to(unit)
    initial: dict[str, object] = {}
    if prompted_by is not None:
        initial = {"unit": prompted_by.unit_id, "facility": prompted_by.facility_id}
    form = forms.SearchForm(request.POST or None, units=units, facilities=facilities.distinct(), initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.search_record(
                    unit=data["unit"],
                    facility=data["facility"],
                    area=data["area"],
                    held_on=data["held_on"],
                    found=form.found(),
                    actor=member,
                    prompted_by=prompted_by,
                )
            except CaseActionRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("The search was recorded."))
                if prompted_by is not None:
                    return redirect("staff:case", public_id=prompted_by.public_id)
                return redirect("evidence:searches")
        status = 400
    page = Paginator(unit_searches(units=member_search_units(member=member)), SEARCHES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # A search's prompting case is linked (with its category) only for a member who may read it.
    readable_cases = set(
        cases_visible_to(member=member)
        .filter(pk__in=[search.prompted_by_id for search in page if search.prompted_by_id])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "evidence/searches.html",
        {
            "member": member,
            "form": form,
            "page": page,
            "prompted_by": prompted_by,
            "readable_cases": readable_cases,
        },
        status=status,
    )


# --- exhibits ----------------------------------------------------------------------------------------------------


@csrf_exempt  # the CSRF check runs below, once the upload handler is set (it reads the body)
@staff_required
@require_POST
def exhibit_register(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponseBase:
    """Register an exhibit of a case; a digital file is hashed and encrypted as it streams in, kept bit for bit.

    Only verified staff get this far (staff_required reads no body), so nothing anyone else sends is
    stored. Uploads no exhibit took are deleted after the response (tipline.middleware), as for tips.
    """
    request.upload_handlers = [EvidenceUploadHandler(request)]
    return _exhibit_register(request, member, public_id=public_id)


@csrf_protect
def _exhibit_register(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    case = case_visible_or_404(member=member, public_id=public_id)
    form = forms.ExhibitForm(request.POST, request.FILES, searches=case_searches(case=case))
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, _("The exhibit was not registered: %(errors)s") % {"errors": errors})
        return redirect("staff:case", public_id=case.public_id)
    data = form.cleaned_data
    upload = data.get("file")
    try:
        exhibit = services.exhibit_register(
            case=case,
            kind=data["kind"],
            description=data["description"],
            seized_on=data["seized_on"],
            search=data.get("search"),
            upload=upload if isinstance(upload, EvidenceUpload) else None,
            sha256=data.get("sha256") or "",
            actor=member,
            vault=vault_open(request),
        )
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
        return redirect("staff:case", public_id=case.public_id)
    messages.success(request, _("The exhibit was registered; you hold it."))
    return redirect("evidence:exhibit", public_id=exhibit.public_id)


def _forms(exhibit: Exhibit, member: StaffMember, data: Any = None) -> dict[str, object]:
    workers = unit_workers(case=exhibit.case).exclude(pk=member.pk)
    return {
        "transfer_form": forms.TransferForm(data, workers=workers, prefix="transfer"),
        "hand_over_form": forms.HandOverForm(data, prefix="hand_over"),
        "return_form": forms.ReturnForm(data, prefix="return"),
        "destroy_form": forms.DestroyForm(data, prefix="destroy"),
        "identifier_form": forms.IdentifierForm(data, prefix="identifier"),
    }


@staff_required
@require_GET
def exhibit(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    """An exhibit: what it is, who holds it, its custody history and whether the chain holds, its identifiers.

    Saying where each seized number is named, in this unit and others, is a look-up of its
    pseudonym: audited as linking's pseudonym page audits one.
    """
    found = _exhibit_or_404(member, public_id)
    try:
        detail = exhibit_detail(exhibit=found, member=member, vault=vault_open(request))
    except (CaseActionRefused, envelope.CryptoError):
        messages.info(request, _("Please log in again to unlock your unit's keys."))
        return redirect(f"/staff/login/?next={request.path}")
    for identifier in detail.view.identifiers:
        readable = len(identifier.named_in.cases) if identifier.named_in else 0
        pseudonym_viewed_record(pseudonym=identifier.pseudonym, readable_tips=readable, actor=member)
    return render(
        request,
        "evidence/exhibit.html",
        {
            "member": member,
            "exhibit": found,
            "case": found.case,
            "detail": detail,
            "holds_it": found.holder_id == member.pk,
            **_forms(found, member),
        },
    )


def _custody_transfer(request: HttpRequest, exhibit: Exhibit, member: StaffMember) -> str | None:
    form = _forms(exhibit, member, request.POST)["transfer_form"]
    assert isinstance(form, forms.TransferForm)
    if not form.is_valid():
        return _("Choose the member and enter your password.")
    data = form.cleaned_data
    custody.custody_transfer(
        exhibit=exhibit,
        to_member=data["to_member"],
        actor=member,
        password=data["password"],
        remarks=data["remarks"],
        vault=vault_open(request),
    )
    return None


def _custody_hand_over(request: HttpRequest, exhibit: Exhibit, member: StaffMember) -> str | None:
    form = forms.HandOverForm(request.POST, prefix="hand_over")
    if not form.is_valid():
        return _("Name the authority and enter your password.")
    data = form.cleaned_data
    custody.custody_hand_over(
        exhibit=exhibit,
        to_outside=data["to_outside"],
        actor=member,
        password=data["password"],
        remarks=data["remarks"],
        vault=vault_open(request),
    )
    return None


def _custody_return(request: HttpRequest, exhibit: Exhibit, member: StaffMember) -> str | None:
    form = forms.ReturnForm(request.POST, prefix="return")
    if not form.is_valid():
        return _("Enter your password.")
    data = form.cleaned_data
    custody.custody_return(
        exhibit=exhibit,
        to_outside=data["to_outside"],
        actor=member,
        password=data["password"],
        remarks=data["remarks"],
        vault=vault_open(request),
    )
    return None


def _custody_destroy(request: HttpRequest, exhibit: Exhibit, member: StaffMember) -> str | None:
    form = forms.DestroyForm(request.POST, prefix="destroy")
    if not form.is_valid():
        return _("Enter your password.")
    data = form.cleaned_data
    custody.custody_destroy(
        exhibit=exhibit, actor=member, password=data["password"], remarks=data["remarks"], vault=vault_open(request)
    )
    return None


def _identifier_add(request: HttpRequest, exhibit: Exhibit, member: StaffMember) -> str | None:
    form = forms.IdentifierForm(request.POST, prefix="identifier")
    if not form.is_valid():
        return _("Enter the IMEI or the phone number.")
    services.exhibit_identifier_add(
        exhibit=exhibit,
        kind=form.cleaned_data["kind"],
        value=form.cleaned_data["value"],
        actor=member,
        vault=vault_open(request),
    )
    return None


ExhibitAction = Callable[[HttpRequest, Exhibit, StaffMember], str | None]

EXHIBIT_ACTIONS: dict[str, ExhibitAction] = {
    "transfer": _custody_transfer,
    "hand_over": _custody_hand_over,
    "return": _custody_return,
    "destroy": _custody_destroy,
    "identifier": _identifier_add,
}


@staff_required
@require_POST
def exhibit_action(request: HttpRequest, member: StaffMember, public_id: uuid.UUID, action: str) -> HttpResponse:
    handler = EXHIBIT_ACTIONS.get(action)
    if handler is None:
        raise Http404
    found = _exhibit_or_404(member, public_id)
    try:
        problem = handler(request, found, member)
    except CaseActionRefused as refused:
        problem = str(refused)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("Recorded."))
    return redirect("evidence:exhibit", public_id=found.public_id)


@staff_required
@require_GET
def exhibit_file(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponseBase:
    """Download a digital exhibit exactly as it was received (never rendered inline)."""
    found = _exhibit_or_404(member, public_id)
    try:
        name, chunks = services.exhibit_file_decrypt(exhibit=found, actor=member, vault=vault_open(request))
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
        return redirect("evidence:exhibit", public_id=found.public_id)
    # As a tip's attachment (tipline.views.attachment_download), but under its original name: it is evidence.
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, name or f"{found.public_id}.bin") or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response
