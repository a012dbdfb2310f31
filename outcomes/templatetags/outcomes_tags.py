"""The case page's "Outcome" section: persons concerned, proceedings, referrals, platform codes and their forms.

The case page's view belongs to cases, which must not import outcomes; this tag reads
what the section needs with the member the view was handed (the page's `member`) and
the session vault of the request.
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import StaffMember
from cases import permissions
from cases.models import Case
from cases.permissions import CaseActionRefused
from envelope import CryptoError
from envelope.vault import vault_open
from outcomes import forms
from outcomes.selectors import case_outcomes
from outcomes.services import PROCEEDING_STATUSES

register = template.Library()


@register.inclusion_tag("outcomes/case_outcomes.html", takes_context=True, name="case_outcomes")
def case_outcomes_section(context: template.Context) -> dict[str, Any]:
    """Render what the page's case led to and, for those who may record it, the forms."""
    member, case = context.get("member"), context.get("case")
    if not isinstance(member, StaffMember) or not isinstance(case, Case) or not member.can_read_tips:
        return {"show": False}
    try:
        outcomes = case_outcomes(case=case, vault=vault_open(context["request"]))
    except (CaseActionRefused, CryptoError):
        return {"show": False}
    return {
        "show": True,
        "case": case,
        "outcomes": outcomes,
        "can_decide": permissions.can_close(member, case),
        "proceedings_allowed": case.status in PROCEEDING_STATUSES,
        "person_form": forms.PersonAddForm(case=case),
        "person_outcome_form": forms.PersonOutcomeForm(case=case),
        "proceeding_form": forms.ProceedingOpenForm(case=case),
        "proceeding_update_form": forms.ProceedingUpdateForm(case=case),
        "referral_form": forms.ReferralSendForm(case=case),
        "referral_update_form": forms.ReferralUpdateForm(case=case),
        "platform_form": forms.PlatformCodeForm(case=case),
        "csrf_token": context.get("csrf_token"),
    }
