"""The protection section of the whistleblower's thread page (/followup/): {% load protection_public %}
{% protection_section %}. tipline's template loads it by name, so tipline never imports protection."""

from __future__ import annotations

from typing import Any

from django import template

from protection import public
from protection.public_forms import FORM_CHECK_IN, FORM_PROTECTION, CheckInForm, ProtectionRequestForm
from tipline import abuse

register = template.Library()


@register.inclusion_tag("protection/followup_section.html", takes_context=True)
def protection_section(context: template.Context) -> dict[str, Any]:
    """Render what the whistleblower reads and can do about the protection of the report in `tip`."""
    tip = context["tip"]
    status = public.protection_status(tip=tip)
    questions = [
        {
            "check_in": check_in,
            "question": public.check_in_question(check_in),
            # Ids of their own: several questions may share the page.
            "form": CheckInForm(auto_id=f"id_{check_in.public_id.hex}_%s"),
            "form_token": abuse.form_token_issue(FORM_CHECK_IN),
        }
        for check_in in status.check_ins
    ]
    return {
        "tip": tip,
        "status": status,
        "questions": questions,
        "can_request": public.can_request_protection(tip=tip),
        "request_form": ProtectionRequestForm(auto_id="id_protection_%s"),
        "request_token": abuse.form_token_issue(FORM_PROTECTION),
    }
