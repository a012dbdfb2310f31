"""The case page's "Protection" section: the request, its deadline, decisions, measures, check-ins, retaliation.

The case page's view belongs to cases, which must not import protection; this tag reads
what the section needs with the member and the case it is handed. Everything shown is
clear metadata: no key is needed, and no words of the whistleblower appear here (their
answers to check-ins are choices; what they write is in the tip's thread).
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import StaffMember
from cases import permissions
from cases.models import Case
from protection import forms
from protection.selectors import case_protection

register = template.Library()


@register.inclusion_tag("protection/case_protection.html", takes_context=True, name="case_protection")
def case_protection_section(context: template.Context, case: Case, member: StaffMember) -> dict[str, Any]:
    """Render the case's protection section and, for its supervisors, the forms that decide and change it."""
    if not isinstance(member, StaffMember) or not isinstance(case, Case) or not permissions.can_work(member, case):
        return {"show": False}
    protection = case_protection(case=case)
    can_decide = permissions.can_supervise(member, case)
    show = (
        protection.requested
        or bool(protection.decisions or protection.check_ins)
        or bool(protection.retaliation_for or protection.retaliation_reports)
    )
    return {
        "show": show,
        "case": case,
        "protection": protection,
        "can_decide": can_decide,
        "decide_form": forms.DecideForm(case=case) if can_decide and protection.pending else None,
        "end_form": forms.MeasureEndForm(case=case) if can_decide else None,
        "extend_form": forms.MeasureExtendForm(case=case) if can_decide else None,
        "csrf_token": context.get("csrf_token"),
    }
