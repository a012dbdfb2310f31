"""The whistleblower's side of a reserved identity, on their /followup/ thread (D.Leg. 1327).

They read the code the investigators know them by, and each disclosure a custodian
approved: the day, and the role and unit it was disclosed to (never a name).
"""

from __future__ import annotations

from typing import Any

from django import template

from identity.selectors import tip_disclosures_approved
from tipline.models import Tip

register = template.Library()


@register.inclusion_tag("identity/followup_disclosures.html")
def followup_disclosures(tip: Any) -> dict[str, Any]:
    """Render the thread's note on the reserved identities of `tip` and the disclosures approved."""
    if not isinstance(tip, Tip):
        return {"codes": [], "disclosures": []}
    return {
        "codes": [identity.code for identity in tip.reserved_identities.all()],
        "disclosures": list(tip_disclosures_approved(tip=tip)),
    }
