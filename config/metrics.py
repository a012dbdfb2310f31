"""Prometheus metrics for operators, at /metrics behind a bearer token (TIPLINE_METRICS_TOKEN).

What is measured, and what is deliberately not:

- tipline_staff_request_duration_seconds: a histogram of STAFF requests (paths under
  /staff/) by the resolver's view name ("staff:case_detail"), method and status class
  ("2xx"). Never a path (it may hold a case id), a user or an address.
- Public-side requests are NOT counted, neither per view nor at all: a counter of
  /report/ scraped every 15 seconds would date each report to within 15 seconds, which
  is exactly the time of a whistleblower that DESIGN.md section 8 forbids keeping
  (Prometheus keeps its samples for weeks). Only /healthz is counted, by status class.
- tipline_celery_queue_length: the messages waiting in the Celery queue in Redis
  (CELERY_TASK_DEFAULT_QUEUE), read at scrape time.
- tipline_tips_received: tips received on each of the last 7 COMPLETE days (Lima time),
  labelled by day, read from the database at scrape time and cached for a few minutes.
  Today's running count is absent on purpose: watched through the day, it would date
  each new tip, and Tip.received_on keeps only the day for the same reason.

gunicorn runs several worker processes: with PROMETHEUS_MULTIPROC_DIR set (a folder of
the web node's own, emptied before gunicorn starts: `on_starting` below), each worker
writes its samples there and a scrape adds them up. gunicorn.conf.py wires the hooks:
`from config.metrics import child_exit, on_starting`.

The token is compared in constant time; without it, or without the setting, /metrics
answers the site's ordinary 404, so its existence is not revealed.
"""

from __future__ import annotations

import datetime
import hmac
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
STAFF_PREFIX = "/staff/"
TIPS_DAYS = 7
TIPS_CACHE_KEY = "metrics:tips-received-by-day"
TIPS_CACHE_SECONDS = 5 * 60
# The queue's length is shown in hundreds (celery_queue_length says why).
QUEUE_ROUNDING = 100
# kombu's Redis transport keeps a queue's messages of priorities 3, 6 and 9 in lists of their own.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)

STAFF_REQUEST_SECONDS = Histogram(
    "tipline_staff_request_duration_seconds",
    "Time to answer a staff request, by view name, method and status class.",
    ["view", "method", "status"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
HEALTHZ_REQUESTS = Counter("tipline_healthz_requests", "Answers of /healthz, by status class.", ["status"])


def status_class(code: int) -> str:
    """Return "2xx" for 200 and so on: the exact status adds nothing an operator needs."""
    return f"{code // 100}xx"


class StaffRequestMetricsMiddleware:
    """Time each staff request into the histogram; count /healthz; leave every other request unmeasured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            response = self.get_response(request)
            HEALTHZ_REQUESTS.labels(status_class(response.status_code)).inc()
            return response
        if not request.path.startswith(STAFF_PREFIX):
            return self.get_response(request)  # public: not counted (module docstring)
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else "unmatched"
        method = request.method if request.method in {"GET", "HEAD", "POST"} else "other"
        STAFF_REQUEST_SECONDS.labels(view, method, status_class(response.status_code)).observe(seconds)
        return response


def celery_queue_length() -> int | None:
    """Return the messages waiting in the Celery queue in Redis, rounded down to QUEUE_ROUNDING; None without Redis.

    Every new tip queues a task (the trends refresh): an exact length scraped every 15 s while the
    workers are busy or down would count the tips that arrived in each 15 s (DESIGN.md section 8). A
    backlog worth an alert is hundreds of messages; rounding keeps that and drops the count of tips.
    """
    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    import redis

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    names = [queue if step == 0 else f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS]
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        length = sum(int(client.llen(name)) for name in names)
    except redis.RedisError:
        return None
    return length - length % QUEUE_ROUNDING


def tips_received_by_day() -> dict[str, int]:
    """Return the tips received on each of the last TIPS_DAYS complete days (Lima), by ISO day; cached."""
    cached = cache.get(TIPS_CACHE_KEY)
    if cached is not None:
        return dict(cached)
    from tipline.models import Tip

    today = timezone.localdate()
    days = [today - datetime.timedelta(days=back) for back in range(TIPS_DAYS, 0, -1)]
    counts = dict(
        Tip.objects.filter(received_on__gte=days[0], received_on__lt=today)
        .values_list("received_on")
        .annotate(n=Count("id"))
        .values_list("received_on", "n")
    )
    result = {day.isoformat(): counts.get(day, 0) for day in days}
    cache.set(TIPS_CACHE_KEY, result, TIPS_CACHE_SECONDS)
    return result


class ScrapeTimeCollector(Collector):
    """The metrics read when Prometheus asks: the queue in Redis, the tips of the last complete days."""

    def collect(self) -> Iterable[Metric]:
        length = celery_queue_length()
        if length is not None:
            queue = GaugeMetricFamily(
                "tipline_celery_queue_length",
                "Messages waiting in the Celery queue, rounded down to a multiple of 100.",
                labels=["queue"],
            )
            queue.add_metric([settings.CELERY_TASK_DEFAULT_QUEUE], length)
            yield queue
        try:
            by_day = tips_received_by_day()
        except DatabaseError:
            return  # the database is down: /healthz says so; the other metrics are still worth a scrape
        tips = GaugeMetricFamily(
            "tipline_tips_received",
            f"Tips received on each of the last {TIPS_DAYS} complete days (Lima time); today is left out.",
            labels=["day"],
        )
        for day, count in by_day.items():
            tips.add_metric([day], count)
        yield tips


class _ThisProcess(Collector):
    """The default registry's metrics (one process: `make run`, the tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition() -> bytes:
    """Return every metric in Prometheus' text format, added up across gunicorn's workers when multiprocess."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_VARIABLE):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(ScrapeTimeCollector())
    return generate_latest(registry)


def _bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def metrics(request: HttpRequest) -> HttpResponse:
    """Answer Prometheus with the metrics; anyone without the token gets the ordinary 404."""
    expected = settings.TIPLINE_METRICS_TOKEN
    if not expected or not hmac.compare_digest(_bearer_token(request).encode(), expected.encode()):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


# --- gunicorn's hooks (gunicorn.conf.py: `from config.metrics import child_exit, on_starting`) -------------


def on_starting(server: Any) -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR before the workers start: files of a previous run would be added up."""
    folder = os.environ.get(MULTIPROC_VARIABLE)
    if not folder:
        return
    path = Path(folder)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, mode=0o700)


def child_exit(server: Any, worker: Any) -> None:
    """Tell prometheus_client a gunicorn worker is gone, so its live gauges stop counting."""
    if os.environ.get(MULTIPROC_VARIABLE):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
