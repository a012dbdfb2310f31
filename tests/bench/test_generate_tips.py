"""The synthetic tip generator (bench/synthetic.py, bench/writer.py) at a small N: deterministic, sealed, linked, no plaintext.

No timing is asserted here; speed is measured by `make bench` (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import F

import envelope
from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case, CaseTip
from cases.services import case_key_open, tip_data_key_open
from cases.statuses import CLOSED_STATUSES
from demo.mentions import LINK_SCORE, LINKED_KINDS, LINKS_PER_TIP
from demo.synthetic import build_world, facilities_ensure, tip_spec
from demo.writer import Plan, generate
from linking.automatic import name_key_rows
from linking.models import EntityMention, IndexKey, NameKey, TipLink
from linking.normalise import normalise
from linking.scoring import EXACT_CODE
from linking.services import index_key_from_escrow
from tests.conftest import PASSWORD
from tipline.models import Tip

pytestmark = pytest.mark.django_db

N = 200
SEED = 7
END = datetime.date(2026, 11, 27)


def _generate(*, batch: int = 1000, escrow: bool = True) -> None:
    generate(
        Plan(
            count=N,
            seed=SEED,
            batch=batch,
            end_date=END,
            escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY if escrow else None,
        )
    )


def _clear_metadata() -> list[tuple[object, ...]]:
    return [
        (
            case.facility.name,
            case.unit.slug,
            case.category,
            case.smuggling_channel,
            case.status,
            case.priority,
            case.received_on,
            case.acknowledged_on,
            case.feedback_given_on,
            case.closed_on,
            case.next_due,
            tip.intake_channel,
            tip.staff_involved,
            tip.when_period,
            tip.occurred_month,
            tip.status,
        )
        for case, tip in (
            (link.case, link.tip)
            for link in CaseTip.objects.select_related("case__facility", "case__unit", "tip").order_by("tip_id")
        )
    ]


def _vault(cast: dict[str, StaffMember]) -> dict[str, bytes]:
    vault: dict[str, bytes] = {}
    for name in ("lima_investigator", "norte_investigator", "national_investigator"):
        vault.update(staff_unlock_keys(member=cast[name], password=PASSWORD))
    return vault


def test_the_same_seed_gives_the_same_clear_metadata_whatever_the_batches(cast: dict[str, StaffMember]) -> None:
    _generate(batch=1000)
    first = _clear_metadata()
    assert len(first) == N
    Case.objects.all().delete()
    Tip.objects.all().delete()
    _generate(batch=37)
    assert _clear_metadata() == first
    # A tip is a pure function of (seed, index): a grown data set continues the same sequence.
    world = build_world(seed=SEED, end_date=END, facilities=facilities_ensure())
    assert tip_spec(world, 150).clear_metadata() == tip_spec(world, 150).clear_metadata()
    assert tip_spec(world, 150).description == tip_spec(world, 150).description


def test_metadata_is_spread_like_real_tips(cast: dict[str, StaffMember]) -> None:
    _generate(escrow=False)
    cases = list(Case.objects.select_related("facility"))
    # Contraband comes in by visitors most, then staff, then suppliers and over the wall (DESIGN.md section 1).
    channels = Counter(case.smuggling_channel for case in cases if case.category in ("phones", "drugs_weapons"))
    assert channels["visitors"] > channels["staff"] > channels["suppliers"] > 0
    assert channels["thrown"] > 0
    assert len({case.facility_id for case in cases}) > 10, "synthetic facilities were added"
    years = {case.received_on.year for case in cases}
    assert len(years) >= 4
    old = [case for case in cases if case.received_on < END - datetime.timedelta(days=400)]
    closed = [case for case in old if case.status in CLOSED_STATUSES]
    assert len(closed) > 0.8 * len(old), "old cases are mostly closed"
    assert all(case.closed_on and case.feedback_given_on for case in closed)
    for case in cases:
        assert case.next_due == case.compute_next_due()
        assert case.acknowledge_due == case.received_on + datetime.timedelta(days=case.unit.acknowledge_days)
    assert set(Tip.objects.values_list("intake_channel", flat=True)) <= {"web", "phone"}


def test_every_tip_and_case_opens_for_its_unit_and_for_escrow(cast: dict[str, StaffMember]) -> None:
    _generate(escrow=False)
    vault = _vault(cast)
    world = build_world(seed=SEED, end_date=END, facilities=facilities_ensure())
    links = CaseTip.objects.select_related("tip__unit_keypair", "tip__facility", "case__unit_keypair", "case__facility")
    assert links.count() == N
    for index, link in enumerate(links.order_by("tip_id")):
        tip, case = link.tip, link.case
        data_key = tip_data_key_open(tip=tip, vault=vault)
        description = envelope.open_field(envelope.TIP, "description", tip, tip.public_id, key=data_key)
        assert description == tip_spec(world, index).description
        escrow_copy = envelope.open_tip_with_escrow(tip, escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY)
        assert escrow_copy == data_key
        title = envelope.open_field(
            envelope.CASE, "title", case, case.public_id, key=case_key_open(case=case, vault=vault)
        )
        assert case.facility.name in title


def test_entity_mentions_link_a_recurring_person_across_tips_and_facilities(cast: dict[str, StaffMember]) -> None:
    _generate()
    vault = _vault(cast)
    top = Counter(bytes(p) for p in EntityMention.objects.filter(kind="person").values_list("pseudonym", flat=True))
    pseudonym, count = top.most_common(1)[0]
    assert count >= 5, "a few recurring people are named in many tips"
    mentions = EntityMention.objects.filter(pseudonym=pseudonym).select_related("tip__unit_keypair")
    assert len({mention.tip.facility_id for mention in mentions}) >= 2
    values = set()
    for mention in mentions:
        data_key = tip_data_key_open(tip=mention.tip, vault=vault)
        value = envelope.open_field(
            envelope.MENTION, "value", mention, mention.tip.public_id, mention.public_id, key=data_key
        )
        values.add(normalise("person", value))
    assert len(values) == 1, "the same pseudonym is the same person"


def test_no_plaintext_is_stored(cast: dict[str, StaffMember]) -> None:
    _generate()
    world = build_world(seed=SEED, end_date=END, facilities=facilities_ensure())
    specs = [tip_spec(world, index) for index in range(N)]
    needles = {spec.description.encode() for spec in specs}
    needles |= {spec.contact.encode() for spec in specs if spec.contact}
    needles |= {m.value.encode() for spec in specs for m in spec.mentions if m.kind in ("person", "company")}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            for row in cursor.fetchall():
                for value in row:
                    if value is None:
                        continue
                    data = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                    for needle in needles:
                        assert needle not in data, f"plaintext {needle[:40]!r} found in {table}"


def test_the_command_says_how_many_and_how_fast(cast: dict[str, StaffMember]) -> None:
    out = StringIO()
    call_command("generate_tips", "--count", "30", "--seed", "3", "--workers", "1", "--batch", "10", stdout=out)
    assert "Generated 30 tips" in out.getvalue()
    assert Tip.objects.count() == 30 and Case.objects.count() == 30


def test_the_generator_keys_each_tips_entities_with_its_units_index_key(cast: dict[str, StaffMember]) -> None:
    """As mention_record does: national tips with the national unit's own key, every other tip with the regional one."""
    _generate()
    scopes = set(EntityMention.objects.values_list("tip__unit__kind", "index_key__scope").distinct())
    assert scopes == {("regional", "regional"), ("national", "national")}


def test_person_mentions_get_the_name_keys_the_automatic_step_would_give_them(cast: dict[str, StaffMember]) -> None:
    _generate()
    persons = EntityMention.objects.filter(kind="person")
    assert persons.exists()
    keyed = set(NameKey.objects.values_list("mention_id", flat=True).distinct())
    assert keyed == set(persons.values_list("pk", flat=True)), "every person mention, and only those, has name keys"
    assert not NameKey.objects.exclude(tip_id=F("mention__tip_id")).exists()
    # The same person named in two tips has the same keys there (the keys are made with the same index key).
    pseudonym = Counter(bytes(p or b"") for p in persons.values_list("pseudonym", flat=True)).most_common(1)[0][0]
    first, second = EntityMention.objects.filter(pseudonym=pseudonym).order_by("pk")[:2]
    assert {bytes(p) for p in first.name_keys.values_list("pseudonym", flat=True)} == {
        bytes(p) for p in second.name_keys.values_list("pseudonym", flat=True)
    }


def test_tips_sharing_an_entity_are_linked_to_a_few_earlier_ones(cast: dict[str, StaffMember]) -> None:
    _generate(batch=37)
    links = list(TipLink.objects.all())
    assert links, "recurring entities make links"
    shared: dict[int, set[bytes]] = {}
    for tip_id, pseudonym in EntityMention.objects.filter(kind__in=LINKED_KINDS).values_list("tip_id", "pseudonym"):
        shared.setdefault(tip_id, set()).add(bytes(pseudonym or b""))
    codes = set(EXACT_CODE.values())
    for link in links:
        assert link.tip_low_id < link.tip_high_id
        assert shared[link.tip_low_id] & shared[link.tip_high_id], "linked tips name a same entity"
        assert link.score == LINK_SCORE and link.evidence and set(link.evidence) <= codes
    earlier = Counter(link.tip_high_id for link in links)
    assert max(earlier.values()) <= LINKS_PER_TIP


def test_the_generators_name_keys_are_those_the_automatic_step_makes(cast: dict[str, StaffMember]) -> None:
    """The generator writes name keys without model rows (demo.mentions); they must be name_key_rows' own."""
    _generate()
    keys = {
        index_key.pk: index_key_from_escrow(index_key=index_key, escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY)
        for index_key in IndexKey.objects.all()
    }
    mentions = EntityMention.objects.filter(kind="person").select_related("tip__unit_keypair").order_by("pk")[:20]
    for mention in mentions:
        data_key = envelope.open_tip_with_escrow(mention.tip, escrow_private_key=settings.TEST_ESCROW_PRIVATE_KEY)
        value = envelope.open_field(
            envelope.MENTION, "value", mention, mention.tip.public_id, mention.public_id, key=data_key
        )
        expected = name_key_rows(mention=mention, tip=mention.tip, value=str(value), key=keys[mention.index_key_id])
        stored = mention.name_keys.order_by("pk")
        assert [(k.slot, k.position, k.method, bytes(k.pseudonym)) for k in expected] == [
            (k.slot, k.position, k.method, bytes(k.pseudonym)) for k in stored
        ]
