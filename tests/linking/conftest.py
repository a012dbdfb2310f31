"""Fixtures for linking: the suite's cast with an index key, and helpers to record entities as staff do."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from linking.models import EntityMention
from linking.services import index_keys_create_missing, mention_record
from tests.conftest import PASSWORD
from tipline.models import Tip


@pytest.fixture
def cast(cast: dict[str, StaffMember]) -> dict[str, StaffMember]:
    """The suite's cast, and the index keys sealed to their units' keys, as `manage.py create_index_key` makes them."""
    index_keys_create_missing()
    return cast


def vault_of(member: StaffMember) -> dict[str, bytes]:
    """Return what a login puts in the member's session vault."""
    return staff_unlock_keys(member=member, password=PASSWORD)


def record(member: StaffMember, tip: Tip, kind: str, value: str, role: str = "") -> EntityMention:
    """Record an entity on a tip through the service, with the keys the member's login unlocks."""
    mention, _created = mention_record(tip=tip, kind=kind, value=value, role=role, actor=member, vault=vault_of(member))
    return mention


def record_by_post(client: Client, tip: Tip, kind: str, value: str, role: str = "") -> str:
    """Record an entity through the case page's form; return the case page it leads back to."""
    response = client.post(
        f"/staff/linking/tips/{tip.public_id}/mentions/",
        {"kind": kind, "value": value, "person_role": role},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()
