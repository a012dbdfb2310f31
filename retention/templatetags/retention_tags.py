"""The case page's retention section: when the case is due for deletion, its legal holds, and their forms.

The case page's view belongs to cases, which must not import retention: this tag
reads what the section needs for the page's case and member, and opens a hold's reason
with the session vault only for members who work the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

import envelope
from accounts.models import StaffMember
from cases import permissions
from cases.models import Case
from cases.permissions import CaseActionRefused
from cases.services import case_key_open
from envelope.vault import vault_open
from retention import forms
from retention.models import LegalHold
from retention.services import RULE_FIELDS, retention_due_on, schedule_of

register = template.Library()


@dataclass(frozen=True)
class HoldView:
    hold: LegalHold
    reason: str


def _holds(case: Case, member: StaffMember, vault: dict[str, bytes]) -> list[HoldView]:
    holds = list(LegalHold.objects.filter(case=case).select_related("placed_by__user", "lifted_by__user"))
    key = b""
    if holds and case.erased_on is None and permissions.can_work(member, case):
        try:
            key = case_key_open(case=case, vault=vault)
        except (CaseActionRefused, envelope.CryptoError):
            key = b""  # a key this session lacks: the holds show without their reasons
    views = []
    for hold in holds:
        reason = ""
        if key and hold.reason_ct:
            reason = str(
                envelope.open_field(envelope.LEGAL_HOLD, "reason", hold, case.public_id, hold.public_id, key=key)
            )
        views.append(HoldView(hold=hold, reason=reason))
    return views


@register.inclusion_tag("retention/case_retention.html", takes_context=True)
def case_retention(context: template.Context, case: Case, member: StaffMember) -> dict[str, Any]:
    """Render the case's retention: its due day and rule, its legal holds, and the supervisor's forms."""
    if not isinstance(case, Case) or not isinstance(member, StaffMember):
        return {"show": False}
    holds = _holds(case, member, vault_open(context["request"]))
    schedule = schedule_of(case.unit_id)
    rule = RULE_FIELDS.get(case.status)
    can_supervise = case.erased_on is None and permissions.can_supervise(member, case)
    return {
        "show": True,
        "case": case,
        "holds": holds,
        "active_holds": [view for view in holds if view.hold.is_active],
        "due_on": retention_due_on(case, schedule) if case.erased_on is None else None,
        "years": getattr(schedule, rule) if rule else None,
        "rule_label": getattr(schedule._meta.get_field(rule), "verbose_name", "") if rule else "",
        "can_supervise": can_supervise,
        "place_form": forms.LegalHoldPlaceForm() if can_supervise else None,
        "lift_form": forms.LegalHoldLiftForm(case=case) if can_supervise else None,
        "csrf_token": context.get("csrf_token"),
    }
