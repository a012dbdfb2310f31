"""The figures of a run: computed from the ledger and the checks, printed, and written as JSON.

Pure functions (no Django): tests/chaos/ checks them on hand-made ledgers.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chaos.ledger import Sample


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile (fraction in 0..1) of `values`, or None if there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class EndpointFigures:
    requests: int
    p50_ms: float | None
    p95_ms: float | None
    statuses: dict[str, int]


def endpoint_figures(samples: Iterable[Sample]) -> dict[str, EndpointFigures]:
    """Return, per endpoint, the request count, p50/p95 latency of answered requests, and outcomes."""
    by_endpoint: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_endpoint[sample.endpoint].append(sample)
    figures = {}
    for endpoint in sorted(by_endpoint):
        group = by_endpoint[endpoint]
        answered = [s.ms for s in group if s.status is not None]
        outcomes = Counter(str(s.status) if s.status is not None else s.error or "error" for s in group)
        figures[endpoint] = EndpointFigures(
            requests=len(group),
            p50_ms=_round(percentile(answered, 0.50)),
            p95_ms=_round(percentile(answered, 0.95)),
            statuses=dict(sorted(outcomes.items())),
        )
    return figures


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def statuses(samples: Iterable[Sample]) -> dict[str, int]:
    """Return the responses by HTTP status."""
    return dict(sorted(Counter(str(s.status) for s in samples if s.status is not None).items()))


def client_errors(samples: Iterable[Sample]) -> dict[str, int]:
    """Return the requests that got no HTTP answer, by kind (refused, reset, timeout)."""
    return dict(sorted(Counter(s.error for s in samples if s.error is not None).items()))


def server_errors(samples: Iterable[Sample]) -> list[Sample]:
    """Return the exchanges a person saw as a server error: any 5xx but the retry-able 503."""
    return [s for s in samples if s.status is not None and s.status >= 500 and s.status != 503]


class FiguresFile:
    """What a drill's figures dataclass shares (chaos's and the scale drill's): a verdict and a JSON file."""

    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, default=str)  # type: ignore[call-overload]

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.as_json() + "\n")


@dataclass
class Figures(FiguresFile):
    """Everything `make chaos` reports; `failures` lists why the run failed (empty: it passed)."""

    command: str
    machine: str
    settings: dict[str, Any]
    duration_seconds: float
    requests: int
    requests_by_endpoint: dict[str, EndpointFigures]
    responses_by_status: dict[str, int]
    client_errors: dict[str, int]
    retries: int
    unavailable_pages: dict[str, int]
    tips: dict[str, Any]
    replies: dict[str, Any]
    attachments: dict[str, int]
    faults: list[dict[str, Any]]
    tasks: dict[str, Any]
    digests: dict[str, Any]
    rollups: dict[str, Any]
    store_orphans: int
    phases: dict[str, float] = field(default_factory=dict)  # seconds: setup, load, tasks, checks, total
    failures: list[str] = field(default_factory=list)


def failures_of(figures: Figures, *, server_error_samples: Sequence[Sample]) -> list[str]:
    """Return why a run failed: a tip or reply lost, a 500, a 503 that dropped the text, duplicates, roll-ups."""
    failures = []
    if figures.tips["lost"]:
        failures.append(f"{figures.tips['lost']} tip(s) lost")
    if figures.replies["lost"]:
        failures.append(f"{figures.replies['lost']} accepted repl(ies) lost")
    if figures.attachments["wrong"]:
        failures.append(f"{figures.attachments['wrong']} attachment(s) missing or different")
    if figures.tips["problems"]:
        failures.append(f"{len(figures.tips['problems'])} tip(s) with a problem (see tips.problems)")
    failures += server_error_summary(server_error_samples)
    if figures.unavailable_pages.get("text_lost"):
        failures.append(f"{figures.unavailable_pages['text_lost']} 503 page(s) dropped what the person typed")
    if figures.digests["duplicated"]:
        failures.append(f"digest mails duplicated: {figures.digests['duplicated']}")
    if figures.digests["missing"]:
        failures.append(f"digest mails missing although no task claimed them: {figures.digests['missing']}")
    if figures.digests["unexpected"]:
        failures.append(f"digest mails to addresses of no unit: {figures.digests['unexpected']}")
    if not figures.rollups["equal_after_nightly_rebuild"]:
        failures.append("the roll-ups differ from a full rebuild after the nightly rebuild")
    for fault in figures.faults:
        if fault.get("failed"):
            failures.append(f"fault not carried out: {fault['kind']} at {fault['at']} s ({fault['outcome']})")
    if not figures.tasks["drained"]:
        failures.append("the task queue did not drain")
    if figures.tips["accepted"] == 0:
        failures.append("no tip was accepted: the load did not reach the application")
    return failures


def server_error_summary(samples: Sequence[Sample]) -> list[str]:
    """Return one line per status and endpoint: how many, and between which seconds of the run."""
    groups: dict[tuple[int, str], list[float]] = defaultdict(list)
    for sample in samples:
        assert sample.status is not None
        groups[(sample.status, sample.endpoint)].append(sample.at)
    lines = []
    for (status, endpoint), times in sorted(groups.items()):
        when = f"at {times[0]:.1f} s" if len(times) == 1 else f"between {min(times):.1f} and {max(times):.1f} s"
        lines.append(f"{len(times)} x {status} on {endpoint} {when}")
    return lines


def report_lines(figures: Figures) -> list[str]:
    """Return the figures as the lines `make chaos` prints."""
    tips, replies, attachments = figures.tips, figures.replies, figures.attachments
    lines = [
        f"Chaos run: {figures.duration_seconds:.0f} s of load, {figures.settings.get('people')} people, "
        f"{figures.machine}",
        f"Requests: {figures.requests}   retries (send pressed again): {figures.retries}",
        f"Tips accepted (receipt shown): {tips['accepted']}   lost: {tips['lost']}   "
        f"stored, receipt never shown: {tips['stored_receipt_unseen']}   stored twice: {tips['stored_twice']}   "
        f"gave up: {tips['gave_up']}",
        f"  opened with receipt: {tips['opened_with_receipt']}   for the unit: {tips['opened_for_unit']}   "
        f"with escrow: {tips['opened_with_escrow']}   description equal: {tips['description_ok']}",
        f"Replies accepted: {replies['accepted']}   lost: {replies['lost']}   "
        f"stored, success never shown: {replies['stored_unseen']}   stored twice: {replies['repeated']}",
        f"Attachments verified: {attachments['verified']} of {attachments['expected']}   "
        f"wrong: {attachments['wrong']}   orphan files in the store: {figures.store_orphans}",
        "Latency (answered requests):",
    ]
    for endpoint, numbers in figures.requests_by_endpoint.items():
        lines.append(
            f"  {endpoint:<28} n={numbers.requests:<5} p50={_ms(numbers.p50_ms)} p95={_ms(numbers.p95_ms)}  "
            + ", ".join(f"{status}: {count}" for status, count in numbers.statuses.items())
        )
    lines += [
        f"Responses by status: {_pairs(figures.responses_by_status)}",
        f"Client errors: {_pairs(figures.client_errors) or 'none'}",
        f"503 pages: {_pairs(figures.unavailable_pages) or 'none'}",
        "Faults injected:",
    ]
    for fault in figures.faults:
        lines.append(f"  {fault['at']:>6.1f} s  {fault['kind']}  ({fault['outcome']})")
    tasks, digests, rollups = figures.tasks, figures.digests, figures.rollups
    lines += [
        f"Tasks: queue drained: {'yes' if tasks['drained'] else 'NO'} in {tasks['drain_seconds']:.1f} s; "
        f"stranded by kills and redelivered: {tasks['stranded_redelivered']}",
        f"Digest mails: expected {digests['expected']}, sent {digests['sent']}, "
        f"duplicated {sum(digests['duplicated'].values())}, missing {len(digests['missing'])}, "
        f"lost to a kill mid-send (at most once, by design) {len(digests['lost_mid_send'])}",
        f"Roll-ups equal to a full rebuild: after the queue drained: {_yes(rollups['equal_after_drain'])}"
        + (f" (stale: {rollups['stale_after_drain']})" if rollups["stale_after_drain"] else "")
        + f"; after the nightly rebuild on the worker: {_yes(rollups['equal_after_nightly_rebuild'])}",
        "Time: " + ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in figures.phases.items()),
        "PASSED: nothing lost, no 500, no duplicate." if figures.passed else "FAILED: " + "; ".join(figures.failures),
    ]
    return lines


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}ms"


def _pairs(values: dict[str, int]) -> str:
    return ", ".join(f"{key}: {count}" for key, count in values.items())


def _yes(value: bool) -> str:
    return "yes" if value else "NO"
