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
from cases.permissions import can_work
from cases.selectors import CaseTipView
from envelope.vault import vault_open
from linking.forms import LinkSearchForm, MentionForm
from linking.models import EntityKind, PersonRole
from linking.selectors import LINK_SEARCH_TITLE_CAP, link_search, suggested_links, tip_entities
from linking.services import pseudonym_viewed_record

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


@register.inclusion_tag("linking/link_search.html", takes_context=True)
def linking_link_search(context: template.Context, case: Case) -> dict[str, Any]:
    """Render the search for a related case to link (GET, on the case page) and its results, each with a Link button.

    An entity looked up is audited like a pseudonym's page: the member was shown where it appears.
    """
    member = _member(context)
    if member is None or case.is_closed or not can_work(member, case):
        return {"show": False}
    request = context["request"]
    form = LinkSearchForm(request.GET if any(name in request.GET for name in LinkSearchForm.base_fields) else None)
    search = None
    if form.has_criteria() and form.is_valid():
        data = form.cleaned_data
        facility = data.get("link_facility")
        search = link_search(
            case=case,
            member=member,
            vault=vault_open(request),
            title=data.get("link_q") or "",
            facility_id=facility.pk if facility else None,
            received_from=data.get("link_from"),
            received_to=data.get("link_to"),
            entity_kind=data.get("link_kind") or "",
            entity_value=data.get("link_entity") or "",
        )
        if search.pseudonym is not None:
            pseudonym_viewed_record(pseudonym=search.pseudonym, readable_tips=len(search.results), actor=member)
    return {
        "show": True,
        "case": case,
        "form": form,
        "search": search,
        "title_cap": LINK_SEARCH_TITLE_CAP,
        "csrf_token": context.get("csrf_token"),
    }
