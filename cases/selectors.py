"""Reads for the staff side: which tips a member may see, and the key to open one."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from cases.keys import vault_unit_key_name
from cases.models import StaffMember
from tipline import crypto
from tipline.models import Tip
from tipline.services import data_key_info, unit_recipient


def tips_visible_to(*, member: StaffMember) -> QuerySet[Tip]:
    """Return the tips routed to the units this member reads, newest first."""
    if not member.can_read_tips:
        return Tip.objects.none()
    unit_ids = member.memberships.values_list("unit_id", flat=True)
    return Tip.objects.filter(unit_id__in=unit_ids).select_related("facility", "unit").order_by("-received_on", "-id")


def tip_visible_to(*, member: StaffMember, public_id: uuid.UUID) -> Tip | None:
    """Return the tip if this member may read it, else None (callers answer 404)."""
    return tips_visible_to(member=member).filter(public_id=public_id).first()


def tip_data_key(*, tip: Tip, vault: dict[str, bytes]) -> bytes | None:
    """Open a tip's data key with the unit key held in this session's vault, if it is there."""
    unit_private_key = vault.get(vault_unit_key_name(tip.unit_keypair_id))
    if unit_private_key is None:
        return None
    return crypto.unseal(
        bytes(tip.data_key_for_unit),
        private_key=unit_private_key,
        info=data_key_info(tip.public_id, unit_recipient(tip.unit_keypair)),
    )
