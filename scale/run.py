"""Two web nodes behind the proxy, two workers, one database, one Redis, one bucket: what `make scale-drill` runs.

    .venv/bin/python -m scale.run                        # about 2.5 minutes
    .venv/bin/python -m scale.run --duration 30 --people 3 --keep

It builds its own cluster on this machine (scale/cluster.py): the database
`tipline_scale` (dropped and created again, and dropped at the end unless --keep)
on DATABASE_URL's PostgreSQL server, Redis database 6 of REDIS_URL's server with its
own queue `scale`, moto's S3 server with one bucket for the attachments, two gunicorn
nodes and two Celery workers each with its own var directory under var/scale/, and
Debian's nginx in front (scale/proxy.py). Then:

1. one node behind the proxy: simulated whistleblowers (chaos/load.py) report with
   files and follow up; throughput and latency are measured;
2. both nodes behind the proxy: the same load; node A is SIGKILLed and restarted
   a few seconds later, and the proxy routes around it; measured again;
3. the cross-node checks (scale/crossnode.py), and the daily digests sent to both
   workers at once: each recipient must get exactly one;
4. every receipt shown must open its tip with its files (chaos/verify.py).

Prints the figures and writes var/scale/figures.json. Exit status 1 on any lost tip,
reply or file, any 500 (a 502 from the proxy counts apart, and only while node A is
down), a failed cross-node check, or a node left out by the proxy with both up. Every process is stopped at the end, on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from types import FrameType
from typing import Any

from chaos import broker
from chaos.figures import endpoint_figures, statuses
from chaos.ledger import Ledger
from chaos.load import Load, LoadSettings
from chaos.processes import wait_until_healthy
from chaos.run import instance_load, machine
from scale import cluster as cl
from scale import crossnode
from scale.figures import (
    Outage,
    PhaseFigures,
    ScaleFigures,
    balance_failures,
    failures_of,
    outside_outage,
    phase_figures,
    proxy_errors,
    report_lines,
    scaling,
    server_errors,
)

BASE_DIR = Path(__file__).resolve().parent.parent
FIGURES = cl.SCALE_DIR / "figures.json"
DRAIN_TIMEOUT_SECONDS = 120.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scale.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=40.0, help="seconds of load in each phase (default 40)")
    parser.add_argument("--people", type=int, default=4, help="simulated whistleblowers at once (default 4)")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds for journeys in flight to finish")
    parser.add_argument("--down", type=float, default=4.0, help="seconds node A stays dead (default 4)")
    parser.add_argument("--seed", type=int, default=12, help="seed of the simulated people's choices")
    parser.add_argument("--database", default="tipline_scale", help="database name (dropped and created)")
    parser.add_argument("--keep", action="store_true", help="keep the database and Redis db afterwards")
    return parser.parse_args(argv)


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # through every `finally`: the processes are stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C too, even when started in the background
    plan = cl.plan_for(args.database, secrets.token_urlsafe(50), secrets.token_urlsafe(50))
    os.environ.update(plan.environment(plan.operator))
    began = time.monotonic()
    timings: dict[str, float] = {}
    cluster = cl.Cluster(plan, store=cl.object_store(plan))
    figures: ScaleFigures | None = None
    try:
        print(f"scale: preparing {plan.database_url}, {plan.redis_url} and an S3 bucket ...", flush=True)
        cl.prepare(plan)
        cluster.store.start()
        cl.bucket_create(plan)
        instance_load(plan.environment(plan.operator))
        cl.escrow_public_key_share(plan)
        cl.static_files_collect(plan)
        import django

        django.setup()
        cluster.start_nodes()
        assert cluster.node_a is not None and cluster.node_b is not None
        cluster.proxy_start([cluster.node_a])
        timings["setup"] = round(time.monotonic() - began, 1)
        figures = drill(args, cluster, timings)
    finally:
        cluster.stop()
        if not args.keep:
            try:
                cl.drop(plan)
            except Exception as error:  # noqa: BLE001 - reported; the processes are already stopped
                print(f"scale: could not drop the database: {error}", flush=True)
    assert figures is not None
    timings["total"] = round(time.monotonic() - began, 1)
    print("\n".join(report_lines(figures)), flush=True)
    figures.write(FIGURES)
    print(f"Figures written to {FIGURES.relative_to(BASE_DIR)}", flush=True)
    return 0 if figures.passed else 1


class CpuMeter:
    """The CPU seconds each web node used in each stretch of the load (which node did the work, no access log)."""

    def __init__(self, cluster: cl.Cluster) -> None:
        self.cluster = cluster
        self.stretches: dict[str, dict[str, float]] = {}
        self._since = self._now()

    def _now(self) -> dict[str, float]:
        return {node.role.name: node.cpu_seconds() for node in self.cluster.nodes()}

    def mark(self, stretch: str, *, restarted: tuple[str, ...] = ()) -> None:
        """Close a stretch: the CPU each node used since the last mark (a restarted node counts from zero)."""
        now = self._now()
        self.stretches[stretch] = {
            name: round(seconds - (0.0 if name in restarted else self._since.get(name, 0.0)), 1)
            for name, seconds in now.items()
        }
        self._since = now


def run_phase(
    args: argparse.Namespace, cluster: cl.Cluster, ledger: Ledger, cpu: CpuMeter, *, seed: int, kill: bool
) -> tuple[float, Outage | None]:
    """Run the load for one phase through the proxy (killing node A in it if asked); return its seconds and outage."""
    load = Load(LoadSettings(cluster.proxy_url, args.people, args.duration, args.grace, seed), ledger)
    cpu.mark("between phases")
    load.start()
    outage = None
    if kill:
        assert cluster.node_a is not None
        time.sleep(args.duration * 0.3)
        killed_at = load.elapsed()
        cpu.mark("two nodes, before the kill")
        cluster.node_a.process.kill()
        print(f"scale: node A SIGKILLed at {killed_at:.1f} s", flush=True)
        time.sleep(args.down)
        cluster.node_a.process.start()
        wait_until_healthy(cluster.node_a.url)
        outage = Outage(killed_at=killed_at, healthy_at=load.elapsed())
        print(f"scale: node A restarted, /healthz ready at {outage.healthy_at:.1f} s", flush=True)
        cpu.mark("two nodes, A down and starting", restarted=("node-a",))
    remaining = args.duration - load.elapsed()
    if remaining > 0:
        time.sleep(remaining)
    load.stop_and_wait()
    cpu.mark("two nodes, after A was back" if kill else "one node")
    return load.elapsed(), outage


def drill(args: argparse.Namespace, cluster: cl.Cluster, timings: dict[str, float]) -> ScaleFigures:
    assert cluster.node_a is not None and cluster.node_b is not None
    plan = cluster.plan
    ledger = Ledger()
    phases: list[PhaseFigures] = []

    print(
        f"scale: phase 1, one node: {args.people} people for {args.duration:.0f} s via {cluster.proxy_url}", flush=True
    )
    started = time.monotonic()
    cpu = CpuMeter(cluster)
    seconds, _none = run_phase(args, cluster, ledger, cpu, seed=args.seed, kill=False)
    first_samples = len(ledger.samples)
    load_average = {"one node": round(os.getloadavg()[0], 1)}
    phases.append(phase_figures(ledger.samples, name="one node", nodes=1, seconds=seconds))

    cluster.proxy_switch([cluster.node_a, cluster.node_b])
    print(f"scale: phase 2, two nodes, node A killed at {args.duration * 0.3:.0f} s for {args.down:.0f} s", flush=True)
    seconds, outage = run_phase(args, cluster, ledger, cpu, seed=args.seed + 1, kill=True)
    cpu.stretches.pop("between phases", None)
    second = ledger.samples[first_samples:]
    phases.append(phase_figures(second, name="two nodes, A killed and restarted", nodes=2, seconds=seconds))
    if outage is not None:
        steady, steady_seconds = outside_outage(second, outage, seconds)
        phases.append(phase_figures(steady, name="two nodes, both up", nodes=2, seconds=steady_seconds))
    load_average["two nodes"] = round(os.getloadavg()[0], 1)
    timings["load"] = round(time.monotonic() - started, 1)

    print("scale: cross-node checks ...", flush=True)
    checking = time.monotonic()
    checks, check_tips = crossnode.run_all(
        cluster.node_a.url,
        cluster.node_b.url,
        escrow_private_key=plan.escrow_private_key.read_bytes(),
        receipt_limit=cl.RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR,
    )
    for tip in check_tips:
        ledger.add_tip(tip)
    cross_node = {name: check.as_dict() for name, check in checks.items()}
    digests, digest_detail = digests_from_both_workers(plan)
    cross_node["daily digests sent once by two workers"] = digest_detail
    drained = tasks_drain(plan)
    if not drained:
        cross_node["task queue drained on both workers"] = {"ok": False, "detail": "not drained in time"}
    timings["cross-node checks"] = round(time.monotonic() - checking, 1)

    print("scale: checking every receipt, file and reply ...", flush=True)
    verifying = time.monotonic()
    figures = verify(args, plan, ledger, phases, outage, cross_node, digests)
    timings["verification"] = round(time.monotonic() - verifying, 1)
    figures.timings = timings
    figures.load_average = load_average
    figures.cpu_seconds = cpu.stretches
    figures.failures += balance_failures(cpu.stretches)
    return figures


def digests_from_both_workers(plan: cl.Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    """Send the daily digest task to each worker's own queue at once; each recipient must get one mail."""
    from django.utils import timezone

    from cases.tasks import send_daily_digests
    from chaos.verify import digest_check, mails_in

    day = timezone.localdate().isoformat()
    for role in (plan.worker_a, plan.worker_b):
        send_daily_digests.apply_async(kwargs={"day_iso": day}, queue=role.own_queue)
    tasks_drain(plan)
    mail_dirs = [role.mail_dir for role in plan.roles]
    outcome = digest_check(*mail_dirs, day=day)
    per_worker = {role.name: len(mails_in(role.mail_dir)) for role in (plan.worker_a, plan.worker_b)}
    ok = outcome.expected > 0 and outcome.sent == outcome.expected and outcome.at_most_once and not outcome.missing
    detail = (
        f"task sent to worker-a and worker-b at once: {outcome.sent} mail(s) for {outcome.expected} recipient(s), "
        f"duplicated {sum(outcome.duplicated.values())}; mail files per worker {per_worker}"
    )
    return asdict(outcome), {"ok": ok, "detail": detail}


def tasks_drain(plan: cl.Plan) -> bool:
    """Wait until the shared queue and each worker's own queue are empty and both workers idle."""
    drained = True
    for role in (plan.worker_a, plan.worker_b):
        for queue in (cl.QUEUE, role.own_queue):
            done, _seconds = broker.wait_drained(plan.redis_url, queue, role.node, timeout=DRAIN_TIMEOUT_SECONDS)
            drained = drained and done
    return drained


def verify(
    args: argparse.Namespace,
    plan: cl.Plan,
    ledger: Ledger,
    phases: list[PhaseFigures],
    outage: Outage | None,
    cross_node: dict[str, Any],
    digests: dict[str, Any],
) -> ScaleFigures:
    from django.conf import settings
    from django.db import connections

    from chaos.verify import TipVerifier

    connections.close_all()
    verifier = TipVerifier(
        escrow_private_key=plan.escrow_private_key.read_bytes(), staff_password=settings.TIPLINE_DEMO_PASSWORD
    )
    tips = verifier.run(ledger.tips)
    during, outside = proxy_errors(ledger.samples, outage)
    errors = Counter(s.error for s in ledger.samples if s.error is not None)
    errors.update(f"HTTP {s.status}" for s in ledger.samples if s.status is not None and s.status >= 500)
    figures = ScaleFigures(
        command="python -m scale.run " + shlex.join(sys.argv[1:]),
        machine=machine(),
        settings={
            "people": args.people,
            "duration_per_phase": args.duration,
            "grace": args.grace,
            "node_a_down_seconds": args.down,
            "seed": args.seed,
            "nodes": "2 x gunicorn, 3 sync workers each (chaos/gunicorn.conf.py)",
            "workers": "2 x celery, concurrency 2, queue 'scale' (+ one of its own each)",
            "proxy": "nginx " + _nginx_version(),
            "object_store": "moto S3 server, one bucket, path-style",
            "receipt_attempts_per_code_per_hour": cl.RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR,
            "abuse_limits": "raised as in chaos (min fill 0 s, new tips 100000/min)",
        },
        phases=phases,
        scaling=scaling(phases[0], phases[-1]),
        requests=len(ledger.samples),
        requests_by_endpoint=endpoint_figures(ledger.samples),
        responses_by_status=statuses(ledger.samples),
        errors_by_kind=dict(sorted(errors.items())),
        proxy_502={"during_outage": during, "outside_outage": outside},
        retries=ledger.retries,
        node_a_downtime_seconds=outage.downtime if outage is not None else None,
        **tips.as_figures(ledger.tips),
        cross_node=cross_node,
        digests=digests,
        store_orphans=orphans_sweep(),
    )
    figures.failures = failures_of(figures, server_error_samples=server_errors(ledger.samples))
    return figures


def orphans_sweep() -> dict[str, int]:
    """Count the bucket's orphan files, run the nightly sweep's deletion on them, and count again.

    The load is over and nothing is in flight, so every file no row names is an
    upload a killed node never committed: the sweep may take them all at once
    (production waits tipline.tasks.ORPHAN_AFTER_SECONDS for uploads still running).
    """
    from chaos.verify import store_orphans
    from tipline import storage

    before = store_orphans()
    time.sleep(1.0)  # S3 dates objects to the second: let the last ones be older than "now"
    swept = storage.orphans_delete(older_than_seconds=0)
    return {"before_sweep": before, "swept": swept, "after_sweep": store_orphans()}


def _nginx_version() -> str:
    result = subprocess.run([cl.NGINX, "-v"], capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    return result.stderr.strip().rpartition("/")[2] or "?"


if __name__ == "__main__":
    sys.exit(main())
