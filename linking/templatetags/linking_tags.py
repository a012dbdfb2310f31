"""Inclusion tags that put linking on the case page: a tip's entities and suggestions, the case's suggested links.

The case page's view belongs to cases; these tags read what they need through
linking's selectors, with the member the view was handed (the page's `member`) and
the session vault of the request.
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import StaffMember
from cases.models import Case
from cases.selectors import CaseTipView
from envelope.vault import vault_open
from linking.forms import MentionForm
from linking.models import EntityKind, PersonRole
from linking.selectors import suggested_links, tip_entities

register = template.Library()


def _member(context: template.Context) -> StaffMember | None:
    member = context.get("member")
    return member if isinstance(member, StaffMember) else None


def _tip_text(item: CaseTipView) -> str:
    """The text suggestions come from: the report and the whistleblower's replies (never staff messages)."""
    replies = [m.body for m in item.content.messages if m.author_kind == "whistleblower"]
    return "\n".join([item.content.description, *replies])


@register.inclusion_tag("linking/tip_entities.html", takes_context=True)
def linking_tip_entities(context: template.Context, item: CaseTipView) -> dict[str, Any]:
    """Render the entities recorded on one tip of the case, the ones its text suggests, and the form to add one."""
    member = _member(context)
    if member is None or not member.can_read_tips:
        return {"show": False}
    tip = item.tip
    entities = tip_entities(tip=tip, text=_tip_text(item), member=member, vault=vault_open(context["request"]))
    suggestions = [
        {
            "kind": s.kind,
            "kind_label": EntityKind(s.kind).label,
            "role": s.role,
            "role_label": PersonRole(s.role).label if s.role else "",
            "value": s.value,
        }
        for s in entities.suggestions
    ]
    return {
        "show": True,
        "tip": tip,
        "entities": entities,
        "suggestions": suggestions,
        "form": MentionForm(auto_id=f"id_mention_{tip.public_id.hex}_%s"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("linking/suggested_links.html", takes_context=True)
def linking_suggested_links(context: template.Context, case: Case) -> dict[str, Any]:
    """Render the cases that seem related to this one (shared pseudonyms, then clear metadata)."""
    member = _member(context)
    if member is None:
        return {"links": None}
    links = suggested_links(case=case, member=member, vault=vault_open(context["request"]))
    return {"case": case, "links": links, "csrf_token": context.get("csrf_token")}
