"""The staff pages' "Contact details or identity" of a tip: its reserved identities by code, the member's
disclosure requests and their form, and a contact disclosed to this member.

The case and tip pages belong to cases, which must not import identity: this tag
reads what it needs with the member the view was handed and the session vault of
the request. The unit sees that an identity is reserved and its code; the contact
only after a custodian approved this member's own request (each read is audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from accounts.models import StaffMember
from cases.permissions import CaseActionRefused, can_work
from envelope import CryptoError
from envelope.vault import vault_open
from identity.forms import DisclosureRequestForm
from identity.models import DisclosureGrant, DisclosureRequest, DisclosureStatus
from identity.services import disclosed_identity_open
from tipline.models import ReservedIdentity, Tip

register = template.Library()


@dataclass(frozen=True)
class IdentityRow:
    identity: ReservedIdentity
    requests: list[DisclosureRequest]
    can_ask: bool
    contact: str | None  # disclosed to this member, opened for this page
    unreadable: bool  # disclosed to this member, but their session holds no key to open it


def _row(identity: ReservedIdentity, member: StaffMember, works: bool, vault: dict[str, bytes]) -> IdentityRow:
    requests = list(identity.disclosure_requests.filter(requested_by=member).order_by("-requested_on", "-id"))
    contact, unreadable = None, False
    grant = (
        DisclosureGrant.objects.filter(
            member=member, request__identity=identity, request__status=DisclosureStatus.APPROVED
        )
        .select_related("request__case", "request__identity")
        .order_by("-request__decided_on", "-pk")
        .first()
    )
    if works and grant is not None:
        try:
            contact = disclosed_identity_open(grant=grant, actor=member, vault=vault)
        except (CaseActionRefused, CryptoError):
            unreadable = True
    open_request = any(r.status in (DisclosureStatus.PENDING, DisclosureStatus.APPROVED) for r in requests)
    return IdentityRow(
        identity=identity, requests=requests, can_ask=works and not open_request, contact=contact, unreadable=unreadable
    )


@register.inclusion_tag("identity/tip_identity.html", takes_context=True)
def tip_identity(context: template.Context, tip: Tip, member: Any, legacy_contact: str = "") -> dict[str, Any]:
    """Render a tip's contact section for `member`: reserved identities, requests, a disclosed contact.

    `legacy_contact` is the contact of a tip sent before identities were reserved,
    sealed under the tip's key (the unit reads it as before).
    """
    if not isinstance(member, StaffMember) or not isinstance(tip, Tip):
        return {"show": False}
    case = tip.case_link.case
    works = can_work(member, case)
    vault = vault_open(context["request"]) if works else {}
    rows = [_row(identity, member, works, vault) for identity in tip.reserved_identities.all()]
    return {
        "show": True,
        "rows": rows,
        "legacy_contact": legacy_contact,
        "form": DisclosureRequestForm(),
        "csrf_token": context.get("csrf_token"),
    }
