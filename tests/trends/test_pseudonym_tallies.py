"""The repeated pseudonyms follow the mentions by the change, and always equal a recount from the mentions.

Nothing in linking sends the signals yet: these tests write the mentions and send
what linking will send, in the same transaction.
"""

from __future__ import annotations

import hashlib
import random

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from accounts.models import StaffMember
from org.models import Facility
from tests.trends.conftest import Desk, rollup_snapshot
from tipline.models import Tip
from trends.models import PseudonymFacilityTally, PseudonymRollup, PseudonymTally
from trends.services import pseudonym_counts_refresh
from trends.weeks import week_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not apps.is_installed("linking"), reason="the linking app sends the signals"),
]


def pseudonym(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


def repeated() -> dict[str, int]:
    return dict(PseudonymRollup.objects.values_list("kind", "pseudonyms"))


def index(tips: list[Tip], kind: str, name: str) -> None:
    """Store that each tip names the entity, and send mentions_indexed as linking will (one transaction)."""
    from linking.models import EntityMention, IndexKey
    from linking.signals import mentions_indexed

    index_key = IndexKey.objects.first() or IndexKey.objects.create(version=1, sealed_to_escrow=b"sealed")
    with transaction.atomic():
        for tip in tips:
            EntityMention.objects.create(
                tip=tip, kind=kind, value_ct=b"ciphertext", pseudonym=pseudonym(name), index_key=index_key
            )
        mentions_indexed.send(sender=EntityMention, rows=[(pseudonym(name), kind, tip.facility_id) for tip in tips])


def unindex(tips: list[Tip], kind: str, name: str) -> None:
    """Delete the mentions of the entity on these tips, and send mentions_unindexed as linking will."""
    from linking.models import EntityMention
    from linking.signals import mentions_unindexed

    with transaction.atomic():
        EntityMention.objects.filter(tip__in=tips, pseudonym=pseudonym(name)).delete()
        mentions_unindexed.send(sender=EntityMention, rows=[(pseudonym(name), kind, tip.facility_id) for tip in tips])


@pytest.fixture
def tips(desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> dict[str, list[Tip]]:
    week = week_of(timezone.localdate())
    return {
        "lurigancho": [desk.submit(facilities["lurigancho"], on=week) for _ in range(3)],
        "trujillo": [desk.submit(facilities["trujillo"], on=week) for _ in range(2)],
    }


def test_a_pseudonym_counts_once_named_in_two_tips_at_two_facilities(tips: dict[str, list[Tip]]) -> None:
    lurigancho, trujillo = tips["lurigancho"], tips["trujillo"]

    index([lurigancho[0]], "person", "el Flaco")
    assert repeated() == {}, "one tip"
    index([lurigancho[1]], "person", "el Flaco")
    assert repeated() == {}, "two tips, one facility"
    index([trujillo[0]], "person", "el Flaco")
    assert repeated() == {"person": 1}, "three tips, two facilities"
    index([trujillo[1]], "person", "el Flaco")
    assert repeated() == {"person": 1}, "still one pseudonym"
    index([lurigancho[2], trujillo[0]], "phone", "987654321")
    assert repeated() == {"person": 1, "phone": 1}, "both tips in one signal"


def test_removing_a_mention_lowers_the_count_when_the_rule_is_no_longer_met(tips: dict[str, list[Tip]]) -> None:
    lurigancho, trujillo = tips["lurigancho"], tips["trujillo"]
    index([lurigancho[0], lurigancho[1], trujillo[0]], "person", "Sgto. Ramos")
    assert repeated() == {"person": 1}

    unindex([lurigancho[1]], "person", "Sgto. Ramos")
    assert repeated() == {"person": 1}, "two tips at two facilities remain"
    unindex([trujillo[0]], "person", "Sgto. Ramos")
    assert repeated() == {}, "one tip left"
    assert list(PseudonymTally.objects.values_list("tips", flat=True)) == [1]
    unindex([lurigancho[0]], "person", "Sgto. Ramos")
    assert not PseudonymTally.objects.exists() and not PseudonymFacilityTally.objects.exists()


def test_removing_what_was_never_counted_changes_nothing(tips: dict[str, list[Tip]]) -> None:
    from linking.models import EntityMention
    from linking.signals import mentions_unindexed

    mentions_unindexed.send(
        sender=EntityMention, rows=[(pseudonym("nobody"), "person", tips["trujillo"][0].facility_id)]
    )

    assert repeated() == {} and not PseudonymTally.objects.exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_increments_equal_the_rebuild_after_random_changes(tips: dict[str, list[Tip]], seed: int) -> None:
    every_tip = tips["lurigancho"] + tips["trujillo"]
    entities = [("person", "el Flaco"), ("person", "la Gorda"), ("phone", "912345678"), ("vehicle", "ABC-123")]
    named: set[tuple[int, int]] = set()  # (tip index, entity index)
    rng = random.Random(seed)
    for step in range(40):
        entity = rng.randrange(len(entities))
        chosen = rng.sample(range(len(every_tip)), rng.randint(1, 3))
        to_add = [i for i in chosen if (i, entity) not in named]
        to_remove = [i for i in chosen if (i, entity) in named]
        kind, name = entities[entity]
        if to_remove:
            unindex([every_tip[i] for i in to_remove], kind, name)
            named -= {(i, entity) for i in to_remove}
        if to_add:
            index([every_tip[i] for i in to_add], kind, name)
            named |= {(i, entity) for i in to_add}
        if step % 10 == 9:
            incremental = rollup_snapshot()
            pseudonym_counts_refresh()
            assert rollup_snapshot() == incremental, f"step {step}"

    def counts(entity: int) -> tuple[int, int]:
        tip_indexes = [i for i, e in named if e == entity]
        return len(tip_indexes), len({every_tip[i].facility_id for i in tip_indexes})

    expected: dict[str, int] = {}
    for entity, (kind, _name) in enumerate(entities):
        named_in, at = counts(entity)
        if named_in >= 2 and at >= 2:
            expected[kind] = expected.get(kind, 0) + 1
    assert repeated() == expected


def test_a_rotation_recounts_from_the_rewritten_pseudonyms(tips: dict[str, list[Tip]]) -> None:
    from linking.models import EntityMention
    from linking.signals import pseudonyms_rekeyed

    index([tips["lurigancho"][0], tips["trujillo"][0]], "person", "el Flaco")
    index([tips["lurigancho"][1], tips["trujillo"][1]], "person", "Sgto. Ramos")
    assert repeated() == {"person": 2}
    with transaction.atomic():
        # A new key whose two pseudonyms happen to be one on the tips of Trujillo: one repeated person is left.
        EntityMention.objects.filter(tip__in=tips["trujillo"]).update(pseudonym=pseudonym("new key: Trujillo"))
        EntityMention.objects.filter(tip__in=tips["lurigancho"]).update(pseudonym=pseudonym("new key: Lurigancho"))
        pseudonyms_rekeyed.send(sender=EntityMention)

    assert repeated() == {}
    assert sorted(PseudonymTally.objects.values_list("tips", flat=True)) == [2, 2]


def test_the_tallies_keep_numbers_per_pseudonym_only(tips: dict[str, list[Tip]]) -> None:
    index([tips["lurigancho"][0], tips["trujillo"][0]], "person", "el Flaco")

    assert {field.name for field in PseudonymTally._meta.get_fields()} == {"id", "pseudonym", "kind", "tips"}
    assert {field.name for field in PseudonymFacilityTally._meta.get_fields()} == {
        "id",
        "pseudonym",
        "facility",
        "tips",
    }
    assert list(PseudonymTally.objects.values_list("kind", "tips")) == [("person", 2)]


def test_the_signals_carry_pseudonym_kind_and_facility_never_a_value_or_a_tip(tips: dict[str, list[Tip]]) -> None:
    from linking.signals import mentions_indexed

    sent: list[dict[str, object]] = []

    def listen(sender: object, **kwargs: object) -> None:
        sent.append(kwargs)

    mentions_indexed.connect(listen, weak=False, dispatch_uid="test-listen")
    try:
        index([tips["lurigancho"][0]], "person", "el Flaco")
    finally:
        mentions_indexed.disconnect(dispatch_uid="test-listen")

    (arguments,) = sent
    assert set(arguments) == {"signal", "rows"}
    assert arguments["rows"] == [(pseudonym("el Flaco"), "person", tips["lurigancho"][0].facility_id)]
