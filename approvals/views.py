"""The staff page of routing and role changes: pending and recent, with approve and refuse for those who decide.

Views validate, call one service in approvals/services.py, and redirect. The page is
open to supervisors, administrators and auditors, and to every member of the
national unit (who is told of each change); anyone else gets a 404.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Membership, Role, StaffMember
from accounts.security import staff_required
from approvals import selectors, services
from approvals.models import PendingChange
from org.models import Unit

PAGE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR, Role.AUDITOR})


def _require_page(member: StaffMember) -> None:
    in_national = Membership.objects.filter(member=member, unit__kind=Unit.Kind.NATIONAL).exists()
    if member.role not in PAGE_ROLES and not in_national:
        raise Http404


def _rows(changes: Iterable[PendingChange], member: StaffMember) -> list[dict[str, object]]:
    # A few queries per row: the page holds the pending changes and the last RECENT_DECIDED decisions.
    return [
        {
            "change": change,
            "subject": selectors.change_subject(change),
            "lines": selectors.change_lines(change),
            "can_decide": services.can_decide_change(member, change),
            "approvers": [a.user.get_username() for a in services.change_approvers(change=change)]
            if change.is_pending
            else [],
        }
        for change in changes
    ]


@staff_required
@require_GET
def change_list(request: HttpRequest, member: StaffMember) -> HttpResponse:
    _require_page(member)
    context = {
        "pending": _rows(selectors.pending_changes(), member),
        "decided": _rows(selectors.recent_decided_changes(), member),
    }
    return render(request, "approvals/change_list.html", context)


@staff_required
@require_POST
def change_approve(request: HttpRequest, member: StaffMember, change_id: int) -> HttpResponse:
    _require_page(member)
    change = get_object_or_404(PendingChange, pk=change_id)
    try:
        change = services.change_approve(change=change, approver=member)
    except services.ChangeDecisionRefused as exc:
        messages.error(request, str(exc))
    else:
        if change.status == PendingChange.Status.APPLIED:
            messages.success(request, _("The change is approved and in effect."))
        else:
            messages.warning(
                request,
                _("The change was not applied: the record changed since it was asked for, or it breaks a rule."),
            )
    return redirect("approvals:changes")


@staff_required
@require_POST
def change_refuse(request: HttpRequest, member: StaffMember, change_id: int) -> HttpResponse:
    _require_page(member)
    change = get_object_or_404(PendingChange, pk=change_id)
    try:
        services.change_refuse(change=change, member=member)
    except services.ChangeDecisionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The change is refused; nothing was changed."))
    return redirect("approvals:changes")
