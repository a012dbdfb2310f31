"""Measurements of automatic blind linking (issue 11): linking new tips, what a staff request pays, the backfill.

New tips are written as whistleblowers would (invented Spanish texts from
demo/synthetic.py naming people, phones, plates and suppliers, often the recurring
ones the generated tips name too), so their entities are found at intake and wait,
PENDING, for a staff session (linking.automatic):

- a batch of BATCH_TIPS new Lima tips linked by one `pending_link` call with the
  investigator's vault (tips/s);
- one `pending_link` call as the middleware makes it on a staff GET, with
  TIPS_PER_REQUEST tips waiting, and with none waiting (the common case);
- the offline backfill through escrow (`waiting_tips_link_with_escrow`, what
  `manage.py link_waiting_tips` runs) of `backfill` waiting tips of every unit.

The first two use `tip_submit` itself (Argon2id receipt and all). The backfill's tips go
through the same intake path (tip_build, the `tip_submitted` signal and its receivers)
without the receipt's Argon2id derivation, which is the only cost it skips: 0.2 s a
tip would make the setup of 2,000 tips take minutes without changing what is timed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

# Tips linked by the timed batch call; and the index of the first synthetic text used for new tips,
# far beyond the generated ones so the texts are new (they name the same recurring entities).
BATCH_TIPS = 50
FIRST_NEW_INDEX = 50_000_000
# At most this many timed calls with TIPS_PER_REQUEST tips waiting (each needs that many tips submitted first).
MAX_REQUEST_RUNS = 20


def _record(
    stage: Any, name: str, goal_key: str, runs: list[float], note: str = "", queries: int | None = None
) -> None:
    from bench.run import Timing

    timing = Timing(name=name, goal_key=goal_key, runs=runs, note=note, queries=queries)
    stage.timings.append(timing.summary())
    print(f"  {name:<58} p50 {timing.p50:8.1f} ms  p95 {timing.p95:8.1f} ms", flush=True)


class _NewTips:
    """Submissions of new synthetic tips, each routed as intake routes it, optionally only to one unit."""

    def __init__(self, *, seed: int, start: int) -> None:
        from django.utils import timezone

        from demo.synthetic import build_world, facilities_ensure
        from demo.writer import Keys

        self.world = build_world(seed=seed, end_date=timezone.localdate(), facilities=facilities_ensure())
        self.keys = Keys(mention_writer=None)
        self.index = start

    def submissions(self, *, unit_slug: str | None = None) -> Iterator[Any]:
        from demo.synthetic import tip_spec
        from demo.writer import submission_of
        from org.models import Facility

        facilities = list(Facility.objects.filter(region__unit__slug=unit_slug).order_by("pk")) if unit_slug else []
        while True:
            spec = tip_spec(self.world, self.index)
            self.index += 1
            if facilities:
                spec = dataclasses.replace(spec, facility=facilities[self.index % len(facilities)])
            unit, _keypair = self.keys.route(spec)
            if unit_slug is None or unit.slug == unit_slug:
                yield submission_of(spec)


def _submit(submissions: Iterator[Any], count: int) -> None:
    from tipline.services import tip_submit

    for _ in range(count):
        tip_submit(submission=next(submissions))


def _submit_without_receipt(submissions: Iterator[Any], count: int) -> None:
    """Store tips through intake's path (tip_build, tip_submitted and its receivers) without a receipt."""
    from django.db import transaction

    import envelope
    from tipline.models import Tip
    from tipline.services import tip_build, tip_route, today
    from tipline.signals import tip_submitted

    for _ in range(count):
        submission = next(submissions)
        built = tip_build(
            submission=submission,
            route=tip_route(submission=submission),
            receipt=envelope.no_receipt(),
            received_on=today(),
        )
        with transaction.atomic():
            built.tip.save()
            if built.identity is not None:
                built.identity.save()
            tip_submitted.send(sender=Tip, tip=built.tip, data_key=built.data_key, text=submission.description)


def _pending_tips(keypair_ids: list[int] | None = None) -> int:
    from linking.models import EntityMention, MentionStatus

    pending = EntityMention.objects.filter(status=MentionStatus.PENDING)
    if keypair_ids is not None:
        pending = pending.filter(tip__unit_keypair_id__in=keypair_ids)
    return pending.values("tip_id").distinct().count()


def _fill(submissions: Iterator[Any], keypair_ids: list[int], count: int) -> None:
    """Submit tips until `count` wait (a text in which the extractor finds nothing leaves nothing waiting)."""
    while _pending_tips(keypair_ids) < count:
        _submit(submissions, count - _pending_tips(keypair_ids))


def _queries(fn: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def measure_automatic(
    stage: Any, *, vault: dict[str, bytes], seed: int, runs: int, backfill: int, escrow: bytes
) -> None:
    """Time the automatic step with `vault` (an investigator of Lima's), and the escrow backfill of `backfill` tips."""
    from linking.automatic import TIPS_PER_REQUEST, _held_keypair_ids, pending_link
    from linking.models import NameKey, TipLink
    from linking.services import waiting_tips_link_with_escrow

    keypair_ids = _held_keypair_ids(vault)
    new_tips = _NewTips(seed=seed, start=FIRST_NEW_INDEX + stage.size)
    lima = new_tips.submissions(unit_slug="lima")
    # Tips left waiting by earlier measurements (the trends bench submits some) are linked first, untimed.
    while pending_link(vault=vault, limit=500):
        pass

    print(f"Submitting {BATCH_TIPS} Lima tips (tip_submit) ...", flush=True)
    _submit(lima, BATCH_TIPS)
    waiting = _pending_tips(keypair_ids)
    links_before = TipLink.objects.count()
    started = time.perf_counter()
    linked = pending_link(vault=vault, limit=BATCH_TIPS)
    seconds = time.perf_counter() - started
    _record(
        stage,
        f"Automatic linking of {BATCH_TIPS} new tips, per tip (pending_link)",
        "",
        [seconds * 1000 / max(linked, 1)],
        note=(
            f"one call, limit={BATCH_TIPS}: {linked} of {waiting} waiting tips linked in {seconds:.2f} s, "
            f"**{linked / seconds:.1f} tips/s**; {TipLink.objects.count() - links_before} TipLinks stored"
        ),
    )

    from django.conf import settings

    # As the middleware calls it: at most TIPS_PER_REQUEST tips, none begun after the request's budget.
    budget = settings.TIPLINE_LINKING_REQUEST_BUDGET_MS / 1000
    request_runs = max(1, min(runs, MAX_REQUEST_RUNS))
    print(f"Submitting {request_runs} x {TIPS_PER_REQUEST} Lima tips (tip_submit), linking each batch ...", flush=True)
    times = []
    for _ in range(request_runs):
        _fill(lima, keypair_ids, TIPS_PER_REQUEST)
        started = time.perf_counter()
        pending_link(vault=vault, budget_seconds=budget)
        times.append((time.perf_counter() - started) * 1000)
    _fill(lima, keypair_ids, TIPS_PER_REQUEST)
    queries = _queries(lambda: pending_link(vault=vault, budget_seconds=budget))
    _record(
        stage,
        f"Automatic step of one staff request, {TIPS_PER_REQUEST} tips waiting",
        "",
        times,
        note=(
            f"pending_link(vault=..., budget_seconds={budget:g}) as linking.middleware calls it on a staff GET; "
            f"{request_runs} runs"
        ),
        queries=queries,
    )
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        pending_link(vault=vault)
        times.append((time.perf_counter() - started) * 1000)
    _record(
        stage,
        "Automatic step of one staff request, nothing waiting",
        "",
        times,
        note="pending_link(vault=...) with no waiting tip: what every staff GET pays",
        queries=_queries(lambda: pending_link(vault=vault)),
    )

    if backfill <= 0:
        return
    print(f"Storing {backfill:,} tips of every unit through intake, left waiting ...", flush=True)
    _submit_without_receipt(new_tips.submissions(), backfill)
    waiting = _pending_tips()
    name_keys_before = NameKey.objects.count()
    started = time.perf_counter()
    _extracted, linked = waiting_tips_link_with_escrow(escrow_private_key=escrow)
    seconds = time.perf_counter() - started
    _record(
        stage,
        f"Backfill through escrow of {waiting:,} waiting tips, per tip",
        "",
        [seconds * 1000 / max(linked, 1)],
        note=(
            f"linking.services.waiting_tips_link_with_escrow (manage.py link_waiting_tips): {linked:,} tips "
            f"in {seconds:.1f} s, **{linked / seconds:.1f} tips/s**; "
            f"{NameKey.objects.count() - name_keys_before:,} name keys stored"
        ),
    )
