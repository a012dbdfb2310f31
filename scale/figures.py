"""The figures of a scale drill: per-phase throughput and latency, the proxy's 502s, and why a run failed.

Pure functions (no Django, no network): tests/scale/ checks them on hand-made samples.
The per-endpoint tables, percentiles and status counts are chaos/figures.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chaos.figures import EndpointFigures, FiguresFile, percentile, server_error_summary
from chaos.ledger import PROXY_ERROR, Sample

REPORT_ENDPOINT = "POST /report/"  # chaos/load.py's name for sending the report form
# A 502 this long after node A answered /healthz again still counts as part of its outage.
OUTAGE_MARGIN_SECONDS = 5.0


@dataclass(frozen=True)
class PhaseFigures:
    """One phase of load: how much went through, how fast, and how long a request took."""

    name: str
    nodes: int
    seconds: float
    requests: int
    requests_per_second: float
    tips: int
    tips_per_minute: float
    p50_ms: float | None
    p95_ms: float | None


def tips_in(samples: Sequence[Sample]) -> int:
    """Return how many reports were accepted in these exchanges (a receipt page is POST /report/'s 200)."""
    return sum(1 for s in samples if s.endpoint == REPORT_ENDPOINT and s.status == 200)


def phase_figures(samples: Sequence[Sample], *, name: str, nodes: int, seconds: float) -> PhaseFigures:
    """Return the figures of a phase of `seconds` that saw these exchanges.

    Latency counts answered requests only; throughput counts every request sent.
    """
    answered = [s.ms for s in samples if s.status is not None]
    p50, p95 = percentile(answered, 0.50), percentile(answered, 0.95)
    tips = tips_in(samples)
    return PhaseFigures(
        name=name,
        nodes=nodes,
        seconds=round(seconds, 1),
        requests=len(samples),
        requests_per_second=round(len(samples) / seconds, 2) if seconds > 0 else 0.0,
        tips=tips,
        tips_per_minute=round(tips * 60 / seconds, 1) if seconds > 0 else 0.0,
        p50_ms=None if p50 is None else round(p50, 1),
        p95_ms=None if p95 is None else round(p95, 1),
    )


def outside_outage(samples: Sequence[Sample], outage: Outage, seconds: float) -> tuple[list[Sample], float]:
    """Return the exchanges that neither started nor ended while node A was down, and the seconds they span."""
    kept = [s for s in samples if s.at + s.ms / 1000 < outage.killed_at or s.at > outage.healthy_at]
    return kept, max(0.0, seconds - (outage.healthy_at - outage.killed_at))


def scaling(one: PhaseFigures, two: PhaseFigures) -> float | None:
    """Return the requests per second with two nodes as a multiple of those with one."""
    if one.requests_per_second <= 0:
        return None
    return round(two.requests_per_second / one.requests_per_second, 2)


@dataclass(frozen=True)
class Outage:
    """Node A's outage, in seconds after the start of the phase it happened in."""

    killed_at: float
    healthy_at: float

    @property
    def downtime(self) -> float:
        return round(self.healthy_at - self.killed_at, 1)

    def covers(self, sample: Sample) -> bool:
        """Return whether the answer to this request came between the kill and shortly after A was back."""
        answered_at = sample.at + sample.ms / 1000
        return self.killed_at <= answered_at <= self.healthy_at + OUTAGE_MARGIN_SECONDS


def proxy_errors(samples: Sequence[Sample], outage: Outage | None) -> tuple[int, int]:
    """Return (502s answered during node A's outage, 502s at any other time)."""
    errors = [s for s in samples if s.status == PROXY_ERROR]
    during = sum(1 for s in errors if outage is not None and outage.covers(s))
    return during, len(errors) - during


def server_errors(samples: Sequence[Sample]) -> list[Sample]:
    """Return the exchanges that are a failure whenever they happen: any 5xx but 503 and the proxy's 502."""
    return [s for s in samples if s.status is not None and s.status >= 500 and s.status not in (503, PROXY_ERROR)]


@dataclass
class ScaleFigures(FiguresFile):
    """Everything `make scale-drill` reports; `failures` lists why the run failed (empty: it passed)."""

    command: str
    machine: str
    settings: dict[str, Any]
    phases: list[PhaseFigures]
    scaling: float | None
    requests: int
    requests_by_endpoint: dict[str, EndpointFigures]
    responses_by_status: dict[str, int]
    errors_by_kind: dict[str, int]
    proxy_502: dict[str, int]
    retries: int
    node_a_downtime_seconds: float | None
    tips: dict[str, Any]
    replies: dict[str, Any]
    attachments: dict[str, int]
    cross_node: dict[str, Any]
    digests: dict[str, Any]
    store_orphans: dict[str, int]  # files no row names: before the orphan sweep, deleted by it, left after it
    timings: dict[str, float] = field(default_factory=dict)
    # The machine's 1-minute load average at the end of each phase (whatever else runs on it included).
    load_average: dict[str, float] = field(default_factory=dict)
    # CPU seconds of each web node's gunicorn in each stretch of the load (read from /proc).
    cpu_seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


BOTH_UP = "two nodes, before the kill"
# With two nodes up, round-robin gives each about half the work; less than this share means one was left out.
LEAST_SHARE = 0.2


def balance_failures(cpu_seconds: dict[str, dict[str, float]]) -> list[str]:
    """Return a failure if, with both nodes behind the proxy, one of them did (almost) none of the work."""
    stretch = cpu_seconds.get(BOTH_UP, {})
    total = sum(stretch.values())
    if not stretch or total <= 0:
        return [f"no CPU time measured for the web nodes ({BOTH_UP})"]
    return [
        f"{name} did {seconds / total:.0%} of the work with both nodes up: the proxy did not spread the load"
        for name, seconds in sorted(stretch.items())
        if seconds / total < LEAST_SHARE
    ]


def failures_of(figures: ScaleFigures, *, server_error_samples: Sequence[Sample]) -> list[str]:
    """Return why a drill failed: a loss, a 500, a 502 outside node A's outage, a failed cross-node check."""
    failures = []
    tips = figures.tips
    if tips["lost"]:
        failures.append(f"{tips['lost']} tip(s) lost")
    if tips["problems"]:
        failures.append(f"{len(tips['problems'])} tip(s) with a problem (see tips.problems)")
    if tips["gave_up"]:
        failures.append(f"{tips['gave_up']} report(s) never got a receipt (the person gave up)")
    if tips["accepted"] == 0:
        failures.append("no tip was accepted: the load did not reach the application")
    if figures.replies["lost"]:
        failures.append(f"{figures.replies['lost']} accepted repl(ies) lost")
    if figures.attachments["wrong"]:
        failures.append(f"{figures.attachments['wrong']} attachment(s) missing or different")
    failures += server_error_summary(server_error_samples)
    if figures.proxy_502.get("outside_outage"):
        failures.append(f"{figures.proxy_502['outside_outage']} x 502 from the proxy while both nodes were up")
    for name, check in figures.cross_node.items():
        if not check.get("ok"):
            failures.append(f"cross-node check failed: {name} ({check.get('detail', '')})")
    if figures.store_orphans.get("after_sweep"):
        failures.append(f"{figures.store_orphans['after_sweep']} orphan file(s) left in the bucket after the sweep")
    digests = figures.digests
    if digests["duplicated"]:
        failures.append(f"digest mails duplicated: {digests['duplicated']}")
    if digests["missing"] or digests["lost_mid_send"] or digests["sent"] != digests["expected"]:
        failures.append(f"digest mails: expected {digests['expected']}, sent {digests['sent']}")
    if digests["unexpected"]:
        failures.append(f"digest mails to addresses of no unit: {digests['unexpected']}")
    return failures


def report_lines(figures: ScaleFigures) -> list[str]:
    """Return the figures as the lines `make scale-drill` prints."""
    tips, replies, attachments = figures.tips, figures.replies, figures.attachments
    lines = [
        f"Scale drill: {figures.settings.get('people')} people, {figures.machine}",
        f"Requests: {figures.requests}   retries (send pressed again): {figures.retries}",
        f"Tips accepted (receipt shown): {tips['accepted']}   lost: {tips['lost']}   "
        f"stored, receipt never shown: {tips['stored_receipt_unseen']}   stored twice: {tips['stored_twice']}   "
        f"gave up: {tips['gave_up']}",
        f"Replies accepted: {replies['accepted']}   lost: {replies['lost']}   "
        f"Attachments verified: {attachments['verified']} of {attachments['expected']}   wrong: {attachments['wrong']}",
        "Throughput and latency (all requests through the proxy):",
    ]
    for phase in figures.phases:
        lines.append(
            f"  {phase.name}: {phase.seconds:.0f} s, {phase.requests} requests, "
            f"{phase.requests_per_second:.1f} req/s, {phase.tips} tips ({phase.tips_per_minute:.1f}/min), "
            f"p50 {_ms(phase.p50_ms)}, p95 {_ms(phase.p95_ms)}"
        )
    if figures.load_average:
        lines.append(
            "  machine load average (1 min) at the end of: "
            + ", ".join(f"{name} {value:.1f}" for name, value in figures.load_average.items())
        )
    if figures.scaling is not None:
        lines.append(f"  two nodes (both up) / one node, requests per second: {figures.scaling:.2f}x")
    lines.append("Latency by endpoint:")
    for endpoint, numbers in figures.requests_by_endpoint.items():
        lines.append(
            f"  {endpoint:<28} n={numbers.requests:<5} p50={_ms(numbers.p50_ms)} p95={_ms(numbers.p95_ms)}  "
            + ", ".join(f"{status}: {count}" for status, count in numbers.statuses.items())
        )
    downtime = figures.node_a_downtime_seconds
    lines += [
        f"Responses by status: {_pairs(figures.responses_by_status)}",
        f"Errors by kind: {_pairs(figures.errors_by_kind) or 'none'}",
        f"Proxy 502s: during node A's outage {figures.proxy_502.get('during_outage', 0)}, "
        f"otherwise {figures.proxy_502.get('outside_outage', 0)}",
        "Node A downtime (SIGKILL to /healthz ready): " + ("-" if downtime is None else f"{downtime:.1f} s"),
        "CPU seconds of each node's gunicorn: "
        + "; ".join(f"{stretch}: {_pairs_float(nodes)}" for stretch, nodes in figures.cpu_seconds.items()),
        "Cross-node checks:",
    ]
    for name, check in figures.cross_node.items():
        lines.append(f"  {'ok  ' if check.get('ok') else 'FAIL'} {name}: {check.get('detail', '')}")
    digests = figures.digests
    lines += [
        f"Digest mails (task sent to both workers at once): expected {digests['expected']}, sent {digests['sent']}, "
        f"duplicated {sum(digests['duplicated'].values())}, missing {len(digests['missing'])}",
        f"Orphan files in the bucket (uploads cut by the kill): {figures.store_orphans.get('before_sweep', 0)}, "
        f"deleted by the orphan sweep {figures.store_orphans.get('swept', 0)}, "
        f"left {figures.store_orphans.get('after_sweep', 0)}",
        "Time: " + ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in figures.timings.items()),
        "PASSED: nothing lost, no 500, every cross-node check held."
        if figures.passed
        else "FAILED: " + "; ".join(figures.failures),
    ]
    return lines


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _pairs(values: dict[str, int]) -> str:
    return ", ".join(f"{key}: {count}" for key, count in values.items())


def _pairs_float(values: dict[str, float]) -> str:
    return ", ".join(f"{key} {value:.1f}" for key, value in values.items())
