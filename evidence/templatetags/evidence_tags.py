"""The case page's "Evidence" section: the case's exhibits, the reports that name their numbers, the forms.

The case page's view belongs to cases, which does not import evidence; this tag reads
what it needs through evidence's selectors, with the member the view was handed and
the session vault of the request.
"""

from __future__ import annotations

from typing import Any

from django import template

import envelope
from accounts.models import StaffMember
from cases.models import Case
from cases.permissions import CaseActionRefused
from envelope.vault import vault_open
from evidence.forms import ExhibitForm
from evidence.selectors import case_exhibits, case_searches

register = template.Library()


@register.inclusion_tag("evidence/case_evidence.html", takes_context=True)
def case_evidence(context: template.Context) -> dict[str, Any]:
    """Render the case's exhibits (kind, holder, status, short SHA-256), their seized numbers, and the forms."""
    member = context.get("member")
    case = context.get("case")
    if not isinstance(member, StaffMember) or not isinstance(case, Case) or not member.can_read_tips:
        return {"show": False}
    try:
        exhibits = case_exhibits(case=case, member=member, vault=vault_open(context["request"]))
    except (CaseActionRefused, envelope.CryptoError):
        exhibits = None
    return {
        "show": True,
        "case": case,
        "exhibits": exhibits,
        "form": ExhibitForm(searches=case_searches(case=case), auto_id="id_exhibit_%s"),
        "csrf_token": context.get("csrf_token"),
    }
