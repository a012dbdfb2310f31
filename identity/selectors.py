"""Reads of disclosure requests for the custodian's pages, the case pages and the whistleblower's thread."""

from __future__ import annotations

from django.db.models import QuerySet

from identity.models import DisclosureRequest, DisclosureStatus
from tipline.models import Tip

# The custodian's list shows every pending request and this many of the latest decisions.
RECENT_DECIDED = 50


def _requests() -> QuerySet[DisclosureRequest]:
    return DisclosureRequest.objects.select_related(
        "case", "identity", "requester_unit", "requested_by__user", "decided_by__user"
    )


def pending_disclosures() -> QuerySet[DisclosureRequest]:
    """Return the requests awaiting a custodian, oldest first."""
    return _requests().filter(status=DisclosureStatus.PENDING).order_by("requested_on", "id")


def recent_decided_disclosures() -> list[DisclosureRequest]:
    """Return the latest decided requests, newest decision first."""
    decided = _requests().exclude(status=DisclosureStatus.PENDING).order_by("-decided_on", "-id")
    return list(decided[:RECENT_DECIDED])


def tip_disclosures_approved(*, tip: Tip) -> QuerySet[DisclosureRequest]:
    """Return the approved disclosures of a tip's reserved identities, in the order they were decided."""
    return (
        DisclosureRequest.objects.filter(identity__tip=tip, status=DisclosureStatus.APPROVED)
        .select_related("requester_unit")
        .order_by("decided_on", "id")
    )
