"""The case page's retention forms: a supervisor places or lifts a legal hold (cases.views.run_case_action)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import StaffMember
from accounts.security import staff_required
from cases.models import Case
from cases.views import run_case_action
from retention import forms, services

RetentionAction = Callable[[HttpRequest, Case, StaffMember, dict[str, bytes]], str | None]


def _hold_place(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.LegalHoldPlaceForm(request.POST)
    if not form.is_valid():
        return _("Say why the case must be kept.")
    services.legal_hold_place(case=case, actor=member, reason=form.cleaned_data["reason"], vault=vault)
    messages.success(request, _("Legal hold placed: the case will not be deleted while it lasts."))
    return None


def _hold_lift(request: HttpRequest, case: Case, member: StaffMember, vault: dict[str, bytes]) -> str | None:
    form = forms.LegalHoldLiftForm(request.POST, case=case)
    if not form.is_valid():
        return _("Choose the legal hold to lift.")
    services.legal_hold_lift(hold=form.cleaned_data["hold"], actor=member)
    messages.success(request, _("Legal hold lifted: the retention schedule runs again."))
    return None


RETENTION_ACTIONS: dict[str, RetentionAction] = {"hold-place": _hold_place, "hold-lift": _hold_lift}


@staff_required
@require_POST
def retention_action(request: HttpRequest, member: StaffMember, public_id: uuid.UUID, action: str) -> HttpResponse:
    return run_case_action(request, member, public_id, RETENTION_ACTIONS.get(action))
