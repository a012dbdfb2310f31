"""The figures of a fuzz run: per view or parser, how many inputs, what came back, failures and leaks.

Each test keeps a `FuzzLog` in memory and, when FUZZ_FIGURES_FILE names a file (python -m
fuzz.run sets it), appends its figures there as JSON lines at the end of the test. The
runner adds them up per target and prints them.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

FIGURES_VARIABLE = "FUZZ_FIGURES_FILE"


@dataclass
class Figures:
    """What one target (a view, a form or a parser) received and how it answered."""

    inputs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    # A 5xx response, or an exception a parser must never raise.
    failures: int = 0
    # A row or file stored by an invalid request, or a wrong plaintext or metadata let through.
    leaks: int = 0
    seconds: float = 0.0

    def merge(self, other: Figures) -> None:
        self.inputs += other.inputs
        self.outcomes.update(other.outcomes)
        self.failures += other.failures
        self.leaks += other.leaks
        self.seconds += other.seconds

    def as_json(self) -> dict[str, object]:
        return {
            "inputs": self.inputs,
            "outcomes": dict(self.outcomes),
            "failures": self.failures,
            "leaks": self.leaks,
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Figures:
        outcomes = data.get("outcomes")
        return cls(
            inputs=int(str(data.get("inputs", 0))),
            outcomes=Counter({str(k): int(v) for k, v in outcomes.items()})
            if isinstance(outcomes, dict)
            else Counter(),
            failures=int(str(data.get("failures", 0))),
            leaks=int(str(data.get("leaks", 0))),
            seconds=float(str(data.get("seconds", 0.0))),
        )


class FuzzLog:
    """The figures of one test, per target."""

    def __init__(self) -> None:
        self.targets: dict[str, Figures] = {}

    def _figures(self, target: str) -> Figures:
        return self.targets.setdefault(target, Figures())

    def record(self, target: str, outcome: str, seconds: float) -> None:
        """Count one input sent to `target` and what became of it (a status code, "rejected", ...)."""
        figures = self._figures(target)
        figures.inputs += 1
        figures.outcomes[outcome] += 1
        figures.seconds += seconds

    def failure(self, target: str) -> None:
        """Count a 5xx answer or an exception the target must never raise."""
        self._figures(target).failures += 1

    def leak(self, target: str) -> None:
        """Count something stored by an invalid request, or a wrong plaintext or metadata let through."""
        self._figures(target).leaks += 1

    def flush(self) -> None:
        """Append the figures to FUZZ_FIGURES_FILE, if the run asked for them."""
        path = os.environ.get(FIGURES_VARIABLE, "")
        if not path or not self.targets:
            return
        with open(path, "a", encoding="utf-8") as handle:
            for target, figures in self.targets.items():
                handle.write(json.dumps({"target": target, **figures.as_json()}) + "\n")


def read_figures(path: Path) -> dict[str, Figures]:
    """Add up the figures that the tests of a run appended to `path`, per target."""
    totals: dict[str, Figures] = {}
    if not path.exists():
        return totals
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            totals.setdefault(str(data["target"]), Figures()).merge(Figures.from_json(data))
    return totals


def _outcomes(outcomes: Counter[str]) -> str:
    return ", ".join(f"{name}: {count:,}" for name, count in sorted(outcomes.items()))


def figures_table(figures: dict[str, Figures]) -> str:
    """Return the figures as a Markdown table, one row per target, in the order they were first seen."""
    lines = [
        "| target | inputs | answers | 5xx / crashes | stored by invalid input / leaks | seconds |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for target, row in figures.items():
        lines.append(
            f"| `{target}` | {row.inputs:,} | {_outcomes(row.outcomes)} | {row.failures} | {row.leaks} "
            f"| {row.seconds:,.1f} |"
        )
    return "\n".join(lines)
