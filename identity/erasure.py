"""What deleting a case on its retention schedule destroys of its disclosures (cases.services.on_case_erase)."""

from __future__ import annotations

from cases.models import Case
from identity.models import DisclosureGrant, DisclosureRequest


def disclosures_erase(*, case: Case) -> int:
    """Delete the identity keys sealed to members by the case's disclosures, and empty the requests' reasons.

    The requests themselves go with the reserved identities they name, which the
    deletion removes after the hooks run (their custodian and escrow key copies with them).
    """
    gone = DisclosureGrant.objects.filter(request__case=case).delete()[0]
    emptied = DisclosureRequest.objects.filter(case=case).update(reason_for_custodian=b"")
    return gone + emptied


def disclosures_move_to_case(*, target: Case, other: Case, target_key: bytes, other_key: bytes) -> int:
    """Move a merged case's disclosure requests (and so their grants) to the case it joins (cases.on_case_merge).

    Nothing is re-sealed: a request's reason is sealed to the custodian and bound to the
    request, not the case. Without this, the merge would delete the requests with the
    merged case: a pending one undecided, and the whistleblower's notice of an approved one.
    """
    return DisclosureRequest.objects.filter(case=other).update(case=target)
