"""The drill's figures: throughput and latency per phase, node A's outage, and what makes a drill fail."""

from __future__ import annotations

from typing import Any

from chaos.ledger import CONNECTION_RESET, Sample
from scale.figures import (
    Outage,
    ScaleFigures,
    balance_failures,
    failures_of,
    outside_outage,
    phase_figures,
    proxy_errors,
    report_lines,
    scaling,
    server_errors,
    tips_in,
)

SAMPLES = [
    Sample("GET /report/", 0.5, 40.0, 200),
    Sample("POST /report/", 1.0, 200.0, 200),
    Sample("POST /report/", 2.0, 100.0, 200),
    Sample("POST /report/", 10.0, 300.0, 502),
    Sample("GET /followup/ (thread)", 11.0, 5.0, None, CONNECTION_RESET),
    Sample("POST /followup/ (reply)", 20.0, 60.0, 302),
]


def test_a_phase_counts_every_request_and_the_latency_of_answers_only() -> None:
    phase = phase_figures(SAMPLES, name="one node", nodes=1, seconds=30.0)

    assert (phase.requests, phase.requests_per_second) == (6, 0.2)
    assert (phase.tips, phase.tips_per_minute) == (2, 4.0)  # receipt pages: POST /report/ answered 200
    assert (phase.p50_ms, phase.p95_ms) == (100.0, 300.0)


def test_an_empty_phase_has_no_latency_and_no_division_by_zero() -> None:
    phase = phase_figures([], name="two nodes", nodes=2, seconds=0.0)

    assert (phase.requests, phase.requests_per_second, phase.tips_per_minute, phase.p50_ms) == (0, 0.0, 0.0, None)


def test_scaling_compares_requests_per_second() -> None:
    one = phase_figures(SAMPLES, name="one node", nodes=1, seconds=30.0)
    two = phase_figures(SAMPLES, name="two nodes", nodes=2, seconds=20.0)

    assert scaling(one, two) == 1.5
    assert scaling(phase_figures([], name="none", nodes=1, seconds=10.0), two) is None


def test_a_502_answered_while_node_a_was_down_counts_apart_from_others() -> None:
    outage = Outage(killed_at=9.0, healthy_at=15.0)
    late = Sample("POST /report/", 25.0, 10.0, 502)

    assert outage.downtime == 6.0
    assert proxy_errors([*SAMPLES, late], outage) == (1, 1)
    assert proxy_errors(SAMPLES, None) == (0, 1)
    # The proxy's 502 is not a server error of the application; a 500 always is.
    assert server_errors([*SAMPLES, Sample("POST /followup/ (reply)", 3.0, 9.0, 500)]) == [
        Sample("POST /followup/ (reply)", 3.0, 9.0, 500)
    ]


def test_the_steady_two_node_window_leaves_out_the_outage() -> None:
    outage = Outage(killed_at=9.0, healthy_at=15.0)

    kept, seconds = outside_outage(SAMPLES, outage, 30.0)

    assert seconds == 24.0
    assert [s.at for s in kept] == [0.5, 1.0, 2.0, 20.0]
    assert tips_in(kept) == 2


def figures(**changes: Any) -> ScaleFigures:
    base: dict[str, Any] = {
        "command": "python -m scale.run",
        "machine": "2 cores",
        "settings": {"people": 4},
        "phases": [phase_figures(SAMPLES, name="one node", nodes=1, seconds=30.0)],
        "scaling": None,
        "requests": 6,
        "requests_by_endpoint": {},
        "responses_by_status": {"200": 3},
        "errors_by_kind": {},
        "proxy_502": {"during_outage": 1, "outside_outage": 0},
        "retries": 0,
        "node_a_downtime_seconds": 6.0,
        "tips": {"accepted": 2, "lost": 0, "problems": [], "gave_up": 0, "stored_receipt_unseen": 0, "stored_twice": 0},
        "replies": {"accepted": 1, "lost": 0},
        "attachments": {"expected": 1, "verified": 1, "wrong": 0},
        "cross_node": {"report on A opens on B": {"ok": True, "detail": "3 of 3 files"}},
        "digests": {"expected": 7, "sent": 7, "duplicated": {}, "missing": [], "lost_mid_send": [], "unexpected": []},
        "store_orphans": {"before_sweep": 2, "swept": 2, "after_sweep": 0},
    }
    base.update(changes)
    return ScaleFigures(**base)


def test_a_clean_drill_passes_and_says_so() -> None:
    clean = figures()

    assert failures_of(clean, server_error_samples=[]) == []
    assert report_lines(clean)[-1].startswith("PASSED")


def test_losses_500s_stray_502s_failed_checks_and_duplicate_mails_fail_the_drill() -> None:
    bad = figures(
        tips={"accepted": 2, "lost": 1, "problems": ["x"], "gave_up": 1, "stored_receipt_unseen": 0, "stored_twice": 0},
        proxy_502={"during_outage": 0, "outside_outage": 2},
        cross_node={"staff session": {"ok": False, "detail": "403 on B"}},
        digests={
            "expected": 7,
            "sent": 8,
            "duplicated": {"a@x": 1},
            "missing": [],
            "lost_mid_send": [],
            "unexpected": [],
        },
    )

    failures = failures_of(bad, server_error_samples=[Sample("POST /report/", 3.0, 9.0, 500)])

    assert "1 tip(s) lost" in failures
    assert "1 report(s) never got a receipt (the person gave up)" in failures
    assert "1 x 500 on POST /report/ at 3.0 s" in failures
    assert "2 x 502 from the proxy while both nodes were up" in failures
    assert "cross-node check failed: staff session (403 on B)" in failures
    assert "digest mails duplicated: {'a@x': 1}" in failures


def test_with_both_nodes_up_each_must_do_a_fair_share_of_the_work() -> None:
    spread = {"one node": {"node-a": 20.0, "node-b": 0.1}, "two nodes, before the kill": {"node-a": 6.0, "node-b": 5.0}}
    lopsided = {"two nodes, before the kill": {"node-a": 9.5, "node-b": 0.5}}

    assert balance_failures(spread) == []
    assert balance_failures(lopsided) == [
        "node-b did 5% of the work with both nodes up: the proxy did not spread the load"
    ]
    assert balance_failures({}) == ["no CPU time measured for the web nodes (two nodes, before the kill)"]
