"""Repeatedly named pseudonyms: counted when named in two or more tips at two or more facilities; never shown."""

from __future__ import annotations

import hashlib

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from accounts.models import StaffMember
from org.models import Facility
from tests.conftest import staff_client
from tests.trends.conftest import Desk, es, rollup_snapshot
from tipline.models import Tip
from trends.models import PseudonymRollup
from trends.services import rollups_rebuild
from trends.weeks import week_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not apps.is_installed("linking"), reason="the linking app records the pseudonyms"),
]


def pseudonym(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


def name_in(desk: Desk, tips: list[Tip], kind: str, name: str) -> None:
    """Record an entity on each tip the way the linking app stores it (the value stays an opaque ciphertext).

    Then send what the linking app sends for the mentions it indexed, in the same transaction.
    """
    from linking.models import EntityMention, IndexKey
    from linking.signals import mentions_indexed

    index_key = IndexKey.objects.first() or IndexKey.objects.create(version=1, sealed_to_escrow=b"sealed")
    with desk.capture(execute=True), transaction.atomic():
        for tip in tips:
            EntityMention.objects.create(
                tip=tip, kind=kind, value_ct=b"ciphertext", pseudonym=pseudonym(name), index_key=index_key
            )
        mentions_indexed.send(sender=EntityMention, rows=[(pseudonym(name), kind, tip.facility_id) for tip in tips])


@pytest.fixture
def tips(desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> dict[str, list[Tip]]:
    week = week_of(timezone.localdate())
    return {
        "lurigancho": [desk.submit(facilities["lurigancho"], on=week) for _ in range(3)],
        "trujillo": [desk.submit(facilities["trujillo"], on=week) for _ in range(2)],
    }


def test_only_entities_named_at_two_facilities_count(desk: Desk, tips: dict[str, list[Tip]]) -> None:
    lurigancho, trujillo = tips["lurigancho"], tips["trujillo"]
    name_in(desk, [lurigancho[0], trujillo[0]], "person", "el Flaco")  # two tips, two facilities: counts
    name_in(desk, [lurigancho[1], trujillo[1]], "person", "Sgto. Ramos")  # counts
    name_in(desk, [lurigancho[0], lurigancho[2]], "person", "la Gorda")  # one facility: does not
    name_in(desk, [trujillo[0]], "phone", "987654321")  # one tip: does not
    name_in(desk, [lurigancho[2], trujillo[1]], "phone", "912345678")  # counts

    assert dict(PseudonymRollup.objects.values_list("kind", "pseudonyms")) == {"person": 2, "phone": 1}
    before = rollup_snapshot()
    rollups_rebuild()
    assert rollup_snapshot() == before


def test_the_manager_sees_the_count_never_the_pseudonym(
    desk: Desk, tips: dict[str, list[Tip]], cast: dict[str, StaffMember]
) -> None:
    for i in range(6):
        name_in(desk, [tips["lurigancho"][i % 3], tips["trujillo"][i % 2]], "person", f"person {i}")

    page = staff_client("manager").get("/staff/trends/").content.decode()
    export = staff_client("manager").get("/staff/trends/export/pseudonyms.csv").content.decode("utf-8-sig")

    for i in range(6):
        assert pseudonym(f"person {i}").hex() not in page + export
    assert f"\r\n{es('Person')},5," in export, "six people named at two facilities, published as 5"
