"""Run the benchmarks against a PostgreSQL bench database and write docs/benchmarks.md.

    .venv/bin/python -m bench.run                      # what `make bench` runs: 100k, then grow to 1M
    .venv/bin/python -m bench.run --sizes 10000        # a quick run
    .venv/bin/python -m bench.run --measure-only       # measure the database as it is

The database is DATABASE_URL if set, else postgres://postgres@127.0.0.1:5432/tipline_bench.
It is dropped and created again unless --keep or --measure-only is given, and a name
starting with "test" is refused, so the tests' databases are never touched. Files go to
var/bench/ (its own secrets and demo escrow key), never to the demo's var/.

Pages are timed in-process with Django's test Client, through the real middleware and
views, as `bench_investigator` (Lima unit, logged in with password and TOTP code through
/staff/login/, so the session vault holds the Lima key) and `bench_manager`. These two
users get a random password (kept in var/bench/) and their own TOTP key, so DEBUG stays
off as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tipline_bench"
DEFAULT_SIZES = (100_000, 1_000_000)
SEED = 20261127

# Goals at a million tips, in milliseconds (p95 for pages and selectors; one run for the rest).
GOALS = {
    "queue": 100.0,
    "tip": 100.0,
    "case": 100.0,
    "public_results": 100.0,
    "suggested_links": 50.0,
    "dashboard": 300.0,
    "incremental": 1000.0,
}


# --- environment (before Django is set up) --------------------------------------------------------------


def _configure_environment(var_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"bench: DATABASE_URL must be PostgreSQL, not {parsed.scheme!r}")
    if not name or name.startswith("test"):
        sys.exit(f"bench: refusing database {name!r}: names starting with 'test' belong to the test suite")
    os.environ["DATABASE_URL"] = url
    os.environ["TIPLINE_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "0"
    # Production settings need both secrets; the bench opens no tracking code, so fresh ones do.
    for name in ("SECRET_KEY", "TIPLINE_RECEIPT_PEPPER"):
        if name not in os.environ and f"{name}_FILE" not in os.environ:
            os.environ[name] = secrets.token_urlsafe(50)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return url


def _recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    maintenance = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- measuring ----------------------------------------------------------------------------------------------


@dataclass
class Timing:
    """Server-side times of one measurement, in milliseconds."""

    name: str
    goal_key: str
    runs: list[float] = field(default_factory=list)
    note: str = ""
    queries: int | None = None
    explain: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    @property
    def p95(self) -> float:
        if not self.runs:
            return float("nan")
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def goal(self) -> float | None:
        return GOALS.get(self.goal_key)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "goal_key": self.goal_key,
            "goal_ms": self.goal,
            "n": len(self.runs),
            "p50_ms": round(self.p50, 1),
            "p95_ms": round(self.p95, 1),
            "note": self.note,
            "queries": self.queries,
            "explain": self.explain,
        }


def _time(fn: Callable[[int], object], *, runs: int, warmup: int) -> list[float]:
    for i in range(warmup):
        fn(i)
    times = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _explain_slowest(fn: Callable[[], object], *, top: int = 2) -> tuple[int, list[str]]:
    """Run `fn` once capturing its queries; return their number and EXPLAIN ANALYZE of the slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    slowest = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:top]
    plans = []
    with connection.cursor() as cursor:
        for query in slowest:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            try:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            except Exception as exc:  # noqa: BLE001 - a plan we cannot get is reported, not fatal
                plan = f"(no plan: {exc})"
            plans.append(f"-- {float(query['time']) * 1000:.1f} ms\n{sql}\n{plan}")
    return len(captured.captured_queries), plans


# --- the bench users ----------------------------------------------------------------------------------------


@dataclass
class BenchUsers:
    password: str
    investigator: str = "bench_investigator"
    manager: str = "bench_manager"


def _bench_users(var_dir: Path, escrow_private_key: bytes) -> BenchUsers:
    """Create (once) an investigator of Lima and a manager with a random password and their own TOTP key."""
    from django.contrib.auth import get_user_model

    from accounts.keys import membership_grant, staff_member_create, unit_private_key_from_escrow
    from accounts.models import Role, StaffMember
    from accounts.services import staff_totp_device, staff_totp_enrol
    from org.models import Unit

    secret_file = var_dir / "secrets" / "bench_password"
    if not secret_file.exists():
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(24))
        secret_file.chmod(0o600)
    users = BenchUsers(password=secret_file.read_text().strip())
    for username, role, unit_slugs in (
        (users.investigator, Role.INVESTIGATOR, ["lima"]),
        (users.manager, Role.MANAGER, []),
    ):
        user, _created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.invalid"}
        )
        user.set_password(users.password)
        user.save()
        if not StaffMember.objects.filter(user=user).exists():
            member = staff_member_create(user=user, role=role, password=users.password)
            for slug in unit_slugs:
                keypair = Unit.objects.get(slug=slug).active_keypair()
                assert keypair is not None
                membership_grant(
                    member=member,
                    keypair=keypair,
                    unit_private_key=unit_private_key_from_escrow(
                        keypair=keypair, escrow_private_key=escrow_private_key
                    ),
                )
        if staff_totp_device(user=user) is None:
            staff_totp_enrol(user=user)
    return users


def _login(username: str, password: str) -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.services import staff_totp_device

    user = get_user_model().objects.get(username=username)
    device = staff_totp_device(user=user)
    assert device is not None
    # django-otp accepts each code once: forget the last one, so a second login in the same step works.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"
    client = Client()
    response = client.post("/staff/login/", {"username": username, "password": password, "otp_token": code})
    if response.status_code != 302:
        raise RuntimeError(f"bench login of {username} failed: {response.status_code}")
    return client


# --- the measurements ----------------------------------------------------------------------------------------


@dataclass
class Stage:
    size: int
    label: str = ""
    command: str = ""
    tips: int = 0
    generated: int = 0
    generation_seconds: float = 0.0
    generation_command: str = ""
    vacuum_seconds: float = 0.0
    database_size: str = ""
    table_sizes: list[tuple[str, str]] = field(default_factory=list)
    timings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _available(url: str) -> bool:
    """Return whether this version of the code has a page at `url` (a row for a page still to come is skipped)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(urlparse(url).path)
    except Resolver404:
        return False
    return True


def _investigated_cases(*, count: int) -> list[Any]:
    """Return up to `count` Lima cases with tasks, interviews, exhibits, persons concerned and proceedings."""
    from django.db.models import Exists, OuterRef

    from cases.models import Case
    from evidence.models import Exhibit
    from investigation.models import Interview, Task
    from outcomes.models import PersonConcerned, Proceeding

    ids = list(
        Case.objects.filter(unit__slug="lima")
        .filter(
            *(
                Exists(model.objects.filter(case=OuterRef("pk")))
                for model in (Exhibit, Proceeding, Interview, Task, PersonConcerned)
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = ids[:: max(1, len(ids) // count)][:count]
    return list(Case.objects.filter(pk__in=chosen).order_by("pk"))


def _take_over_workload(member: Any) -> str:
    """Give the bench investigator the cases and open tasks of the busiest Lima member, once; describe them.

    The synthetic work is assigned to the demo's members (demo.writer.Keys.worker), so
    without this "awaiting my action" would time an empty list.
    """
    from django.db.models import Count

    from accounts.models import StaffMember
    from cases.models import Case
    from investigation.models import Task

    if not Case.objects.filter(assignee=member).exists():
        busiest = (
            StaffMember.objects.filter(memberships__unit__slug="lima", assigned_cases__isnull=False)
            .exclude(pk=member.pk)
            .annotate(n=Count("assigned_cases"))
            .order_by("-n")
            .first()
        )
        if busiest is not None:
            Case.objects.filter(assignee=busiest, unit__slug="lima").update(assignee=member)
            Task.objects.filter(assignee=busiest, case__unit__slug="lima").update(assignee=member)
    cases = Case.objects.filter(assignee=member).count()
    tasks = Task.objects.filter(assignee=member, done_on__isnull=True).count()
    return f"the bench investigator holds {cases:,} cases and {tasks:,} open tasks (the busiest Lima member's)"


def _get_ok(client: Any, url: str) -> Callable[[int], object]:
    def fetch(_i: int) -> object:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        return response

    return fetch


def _sample_ids(model: Any, *, count: int, seed: int, **filters: Any) -> list[Any]:
    """Return up to `count` rows spread over the table, cheaply (no ORDER BY random())."""
    import random

    from django.db.models import Max, Min

    bounds = model.objects.filter(**filters).aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    rng = random.Random(seed)
    rows = []
    for _ in range(count * 2):
        row = model.objects.filter(pk__gte=rng.randint(bounds["lo"], bounds["hi"]), **filters).order_by("pk").first()
        if row is not None and row not in rows:
            rows.append(row)
        if len(rows) >= count:
            break
    return rows


def _deep_cursor(member: Any, filters: Any, fraction: float) -> tuple[str, int]:
    """Return the keyset cursor `fraction` of the way through a filtered queue, and the queue's length."""
    from cases.selectors import _filtered

    cases = _filtered(member=member, filters=filters).order_by("next_due", "id")
    total = cases.count()
    if total == 0:
        return "", 0
    row = cases.values_list("next_due", "id")[int(total * fraction)]
    return f"{row[0].isoformat()}_{row[1]}", total


def _measure(stage: Stage, users: BenchUsers, *, runs: int, warmup: int, explain: bool) -> None:
    from django.apps import apps
    from django.db import connection

    from accounts.models import StaffMember
    from cases.models import Case
    from cases.selectors import QueueFilters
    from cases.statuses import CaseStatus
    from tipline.models import Category, SmugglingChannel, Tip

    investigator = _login(users.investigator, users.password)
    member = StaffMember.objects.get(user__username=users.investigator)
    lima_tips = _sample_ids(Tip, count=runs, seed=stage.size, unit__slug="lima")
    lima_cases = [Case.objects.get(case_tips__tip=tip) for tip in lima_tips]

    def record(timing: Timing, once: Callable[[], object] | None) -> None:
        goal = timing.goal
        if explain and once is not None and goal is not None and timing.p95 > goal:
            timing.queries, timing.explain = _explain_slowest(once)
        elif once is not None:
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                once()
            timing.queries = len(captured.captured_queries)
        stage.timings.append(timing.summary())
        print(f"  {timing.name:<58} p50 {timing.p50:8.1f} ms  p95 {timing.p95:8.1f} ms", flush=True)

    def page(name: str, goal_key: str, url: str, note: str = "", client: Any = investigator) -> None:
        if not _available(url):
            stage.notes.append(f"{name}: not available ({url} does not exist in this version)")
            return
        timing = Timing(name=name, goal_key=goal_key, note=note)
        timing.runs = _time(_get_ok(client, url), runs=runs, warmup=warmup)
        record(timing, lambda: _get_ok(client, url)(0))

    def pages(name: str, goal_key: str, urls: list[str], note: str = "", client: Any = investigator) -> None:
        if not urls:
            stage.notes.append(f"{name}: nothing to open")
            return
        timing = Timing(name=name, goal_key=goal_key, note=note)
        for url in urls[:warmup]:
            _get_ok(client, url)(0)
        timing.runs = _time(lambda i: _get_ok(client, urls[i % len(urls)])(0), runs=runs, warmup=0)
        slowest = urls[max(range(len(timing.runs)), key=lambda i: timing.runs[i]) % len(urls)]
        record(timing, lambda: _get_ok(client, slowest)(0))

    # The queue: first page, and deep pages with filters.
    page("Queue, first page (/staff/)", "queue", "/staff/")
    filters = QueueFilters(category=Category.PHONES, smuggling_channel=SmugglingChannel.VISITORS)
    cursor, total = _deep_cursor(member, filters, 0.8)
    query = urlencode({"category": filters.category, "smuggling_channel": filters.smuggling_channel, "after": cursor})
    page(
        "Queue, open cases, phones + visitors, deep page (80%)",
        "queue",
        f"/staff/?{query}",
        note=f"{total:,} matching open cases",
    )
    closed = QueueFilters(status=CaseStatus.UNSUBSTANTIATED, category=Category.BRIBERY)
    cursor, total = _deep_cursor(member, closed, 0.8)
    query = urlencode({"status": closed.status, "category": closed.category, "after": cursor})
    page(
        "Queue, unsubstantiated + bribery, deep page (80%)",
        "queue",
        f"/staff/?{query}",
        note=f"{total:,} matching closed cases",
    )
    # A tip and a case, a different one each run.
    pages("Tip page (/staff/tips/<uuid>/)", "tip", [f"/staff/tips/{tip.public_id}/" for tip in lima_tips])
    pages("Case page (/staff/cases/<uuid>/)", "case", [f"/staff/cases/{case.public_id}/" for case in lima_cases])
    if all(apps.is_installed(app) for app in ("investigation", "evidence", "outcomes")):
        worked = _investigated_cases(count=runs)
        pages(
            "Case page with its investigation (tasks, interviews, exhibits, persons, proceedings)",
            "case",
            [f"/staff/cases/{case.public_id}/" for case in worked],
            note="a different Lima case each run",
        )
    # The queue's flags (issue 13).
    page(
        "Queue, awaiting my action (?mine=action)",
        "queue",
        "/staff/?mine=action",
        note=_take_over_workload(member),
    )
    page(
        "Queue, with an unread reply (?unread=1)",
        "queue",
        "/staff/?unread=1",
        note=f"{Case.objects.filter(unit__slug='lima', unread_reply=True).count():,} Lima cases with one",
    )
    # The public figures (issue 13): cached, as a whistleblower's browser would get it, without a session.
    from django.test import Client

    page("Public figures (/results/)", "public_results", "/results/", client=Client(), note="cached, anonymous")
    if apps.is_installed("linking"):
        _measure_links(stage, member, lima_cases, runs=runs, warmup=warmup, record=record)
    else:
        stage.notes.append("linking is not installed: suggested links not measured")
    if apps.is_installed("trends"):
        from bench import trends_bench

        manager = _login(users.manager, users.password)
        trends_bench.measure_dashboards(stage, manager, runs=runs, warmup=warmup, page=page)
    else:
        stage.notes.append("trends is not installed: dashboard, roll-up rebuild and incremental update not measured")


def _measure_links(
    stage: Stage, member: Any, cases: list[Any], *, runs: int, warmup: int, record: Callable[[Timing, Any], None]
) -> None:
    try:
        from linking.selectors import suggested_links
    except ImportError:
        stage.notes.append("linking.selectors.suggested_links does not exist yet: not measured")
        return
    if not cases:
        return
    timing = Timing(
        name="Suggested links of a case (linking.selectors.suggested_links)",
        goal_key="suggested_links",
        note="selector called directly, a different Lima case each run",
    )

    def call(i: int) -> object:
        return suggested_links(case=cases[i % len(cases)], member=member)

    timing.runs = _time(call, runs=runs, warmup=warmup)
    slowest = max(range(len(timing.runs)), key=lambda i: timing.runs[i])
    record(timing, lambda: call(slowest))
    worst = _busiest_case(member)
    if worst is not None:
        timing = Timing(
            name="Suggested links, case naming the most-named person",
            goal_key="suggested_links",
            note="the Zipf head: the worst case",
        )
        timing.runs = _time(lambda _i: suggested_links(case=worst, member=member), runs=runs, warmup=warmup)
        record(timing, lambda: suggested_links(case=worst, member=member))


def _busiest_case(member: Any) -> Any:
    """Return a Lima case whose tip names the entity named most often (the worst case for suggestions)."""
    from django.db.models import Count

    from cases.models import Case
    from linking.models import EntityMention

    top = (
        EntityMention.objects.filter(tip__unit__memberships__member=member)
        .values("pseudonym")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if top is None:
        return None
    mention = EntityMention.objects.filter(pseudonym=top["pseudonym"], tip__unit__memberships__member=member).first()
    return Case.objects.filter(case_tips__tip_id=mention.tip_id).first() if mention else None


# --- one stage ---------------------------------------------------------------------------------------------


def _database_sizes() -> tuple[str, list[tuple[str, str]]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8"
        )
        tables = [(name, size) for name, size in cursor.fetchall()]
    return total, tables


def _add_investigations(stage: Stage, escrow_private_key: bytes, args: argparse.Namespace) -> None:
    """Add the synthetic investigation to cases that have none (generation writes it with new tips already)."""
    from demo.investigation_writer import BackfillPlan, backfill

    result = backfill(
        BackfillPlan(seed=SEED, escrow_private_key=escrow_private_key, batch=args.batch, workers=args.workers)
    )
    if result.cases or result.routine_searches:
        stage.notes.append(
            f"investigation added to {result.cases:,} earlier cases and {result.routine_searches:,} routine "
            f"searches written in {result.seconds:.0f} s (generate_investigation)"
        )


def _vacuum_analyze() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def _run_stage(size: int, users: BenchUsers, escrow_private_key: bytes, args: argparse.Namespace) -> Stage:
    from django.apps import apps

    from demo.writer import Plan, generate
    from tipline.models import Tip

    stage = Stage(size=size)
    existing = Tip.objects.count()
    missing = max(0, size - existing) if not args.measure_only else 0
    if missing:
        print(
            f"Generating {missing:,} tips (from {existing:,} to {size:,}) with {args.workers} workers ...", flush=True
        )

        def progress(done: int, seconds: float) -> None:
            if done % (args.batch * 50) == 0 or done == missing:
                print(f"  {done:>9,} tips  {seconds:8.1f} s  {done / seconds:7.0f} tips/s", flush=True)

        result = generate(
            Plan(
                count=missing,
                seed=SEED,
                start_index=existing,
                batch=args.batch,
                workers=args.workers,
                escrow_private_key=escrow_private_key,
            ),
            progress=progress,
        )
        stage.generated, stage.generation_seconds = result.count, result.seconds
    if not args.measure_only:
        _add_investigations(stage, escrow_private_key, args)
    stage.tips = Tip.objects.count()
    print("VACUUM ANALYZE ...", flush=True)
    stage.vacuum_seconds = _vacuum_analyze()
    if apps.is_installed("trends"):
        from bench import trends_bench

        trends_bench.measure_rebuild(stage)
    stage.database_size, stage.table_sizes = _database_sizes()
    print(f"Measuring at {stage.tips:,} tips ({stage.database_size}) ...", flush=True)
    _measure(stage, users, runs=args.runs, warmup=args.warmup, explain=not args.no_explain)
    if apps.is_installed("trends"):
        from bench import trends_bench

        trends_bench.measure_incremental(stage)
    if apps.is_installed("linking"):
        _measure_automatic_linking(stage, users, escrow_private_key, args)
    return stage


def _measure_automatic_linking(
    stage: Stage, users: BenchUsers, escrow_private_key: bytes, args: argparse.Namespace
) -> None:
    """Time the automatic step (issue 11) with the investigator's vault, and the backfill through escrow."""
    from accounts.keys import staff_unlock_keys
    from accounts.models import StaffMember
    from bench import linking_bench

    member = StaffMember.objects.get(user__username=users.investigator)
    linking_bench.measure_automatic(
        stage,
        vault=staff_unlock_keys(member=member, password=users.password),
        seed=SEED,
        runs=args.runs,
        backfill=args.backfill_tips,
        escrow=escrow_private_key,
    )


# --- main ------------------------------------------------------------------------------------------------------


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES), help="comma-separated tip counts")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="generator processes")
    parser.add_argument("--batch", type=int, default=1000, help="tips per insert")
    parser.add_argument(
        "--backfill-tips", type=int, default=2000, help="waiting tips linked by the timed escrow backfill (0: skip)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database and grow it")
    parser.add_argument("--measure-only", action="store_true", help="only measure the database as it is")
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE of missed goals")
    parser.add_argument("--label", default="", help="names this run's stage in the report (e.g. a tried index)")
    parser.add_argument("--output", type=Path, default=BASE_DIR / "docs" / "benchmarks.md")
    parser.add_argument("--var-dir", type=Path, default=BASE_DIR / "var" / "bench")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    url = _configure_environment(args.var_dir)
    if not (args.keep or args.measure_only):
        print(f"Recreating the bench database {urlparse(url).path.lstrip('/')} ...", flush=True)
        _recreate_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench import report

    call_command("migrate", "--noinput", verbosity=0)
    # The pages are measured as production serves them (DEBUG off): hashed static names need the manifest.
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115 - quiet
    escrow_private_key = (settings.VAR_DIR / "escrow" / "DEMO-escrow-private.key").read_bytes()
    users = _bench_users(args.var_dir, escrow_private_key)
    machine = report.machine()
    command = "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])
    results_file = args.var_dir / "results.json"
    # A measure-only run adds to (or replaces the same stage of) the last results, keeping their generation figures.
    previous: list[dict[str, Any]] = []
    if args.measure_only and results_file.exists():
        previous = json.loads(results_file.read_text())["stages"]
    stages: list[dict[str, Any]] = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        stage = _run_stage(size, users, escrow_private_key, args)
        stage.label, stage.command = args.label, command.strip()
        earlier = [old for old in previous if old["size"] == stage.size and old.get("generated")]
        if stage.generated:
            stage.generation_command = stage.command
        elif earlier:
            for name in ("generated", "generation_seconds", "generation_command"):
                setattr(stage, name, earlier[-1].get(name) or getattr(stage, name))
            stage.notes.append(f"generation figures from the run `{stage.generation_command or 'before'}`")
        previous = [old for old in previous if (old["size"], old.get("label", "")) != (stage.size, stage.label)]
        stages.append(asdict(stage))
        # Written after every stage: if the last one never finishes, the earlier figures are kept.
        data = {
            "machine": machine,
            "command": command.strip(),
            "stages": sorted(previous + stages, key=lambda s: (s["size"], s.get("label", ""))),
        }
        results_file.write_text(json.dumps(data, indent=2, default=str))
        existing = args.output.read_text() if args.output.exists() else None
        args.output.write_text(report.render(data, existing))
        print(f"Wrote {args.output} and {results_file}", flush=True)


if __name__ == "__main__":
    main()
