"""Staff views of protection: the case page's protection forms (decide, end or extend a measure).

Each is a POST from the case page, run through cases.views.run_case_action: the case
is looked up (404 for anyone who may not read it), the form validated, one service
called, and the member sent back to the case with a message saying what happened or
why nothing did.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import StaffMember
from accounts.security import staff_required
from cases.models import Case
from cases.views import CaseAction, form_errors, run_case_action
from protection import forms, services


def _decide(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.DecideForm(request.POST, case=case)
    if not form.is_valid():
        return _("Choose whether protection is granted.") if "granted" in form.errors else form_errors(form)
    decision = services.protection_decide(
        case=case,
        actor=member,
        granted=form.cleaned_data["granted"],
        measures=form.measures(),
        message=form.cleaned_data["message"],
        vault=vault,
    )
    if decision.granted:
        messages.success(request, _("Protection granted; the whistleblower was told in a message."))
    else:
        messages.success(request, _("Protection refused; the whistleblower was told in a message."))
    return None


def _measure_end(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.MeasureEndForm(request.POST, case=case)
    if not form.is_valid():
        return form_errors(form) or _("Choose the measure and the day it ended.")
    services.protection_measure_end(measure=form.cleaned_data["measure"], actor=member, on=form.cleaned_data["on"])
    messages.success(request, _("Measure ended."))
    return None


def _measure_extend(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.MeasureExtendForm(request.POST, case=case)
    if not form.is_valid():
        return form_errors(form) or _("Choose the measure and its new end date.")
    services.protection_measure_extend(
        measure=form.cleaned_data["measure"], actor=member, until=form.cleaned_data["until"]
    )
    messages.success(request, _("Measure extended."))
    return None


PROTECTION_ACTIONS: dict[str, CaseAction] = {
    "decide": _decide,
    "measure-end": _measure_end,
    "measure-extend": _measure_extend,
}


@staff_required
@require_POST
def protection_action(request: HttpRequest, member: StaffMember, public_id: uuid.UUID, action: str) -> HttpResponse:
    return run_case_action(request, member, public_id, PROTECTION_ACTIONS.get(action))
