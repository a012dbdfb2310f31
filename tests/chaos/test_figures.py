"""The figures of a run: latency percentiles, outcomes by endpoint, and what makes a run fail."""

from __future__ import annotations

from typing import Any

from chaos.figures import Figures, client_errors, endpoint_figures, failures_of, percentile, server_errors, statuses
from chaos.ledger import CONNECTION_REFUSED, TIMEOUT, Sample


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.5) is None


SAMPLES = [
    Sample("POST /report/", 1.0, 120.0, 200),
    Sample("POST /report/", 2.0, 80.0, 200),
    Sample("POST /report/", 3.0, 5.0, 503),
    Sample("POST /report/", 3.5, 2.0, None, CONNECTION_REFUSED),
    Sample("GET /report/", 4.0, 30.0, 200),
    Sample("GET /followup/ (thread)", 5.0, 60000.0, None, TIMEOUT),
    Sample("GET /followup/ (thread)", 6.0, 40.0, 500),
]


def test_each_endpoint_counts_its_requests_outcomes_and_latency_of_answers_only() -> None:
    figures = endpoint_figures(SAMPLES)

    report = figures["POST /report/"]
    assert report.requests == 4
    assert report.statuses == {"200": 2, "503": 1, CONNECTION_REFUSED: 1}
    assert (report.p50_ms, report.p95_ms) == (80.0, 120.0)
    assert figures["GET /followup/ (thread)"].p95_ms == 40.0  # the timeout got no answer to time


def test_statuses_client_errors_and_server_errors() -> None:
    assert statuses(SAMPLES) == {"200": 3, "500": 1, "503": 1}
    assert client_errors(SAMPLES) == {CONNECTION_REFUSED: 1, TIMEOUT: 1}
    assert [(s.endpoint, s.status) for s in server_errors(SAMPLES)] == [("GET /followup/ (thread)", 500)]


def passing(**changes: Any) -> Figures:
    figures = Figures(
        command="python -m chaos.run",
        machine="test",
        settings={},
        duration_seconds=100.0,
        requests=10,
        requests_by_endpoint={},
        responses_by_status={"200": 10},
        client_errors={},
        retries=0,
        unavailable_pages={"text_kept": 2},
        tips={"accepted": 5, "lost": 0, "problems": []},
        replies={"lost": 0},
        attachments={"wrong": 0},
        faults=[],
        tasks={"drained": True},
        digests={"duplicated": {}, "missing": [], "unexpected": [], "lost_mid_send": ["a@example.org"]},
        rollups={"equal_after_nightly_rebuild": True},
        store_orphans=0,
    )
    for name, value in changes.items():
        getattr(figures, name).update(value)
    return figures


def test_a_run_with_503s_that_kept_the_text_and_a_digest_lost_mid_send_passes() -> None:
    assert failures_of(passing(), server_error_samples=[]) == []


def test_what_fails_a_run() -> None:
    assert failures_of(passing(tips={"lost": 1}), server_error_samples=[]) == ["1 tip(s) lost"]
    assert failures_of(passing(), server_error_samples=[SAMPLES[-1]]) == ["1 x 500 on GET /followup/ (thread) at 6.0 s"]
    two = [SAMPLES[-1], Sample("GET /followup/ (thread)", 9.5, 3.0, 500)]
    assert failures_of(passing(), server_error_samples=two) == [
        "2 x 500 on GET /followup/ (thread) between 6.0 and 9.5 s"
    ]
    assert failures_of(passing(unavailable_pages={"text_lost": 1}), server_error_samples=[]) == [
        "1 503 page(s) dropped what the person typed"
    ]
    assert failures_of(passing(digests={"duplicated": {"a@example.org": 1}}), server_error_samples=[]) == [
        "digest mails duplicated: {'a@example.org': 1}"
    ]
    assert failures_of(passing(rollups={"equal_after_nightly_rebuild": False}), server_error_samples=[]) == [
        "the roll-ups differ from a full rebuild after the nightly rebuild"
    ]
    broken = passing()
    broken.faults = [{"at": 55.0, "kind": "restart PostgreSQL", "outcome": "failed: timeout", "failed": True}]
    assert failures_of(broken, server_error_samples=[]) == [
        "fault not carried out: restart PostgreSQL at 55.0 s (failed: timeout)"
    ]
    assert failures_of(passing(tips={"accepted": 0}), server_error_samples=[]) == [
        "no tip was accepted: the load did not reach the application"
    ]
