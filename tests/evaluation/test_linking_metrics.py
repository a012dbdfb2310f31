"""The metrics on a tiny set worked out by hand, and the report's exit codes."""

from __future__ import annotations

import pytest

from evaluation import linking
from evaluation.linking import (
    Entity,
    EvalSet,
    EvalTip,
    Facility,
    PipelineResult,
    extraction_scores,
    gold_pairs,
    pair_scores,
    values_match,
)


def _tip(tip_id: str, clusters: tuple[str, ...], *entities: Entity, facility: str = "LUR") -> EvalTip:
    return EvalTip(tip_id, facility, "phones", "staff", "yes", 1, "-", clusters, entities)


TINY = EvalSet(
    note="invented",
    facilities={"LUR": Facility("LUR", "E.P. Lurigancho", "Lima")},
    tips=(
        _tip("a", ("c1",), Entity("person", "Quispe Mamani", "staff"), Entity("phone", "987 654 321")),
        _tip("b", ("c1",), Entity("phone", "+51987654321"), Entity("dni", "41234567")),
        _tip("c", ("c1", "c2"), Entity("time", "dia de visita")),
        _tip("d", ("c2",)),
        _tip("e", ()),
    ),
)


def test_gold_pairs_are_the_pairs_inside_each_cluster() -> None:
    pairs = {frozenset(p) for p in (("a", "b"), ("a", "c"), ("b", "c"), ("c", "d"))}
    assert gold_pairs(TINY) == pairs


def test_pair_scores_count_hits_misses_and_wrong_links() -> None:
    predicted = {frozenset(("a", "b")), frozenset(("c", "d")), frozenset(("d", "e"))}
    precision, recall, f1, tp, fp, fn = pair_scores(predicted, gold_pairs(TINY))
    assert (tp, fp, fn) == (2, 1, 2)
    assert precision == pytest.approx(2 / 3)
    assert recall == pytest.approx(2 / 4)
    assert f1 == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))


def test_persons_match_on_equal_words_or_a_subset_sharing_a_long_word() -> None:
    assert values_match("person", "Quispe Mamani", "Sgto. QUISPE MAMANI")
    assert values_match("person", "Quispe Mamani", "Quispe")
    assert values_match("person", "Juan Carlos Quispe", "quispe juan carlos")
    assert not values_match("person", "J. Quispe", "J")
    assert not values_match("person", "Quispe Mamani", "Mario Quispe")


def test_other_kinds_match_in_normalised_form() -> None:
    assert values_match("phone", "987 654 321", "0051987654321")
    assert values_match("vehicle", "placa abc 123", "ABC-123")
    assert values_match("company", "la distribuidora Santa Rosa", "Distribuidora Santa Rosa S.A.C.")
    assert values_match("place", "pabellón cinco", "Pab. 5")
    assert values_match("dni", "DNI 41.234.567", "41234567")
    assert values_match("time", "día de visita", "dia de visita")
    assert not values_match("phone", "987 654 321", "987 654 322")


def test_extraction_scores_per_kind() -> None:
    predicted = {
        "a": [("person", "Quispe"), ("phone", "987654321"), ("phone", "987-654-321")],
        "b": [("person", "Juan"), ("dni", "41234567")],
        "d": [("place", "pabellón 4")],
    }
    scores = extraction_scores(TINY, predicted)
    assert scores["person"] == (0.5, 1.0, 1, 1, 0)
    # The second spelling of a phone already matched is a false positive; b's phone was missed.
    assert scores["phone"] == (0.5, 0.5, 1, 1, 1)
    assert scores["dni"] == (1.0, 1.0, 1, 0, 0)
    assert scores["time"] == (1.0, 0.0, 0, 0, 1)
    assert scores["place"] == (0.0, 1.0, 0, 1, 0)


def test_the_baseline_links_tips_sharing_a_normalised_value() -> None:
    tips = (
        EvalTip("x", "LUR", "phones", "", "no", 1, "Llamen al 987 654 321.", ("c",), ()),
        EvalTip("y", "LUR", "phones", "", "no", 1, "El número +51 987-654-321 otra vez.", ("c",), ()),
        EvalTip("z", "CAL", "phones", "", "no", 1, "En el pabellón 4.", (), ()),
        EvalTip("w", "LUR", "phones", "", "no", 1, "En el pabellón 4.", (), ()),
    )
    facilities = {code: Facility(code, code, "Lima") for code in ("LUR", "CAL")}
    result = linking.baseline(EvalSet("invented", facilities, tips))
    # The same pabellón in two prisons is two places.
    assert result.pairs == {frozenset(("x", "y"))}
    assert result.extracted["z"] == [("place", "pabellón 4")]


def test_main_falls_back_to_the_baseline_and_exits_0_without_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(linking, "PIPELINES", {"baseline": linking.baseline})
    assert linking.main(["--explain"]) == 0
    out = capsys.readouterr().out
    assert "No 'auto' pipeline is registered" in out
    assert "Links" in out and "Missed links" in out


def test_check_exits_1_below_the_targets_and_0_when_perfect(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    evalset = linking.load()

    def perfect(s: EvalSet) -> PipelineResult:
        extracted = {t.id: [(e.kind, e.value) for e in t.entities] for t in s.tips}
        return PipelineResult(extracted, gold_pairs(s))

    def nothing(s: EvalSet) -> PipelineResult:
        return PipelineResult({}, set())

    monkeypatch.setitem(linking.PIPELINES, "auto", perfect)
    monkeypatch.setitem(linking.PIPELINES, "nothing", nothing)
    assert linking.main(["--check"]) == 0
    assert linking.main(["--check", "--pipeline", "nothing"]) == 1
    assert linking.main(["--pipeline", "nothing"]) == 0
    assert f"{len(evalset.tips)} tips" in capsys.readouterr().out
