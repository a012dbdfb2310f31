"""Measure automatic blind linking against a labelled set of invented tips: `make eval-linking`.

    .venv/bin/python -m evaluation.linking                        # the `auto` pipeline, or the baseline
    .venv/bin/python -m evaluation.linking --pipeline baseline --explain
    .venv/bin/python -m evaluation.linking --check                # exit 1 below the targets

The set (evaluation/linking_tips.json, docs/evaluation.md) holds invented tips as
whistleblowers write them, the entities each one names (the ground truth for
extraction) and the clusters of tips about the same matter (the ground truth for
linking: two tips should be linked when they share a cluster).

A pipeline takes the set and returns what it extracted from each tip and the pairs of
tips it links. PIPELINES maps a name to one; the baseline is what the product could do
before issue 11: `linking.extract.suggest_entities`, and a link wherever two tips share
an extracted entity with the same normalised value.

Pure Python: importing this module touches no database and sets up nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from linking.normalise import company_parts, fold, normalise

DATA = Path(__file__).resolve().parent / "linking_tips.json"

KINDS = ("person", "phone", "vehicle", "company", "place", "dni", "time")
CATEGORIES = frozenset({"phones", "bribery", "drugs_weapons", "abuse", "negligence", "other"})
CHANNELS = frozenset({"visitors", "staff", "suppliers", "thrown", "unknown", "other", ""})
STAFF_INVOLVED = frozenset({"yes", "no", "unknown"})
ROLES = frozenset({"staff", "visitor", "inmate", "other", ""})
# The canonical time values, and what a tip may write for each (matched on the folded text).
TIME_CUES: dict[str, str] = {
    "lunes": r"lunes",
    "martes": r"martes",
    "miercoles": r"miercoles",
    "jueves": r"jueves",
    "viernes": r"viernes",
    "sabado": r"sabados?",
    "domingo": r"domingos?",
    "dia de visita": r"dias? de (?:la )?visitas?|visitas? de los",
    "cambio de turno": r"cambios? de (?:turno|guardia)s?",
    "noche": r"(?:a)?noches?|nocturn[oa]s?",
    "madrugada": r"madrugadas?",
}

# The targets of `--check`.
MIN_LINK_F1 = 0.90
MIN_LINK_PRECISION = 0.95
MIN_EXTRACTION_RECALL = 0.90

Pair = frozenset[str]


# --- the set ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    kind: str
    value: str
    role: str = ""


@dataclass(frozen=True)
class Facility:
    code: str
    name: str
    region: str


@dataclass(frozen=True)
class EvalTip:
    id: str
    facility: str
    category: str
    smuggling_channel: str
    staff_involved: str
    days_ago: int
    text: str
    clusters: tuple[str, ...]
    entities: tuple[Entity, ...]
    # Clusters this tip looks like (a shared surname, a similar business) without being about the same matter.
    decoy_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvalSet:
    note: str
    facilities: dict[str, Facility]
    tips: tuple[EvalTip, ...]

    def tip(self, tip_id: str) -> EvalTip:
        return next(tip for tip in self.tips if tip.id == tip_id)

    def clusters(self) -> dict[str, list[str]]:
        """Return each cluster's tip ids."""
        members: dict[str, list[str]] = defaultdict(list)
        for tip in self.tips:
            for cluster in tip.clusters:
                members[cluster].append(tip.id)
        return dict(members)


class InvalidSet(ValueError):
    """The labelled set contradicts itself: the message lists every problem found."""


def _appears_in(value: str, text: str) -> bool:
    """Return whether `value` is written in `text`, ignoring case, accents, punctuation and spacing."""
    needle = fold(value)
    return bool(needle) and f" {needle} " in f" {fold(text)} "


def _time_is_written(value: str, text: str) -> bool:
    cue = TIME_CUES.get(value)
    return cue is not None and re.search(rf"\b(?:{cue})\b", fold(text)) is not None


def problems(evalset: EvalSet) -> list[str]:
    """Return what is wrong with a set: unknown codes, entities not in their text, clusters of one tip."""
    found: list[str] = []
    seen: set[str] = set()
    for tip in evalset.tips:
        where = f"{tip.id}:"
        if tip.id in seen:
            found.append(f"{where} duplicate id")
        seen.add(tip.id)
        if tip.facility not in evalset.facilities:
            found.append(f"{where} unknown facility {tip.facility!r}")
        if tip.category not in CATEGORIES:
            found.append(f"{where} unknown category {tip.category!r}")
        if tip.smuggling_channel not in CHANNELS:
            found.append(f"{where} unknown smuggling channel {tip.smuggling_channel!r}")
        if tip.staff_involved not in STAFF_INVOLVED:
            found.append(f"{where} unknown staff_involved {tip.staff_involved!r}")
        if not 0 <= tip.days_ago <= 400:
            found.append(f"{where} days_ago {tip.days_ago} outside 0-400")
        if not tip.text.strip():
            found.append(f"{where} empty text")
        for entity in tip.entities:
            if entity.kind not in KINDS:
                found.append(f"{where} unknown entity kind {entity.kind!r}")
            elif entity.role not in ROLES:
                found.append(f"{where} unknown role {entity.role!r} of {entity.value!r}")
            elif entity.kind == "time":
                if not _time_is_written(entity.value, tip.text):
                    found.append(f"{where} time {entity.value!r} is not canonical or not in the text")
            elif not _appears_in(entity.value, tip.text):
                found.append(f"{where} {entity.kind} {entity.value!r} is not in the text")
        keys = [(e.kind, _comparable(e.kind, e.value)) for e in tip.entities]
        for key in {k for k in keys if keys.count(k) > 1}:
            found.append(f"{where} {key[0]} {key[1]!r} listed twice")
        for cluster in tip.decoy_of:
            if cluster in tip.clusters:
                found.append(f"{where} is both in and a decoy of {cluster}")
    clusters = evalset.clusters()
    for cluster, members in sorted(clusters.items()):
        if len(members) < 2:
            found.append(f"cluster {cluster} has one tip ({members[0]})")
    for tip in evalset.tips:
        for cluster in tip.decoy_of:
            if cluster not in clusters:
                found.append(f"{tip.id}: decoy of unknown cluster {cluster}")
    return found


def load(path: Path | str = DATA) -> EvalSet:
    """Read a labelled set from its JSON file; raise InvalidSet listing every problem if it is not sane."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    facilities = {f["code"]: Facility(f["code"], f["name"], f["region"]) for f in raw["facilities"]}
    tips = tuple(
        EvalTip(
            id=t["id"],
            facility=t["facility"],
            category=t["category"],
            smuggling_channel=t["smuggling_channel"],
            staff_involved=t["staff_involved"],
            days_ago=int(t["days_ago"]),
            text=t["text"],
            clusters=tuple(t["clusters"]),
            entities=tuple(Entity(e["kind"], e["value"], e.get("role", "")) for e in t["entities"]),
            decoy_of=tuple(t.get("decoy_of", ())),
        )
        for t in raw["tips"]
    )
    evalset = EvalSet(note=raw["note"], facilities=facilities, tips=tips)
    if found := problems(evalset):
        raise InvalidSet("\n".join(found))
    return evalset


# --- the metrics ------------------------------------------------------------------------------------------


def gold_pairs(evalset: EvalSet) -> set[Pair]:
    """Return every pair of tips that share a cluster: the links a perfect pipeline makes."""
    pairs: set[Pair] = set()
    for members in evalset.clusters().values():
        pairs.update(frozenset(pair) for pair in itertools.combinations(sorted(set(members)), 2))
    return pairs


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int


def _scores(tp: int, fp: int, fn: int) -> Scores:
    # Nothing predicted and nothing to find is perfect; nothing predicted with something to find has recall 0.
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp, fp, fn)


def pair_scores(predicted_pairs: Iterable[Pair], gold: Iterable[Pair]) -> tuple[float, float, float, int, int, int]:
    """Return (precision, recall, f1, tp, fp, fn) of predicted links against the gold pairs."""
    predicted, expected = set(predicted_pairs), set(gold)
    s = _scores(len(predicted & expected), len(predicted - expected), len(expected - predicted))
    return s.precision, s.recall, s.f1, s.tp, s.fp, s.fn


def _comparable(kind: str, value: str) -> str:
    """Return the form in which two values of a kind are compared."""
    if kind == "dni":
        return "".join(ch for ch in value if ch.isdigit())
    if kind == "company":
        # The trade name without its business noun: "bodega Don Lucho" found for the gold "Don Lucho" is found.
        return company_parts(value)[1] or fold(value)
    try:
        return normalise(kind, value) or fold(value)
    except ValueError:  # a kind `normalise` does not know
        return fold(value)


def values_match(kind: str, gold: str, predicted: str) -> bool:
    """Return whether an extracted value is the gold one.

    Values are compared in normalised form: `linking.normalise.normalise` for person,
    phone, vehicle, company and place; the digits for a DNI; the folded text for any kind
    `normalise` does not know. Two persons also match when one's
    normalised words are a subset of the other's and they share a word of 4 or more
    letters: "Quispe" extracted for the gold "Quispe Mamani" counts, "J" for "J. Quispe"
    does not.
    """
    left, right = _comparable(kind, gold), _comparable(kind, predicted)
    if left == right:
        return bool(left)
    if kind != "person":
        return False
    a, b = set(left.split()), set(right.split())
    shared = a & b
    return bool(shared) and (a <= b or b <= a) and any(len(word) >= 4 for word in shared)


def extraction_scores(
    evalset: EvalSet, predicted: Mapping[str, Sequence[tuple[str, str]]]
) -> dict[str, tuple[float, float, int, int, int]]:
    """Return (precision, recall, tp, fp, fn) per entity kind of what a pipeline extracted from each tip.

    Within a tip each gold entity is matched at most once (`values_match`); an extracted
    value that matches no unmatched gold entity of its kind is a false positive, even if
    it repeats one already matched.
    """
    counts: dict[str, list[int]] = {kind: [0, 0, 0] for kind in KINDS}
    for tip in evalset.tips:
        unmatched = list(tip.entities)
        for kind, value in predicted.get(tip.id, ()):
            tally = counts.setdefault(kind, [0, 0, 0])
            hit = next((g for g in unmatched if g.kind == kind and values_match(kind, g.value, value)), None)
            if hit is None:
                tally[1] += 1
            else:
                tally[0] += 1
                unmatched.remove(hit)
        for missed in unmatched:
            counts.setdefault(missed.kind, [0, 0, 0])[2] += 1
    result: dict[str, tuple[float, float, int, int, int]] = {}
    for kind, (tp, fp, fn) in counts.items():
        s = _scores(tp, fp, fn)
        result[kind] = (s.precision, s.recall, tp, fp, fn)
    return result


# --- pipelines ----------------------------------------------------------------------------------------------


@dataclass
class PipelineResult:
    """What a pipeline found: the (kind, value) pairs per tip id, the links, and why each link was made."""

    extracted: dict[str, list[tuple[str, str]]]
    pairs: set[Pair]
    reasons: dict[Pair, list[str]] = field(default_factory=dict)


Pipeline = Callable[[EvalSet], PipelineResult]


def baseline(evalset: EvalSet) -> PipelineResult:
    """Extract with `linking.extract.suggest_entities`; link tips that share a normalised value.

    Places link only within one facility ("muro norte" of two prisons is two walls).
    """
    from linking.extract import suggest_entities

    extracted: dict[str, list[tuple[str, str]]] = {}
    by_key: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for tip in evalset.tips:
        suggestions = suggest_entities(tip.text)
        extracted[tip.id] = [(s.kind, s.value) for s in suggestions]
        for s in suggestions:
            key = s.normalised
            if key:
                by_key[(s.kind, tip.facility if s.kind == "place" else "", key)].append(tip.id)
    pairs: set[Pair] = set()
    reasons: dict[Pair, list[str]] = defaultdict(list)
    for (kind, _facility, key), tip_ids in sorted(by_key.items()):
        for pair in itertools.combinations(sorted(set(tip_ids)), 2):
            pairs.add(frozenset(pair))
            reasons[frozenset(pair)].append(f"{kind} {key!r}")
    return PipelineResult(extracted, pairs, dict(reasons))


def auto(evalset: EvalSet) -> PipelineResult:
    """The product as it runs, with zero clicks (evaluation.product): what each case page shows as related.

    The scored links and, in their own list, the hints two steps away (a plate here, the
    company there, both in a third report).
    """
    from evaluation.product import auto as product

    return product(evalset, hints=True)


def auto_links_only(evalset: EvalSet) -> PipelineResult:
    """As `auto`, counting only the scored links, not the two-step hints."""
    from evaluation.product import auto as product

    return product(evalset, hints=False)


PIPELINES: dict[str, Pipeline] = {"baseline": baseline, "auto": auto, "auto-links": auto_links_only}


# --- the report -----------------------------------------------------------------------------------------------


def _pair_label(evalset: EvalSet, pair: Pair) -> str:
    first, second = sorted(pair)
    a, b = evalset.tip(first), evalset.tip(second)
    clusters = sorted(set(a.clusters) & set(b.clusters)) or ["-"]
    return f"{first} ({a.facility}) + {second} ({b.facility})  clusters {','.join(clusters)}"


def report(evalset: EvalSet, result: PipelineResult, *, explain: bool) -> tuple[list[str], bool]:
    """Return the lines of the report and whether every target of `--check` is met."""
    lines: list[str] = []
    clusters = evalset.clusters()
    linked = sum(1 for tip in evalset.tips if tip.clusters)
    lines.append(
        f"{len(evalset.tips)} tips, {len(clusters)} clusters ({linked} tips in one), "
        f"{len(evalset.facilities)} facilities"
    )
    lines.append("")
    lines.append("Extraction          gold  found     tp    fp    fn  precision  recall")
    ok = True
    for kind, (precision, recall, tp, fp, fn) in extraction_scores(evalset, result.extracted).items():
        lines.append(
            f"  {kind:<14} {tp + fn:>6} {tp + fp:>6} {tp:>6} {fp:>5} {fn:>5} {precision:>10.3f} {recall:>7.3f}"
        )
        if tp + fn and recall < MIN_EXTRACTION_RECALL:
            ok = False
    gold = gold_pairs(evalset)
    precision, recall, f1, tp, fp, fn = pair_scores(result.pairs, gold)
    lines.append("")
    lines.append(f"Links               {len(gold)} gold pairs, {len(result.pairs)} predicted")
    lines.append(f"  precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}   (tp {tp}, fp {fp}, fn {fn})")
    ok = ok and f1 >= MIN_LINK_F1 and precision >= MIN_LINK_PRECISION
    if explain:
        lines.append("")
        lines.append("Missed links (false negatives):")
        lines.extend(f"  {_pair_label(evalset, pair)}" for pair in sorted(gold - result.pairs, key=sorted))
        lines.append("")
        lines.append("Wrong links (false positives):")
        for pair in sorted(result.pairs - gold, key=sorted):
            why = "; ".join(result.reasons.get(pair, []))
            lines.append(f"  {_pair_label(evalset, pair)}  by {why or '?'}")
    return lines, ok


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evaluation.linking", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipeline", default="auto", help="a name in PIPELINES (default: auto, else baseline)")
    parser.add_argument("--data", type=Path, default=DATA, help="the labelled set (JSON)")
    parser.add_argument("--explain", action="store_true", help="list the missed and the wrong links")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 if link F1 < {MIN_LINK_F1}, precision < {MIN_LINK_PRECISION} "
        f"or any kind's extraction recall < {MIN_EXTRACTION_RECALL}",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report; return 0, or 1 with `--check` when a target is missed."""
    args = _parse(argv)
    name = args.pipeline
    if name not in PIPELINES:
        if name != "auto":
            raise SystemExit(f"unknown pipeline {name!r}; known: {', '.join(sorted(PIPELINES))}")
        print("No 'auto' pipeline is registered: measuring the baseline.")
        name = "baseline"
    evalset = load(args.data)
    lines, ok = report(evalset, PIPELINES[name](evalset), explain=args.explain)
    shown = args.data.resolve()
    shown_path = shown.relative_to(Path.cwd()) if shown.is_relative_to(Path.cwd()) else shown
    print(f"Pipeline: {name}   set: {shown_path}")
    print("\n".join(lines))
    if args.check:
        print("check: " + ("all targets met" if ok else "targets missed"))
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
