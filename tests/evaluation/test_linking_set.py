"""The labelled set of invented tips loads, is sane, and holds the hard cases issue 11 asks for."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest

from evaluation.linking import EvalSet, EvalTip, load, problems, values_match
from linking.normalise import normalise


@pytest.fixture(scope="module")
def evalset() -> EvalSet:
    return load()


def _by_cluster(evalset: EvalSet) -> dict[str, list[EvalTip]]:
    members: dict[str, list[EvalTip]] = defaultdict(list)
    for tip in evalset.tips:
        for cluster in tip.clusters:
            members[cluster].append(tip)
    return members


def test_the_set_loads_with_no_problem_and_says_it_is_invented(evalset: EvalSet) -> None:
    assert problems(evalset) == []
    assert "invented" in evalset.note
    assert len(evalset.tips) >= 150
    assert 6 <= len(evalset.facilities) <= 8
    assert len({facility.region for facility in evalset.facilities.values()}) >= 3


def test_clusters_are_matters_of_two_to_nine_tips(evalset: EvalSet) -> None:
    sizes = [len(tips) for tips in _by_cluster(evalset).values()]
    assert 25 <= len(sizes) <= 35
    assert all(2 <= size <= 9 for size in sizes)
    assert any(len({tip.facility for tip in tips}) > 1 for tips in _by_cluster(evalset).values())


def test_about_a_fifth_of_the_tips_name_nothing(evalset: EvalSet) -> None:
    share = sum(1 for tip in evalset.tips if not tip.entities) / len(evalset.tips)
    assert 0.1 <= share <= 0.3


def test_one_guard_is_written_four_ways_in_two_prisons(evalset: EvalSet) -> None:
    def spellings(tips: list[EvalTip]) -> set[str]:
        return {normalise("person", e.value) for tip in tips for e in tip.entities if e.kind == "person"}

    assert any(
        len(spellings(tips)) >= 4 and len({tip.facility for tip in tips}) >= 2 for tips in _by_cluster(evalset).values()
    )


def test_one_phone_is_written_three_ways(evalset: EvalSet) -> None:
    written: dict[str, set[str]] = defaultdict(set)
    for tip in evalset.tips:
        for entity in tip.entities:
            if entity.kind == "phone":
                written[normalise("phone", entity.value)].add(entity.value)
    assert max(len(values) for values in written.values()) >= 3


def test_one_guard_is_reported_for_phones_and_for_bribery_a_month_apart(evalset: EvalSet) -> None:
    def found(tips: list[EvalTip]) -> bool:
        return any(
            {a.category, b.category} == {"phones", "bribery"} and abs(a.days_ago - b.days_ago) > 30
            for a, b in itertools.combinations(tips, 2)
        )

    assert any(found(tips) for tips in _by_cluster(evalset).values())


def _decoys(evalset: EvalSet) -> list[tuple[EvalTip, EvalTip]]:
    """Return (decoy, tip of the cluster it looks like) for every decoy."""
    clusters = _by_cluster(evalset)
    return [(decoy, tip) for decoy in evalset.tips for c in decoy.decoy_of for tip in clusters[c]]


def test_a_decoy_shares_a_surname_with_a_cluster_but_not_the_person(evalset: EvalSet) -> None:
    def near_miss(a: str, b: str) -> bool:
        shared = set(normalise("person", a).split()) & set(normalise("person", b).split())
        return bool(shared) and not values_match("person", a, b)

    assert any(
        near_miss(d.value, e.value)
        for decoy, tip in _decoys(evalset)
        for d in decoy.entities
        for e in tip.entities
        if d.kind == e.kind == "person"
    )


def test_a_decoy_phone_differs_by_one_digit(evalset: EvalSet) -> None:
    def one_digit_apart(a: str, b: str) -> bool:
        x, y = normalise("phone", a), normalise("phone", b)
        return len(x) == len(y) and sum(p != q for p, q in zip(x, y, strict=True)) == 1

    assert any(
        one_digit_apart(d.value, e.value)
        for decoy, tip in _decoys(evalset)
        for d in decoy.entities
        for e in tip.entities
        if d.kind == e.kind == "phone"
    )


def test_the_same_wall_is_named_in_another_prison(evalset: EvalSet) -> None:
    assert any(
        decoy.facility != tip.facility and normalise("place", d.value) == normalise("place", e.value)
        for decoy, tip in _decoys(evalset)
        for d in decoy.entities
        for e in tip.entities
        if d.kind == e.kind == "place"
    )


def test_a_decoy_business_has_a_similar_name(evalset: EvalSet) -> None:
    def similar(a: str, b: str) -> bool:
        x, y = normalise("company", a), normalise("company", b)
        return x != y and bool(set(x.split()) & set(y.split()))

    assert any(
        similar(d.value, e.value)
        for decoy, tip in _decoys(evalset)
        for d in decoy.entities
        for e in tip.entities
        if d.kind == e.kind == "company"
    )


def test_two_different_people_share_a_first_name(evalset: EvalSet) -> None:
    clusters = _by_cluster(evalset)
    first_names: dict[str, set[str]] = defaultdict(set)
    for cluster, tips in clusters.items():
        for tip in tips:
            for entity in tip.entities:
                words = entity.value.split()
                if entity.kind == "person" and len(words) >= 2:
                    first_names[normalise("person", words[0])].add(cluster)
    assert any(len(found) >= 2 for found in first_names.values())
