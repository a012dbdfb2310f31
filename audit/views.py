"""The auditors' pages: the audit log, filtered, and a button that verifies its chain.

Only auditors see them; for everyone else they do not exist (404), so the page is
not even revealed. That check is not made here: the audit log sits at the bottom of
the app graph and imports no app, while staff identity (accounts) writes to it. So
config/urls.py, which composes the apps, mounts these views behind
`accounts.security.staff_required(roles={Role.AUDITOR})`, which lets only verified
auditors through and hands each view its member, as for every staff view. The views
need no more of the member than its user (the `Auditor` protocol below), so audit
does not import accounts even for types.
"""

from __future__ import annotations

from typing import Protocol

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from audit.forms import AuditFilterForm
from audit.selectors import audit_event_list
from audit.services import audit_chain_verify

EVENTS_PAGE_SIZE = 100


class Auditor(Protocol):
    """What these views use of the staff member who is an auditor (accounts.models.StaffMember)."""

    @property
    def user(self) -> User: ...


@require_GET
def event_list(request: HttpRequest, auditor: Auditor) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(
        action=filters.get("action", ""), actor_username=filters.get("actor", ""), unit_id=filters.get("unit")
    )
    page = Paginator(events, EVENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"form": form, "page": page})


@require_POST
def chain_verify(request: HttpRequest, auditor: Auditor) -> HttpResponse:
    result = audit_chain_verify(actor=auditor.user)
    if result.ok:
        messages.success(
            request,
            ngettext(
                "The audit log is intact: %(count)d event verified.",
                "The audit log is intact: %(count)d events verified.",
                result.checked,
            )
            % {"count": result.checked},
        )
    else:
        messages.error(
            request,
            _("The audit log is broken at event %(seq)s: %(reason)s.")
            % {"seq": result.first_broken_seq, "reason": result.reason},
        )
    return redirect("audit:events")
