"""Staff views of outcomes: the outcome section's forms, the referral file page and the check of a referral file.

Views look the case up through cases.selectors (404 for anyone who may not read it),
validate a form, call one service and redirect; refusals come back as a message on
the case page, the typed fields kept by nothing but the browser's back button, as
elsewhere on the staff side.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

import envelope
from accounts.models import StaffMember
from accounts.security import staff_required
from cases import permissions
from cases.models import Case
from cases.permissions import CaseActionRefused
from cases.selectors import case_visible_or_404, cases_visible_to
from cases.views import CaseAction, form_errors, run_case_action
from envelope.vault import vault_open
from outcomes import forms, services
from outcomes.selectors import case_file, referral_export_by_hash, referral_exports
from outcomes.uploads import HashedUpload, HashingUploadHandler
from tipline.middleware import csrf_protect

# The case page's forms: a handler returns the problem to show, or None (cases.views.run_case_action).
OutcomeAction = CaseAction


def _person_add(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.PersonAddForm(request.POST, case=case)
    if not form.is_valid():
        return _("Give the person's role and name.")
    person = services.person_add(
        case=case,
        role=form.cleaned_data["role"],
        name=form.cleaned_data["name"],
        details=form.cleaned_data["details"],
        actor=member,
        vault=vault,
    )
    messages.success(request, _("Person concerned added as %(code)s.") % {"code": person.code})
    return None


def _person_outcome(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.PersonOutcomeForm(request.POST, case=case)
    if not form.is_valid():
        return _("Choose the person and the outcome.")
    services.person_outcome_set(person=form.cleaned_data["person"], outcome=form.cleaned_data["outcome"], actor=member)
    messages.success(request, _("Outcome recorded."))
    return None


def _proceeding_open(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.ProceedingOpenForm(request.POST, case=case)
    if not form.is_valid():
        return form_errors(form) or _("Give the proceeding's reference and the day it was opened.")
    services.proceeding_open(
        case=case,
        person=form.cleaned_data["person"],
        reference=form.cleaned_data["reference"],
        opened_on=form.cleaned_data["opened_on"],
        actor=member,
    )
    messages.success(request, _("Disciplinary proceeding recorded."))
    return None


def _proceeding_update(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.ProceedingUpdateForm(request.POST, case=case)
    if not form.is_valid():
        return form_errors(form) or _("Choose the proceeding and its stage.")
    services.proceeding_update(
        proceeding=form.cleaned_data["proceeding"],
        stage=form.cleaned_data["stage"],
        sanction=form.cleaned_data["sanction"],
        suspension_days=form.cleaned_data["suspension_days"],
        actor=member,
    )
    messages.success(request, _("Proceeding updated."))
    return None


def _referral_send(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.ReferralSendForm(request.POST, case=case)
    if not form.is_valid():
        return _("Choose the authority and the day the case was sent.")
    services.referral_send(
        case=case,
        authority=form.cleaned_data["authority"],
        reference=form.cleaned_data["reference"],
        sent_on=form.cleaned_data["sent_on"],
        actor=member,
    )
    messages.success(request, _("Referral recorded."))
    return None


def _referral_update(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.ReferralUpdateForm(request.POST, case=case)
    if not form.is_valid():
        return _("Choose the referral and its status.")
    services.referral_update(
        referral=form.cleaned_data["referral"],
        status=form.cleaned_data["status"],
        reference=form.cleaned_data["reference"],
        actor=member,
    )
    messages.success(request, _("Referral updated."))
    return None


def _platform_code(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.PlatformCodeForm(request.POST, case=case)
    if not form.is_valid():
        return _("Give the platform code.")
    services.platform_code_add(case=case, code=form.cleaned_data["code"], actor=member)
    messages.success(request, _("Platform code recorded."))
    return None


OUTCOME_ACTIONS: dict[str, OutcomeAction] = {
    "person-add": _person_add,
    "person-outcome": _person_outcome,
    "proceeding-open": _proceeding_open,
    "proceeding-update": _proceeding_update,
    "referral-send": _referral_send,
    "referral-update": _referral_update,
    "platform-code": _platform_code,
}


@staff_required
@require_POST
def outcome_action(request: HttpRequest, member: StaffMember, public_id: uuid.UUID, action: str) -> HttpResponse:
    return run_case_action(request, member, public_id, OUTCOME_ACTIONS.get(action))


# --- the referral file ---------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def referral_file(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    """Choose what the file includes; a valid POST answers with the PDF itself, kept nowhere on the server."""
    case = case_visible_or_404(member=member, public_id=public_id)
    if not permissions.can_close(member, case):
        messages.error(request, _("Only the supervisor or the assigned investigator can make a referral file."))
        return redirect("staff:case", public_id=case.public_id)
    vault = vault_open(request)
    try:
        data = case_file(case=case, vault=vault)
    except (CaseActionRefused, envelope.CryptoError):
        messages.error(request, _("Please log in again to unlock your unit's keys."))
        return redirect("staff:case", public_id=case.public_id)
    form = forms.ReferralFileForm(request.POST if request.method == "POST" else None, data_file=data)
    if request.method == "POST" and form.is_valid():
        try:
            export, rendered = services.referral_file_make(
                case=case,
                included=form.included(),
                actor=member,
                vault=vault,
                language=translation.get_language() or "es",
                referral=form.cleaned_data.get("referral"),
            )
        except CaseActionRefused as refused:
            messages.error(request, str(refused))
            return redirect("outcomes:referral_file", public_id=case.public_id)
        response = HttpResponse(rendered.pdf, content_type="application/pdf")
        name = f"referral-{case.public_id}-{export.made_at:%Y%m%d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request,
        "outcomes/referral_file.html",
        {
            "member": member,
            "case": case,
            "form": form,
            "exports": referral_exports(case=case),
        },
    )


@csrf_exempt  # the CSRF check runs below, once the upload handler is set (it reads the body)
@staff_required
@require_http_methods(["GET", "POST"])
def referral_file_verify(request: HttpRequest, member: StaffMember) -> HttpResponse:
    """Recompute a referral file's SHA-256 and say which export made it, among the cases the member reads."""
    if not member.can_read_tips:
        raise Http404
    # The site's handler rewrites and encrypts uploads; this one keeps nothing but the file's hash.
    request.upload_handlers = [HashingUploadHandler(request)]
    return _referral_file_verify(request, member)


@csrf_protect
def _referral_file_verify(request: HttpRequest, member: StaffMember) -> HttpResponse:
    form = forms.ReferralFileVerifyForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"member": member, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if not isinstance(upload, HashedUpload) or upload.too_large:
            messages.error(request, _("That file is too large to be a referral file."))
            return redirect("outcomes:referral_file_verify")
        context["sha256"] = upload.sha256
        context["checked"] = True
        context["export"] = referral_export_by_hash(sha256=upload.sha256, cases=cases_visible_to(member=member))
    return render(request, "outcomes/referral_file_verify.html", context)
