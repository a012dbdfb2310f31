"""The auditors' pages: the audit log, filtered, and a button that verifies its chain.

Only auditors see them; for everyone else they do not exist (404), so the page is
not even revealed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.security import staff_required
from audit.forms import AuditFilterForm
from audit.models import AuditAction
from audit.selectors import audit_event_list
from audit.services import audit_record, audit_verify

EVENTS_PAGE_SIZE = 100
# cases.models.Role.AUDITOR, compared as a string so that audit does not import cases.
AUDITOR_ROLE = "auditor"


def _auditor(request: HttpRequest) -> User:
    """Return the logged-in auditor; raise 404 for anyone else."""
    staff = getattr(request.user, "staff", None)
    if staff is None or staff.role != AUDITOR_ROLE:
        raise Http404
    return staff.user


@staff_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    form = AuditFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(
        action=filters.get("action", ""), actor_username=filters.get("actor", ""), unit_id=filters.get("unit")
    )
    page = Paginator(events, EVENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"form": form, "page": page})


@staff_required
@require_POST
def chain_verify(request: HttpRequest) -> HttpResponse:
    auditor = _auditor(request)
    result = audit_verify()
    audit_record(
        actor=auditor,
        action=AuditAction.AUDIT_VERIFIED,
        target_type="audit_log",
        target_id="",
        details={"ok": result.ok, "checked": result.checked, "first_broken_seq": result.first_broken_seq},
    )
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
