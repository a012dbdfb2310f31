"""Gunicorn settings for production, behind nginx (deploy/nginx/): `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

nginx buffers every request body and every response, so sync workers only ever talk to it at local speed
and a slow client holds none of them. Workers and threads come from the environment (deploy/tipline.env.example).
"""

from __future__ import annotations

import os
from typing import Any, cast

bind = [address for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8001").split(",") if address]
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# More than one thread makes gunicorn use its gthread worker; one keeps the plain sync worker.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A request slower than this is killed (the 500 page); a deploy's SIGTERM lets running requests finish.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 2
# Recycle workers now and then, spread out, so a slow leak never grows.
max_requests = 2000
max_requests_jitter = 200

# Only nginx talks to gunicorn: its X-Forwarded-Proto is trusted from these addresses and no other.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Requests are parsed by nginx first; these are gunicorn's own limits, kept at its defaults' order.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# The heartbeat file on a tmpfs: on a disk, a busy disk would make healthy workers look stuck.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a tmpfs by design, not a shared temp file  # nosec B108

# No access log: it would carry the client's time of visit (the address is nginx's anyway). Errors only.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
proc_name = "tipline-web"

# --- Prometheus multiprocess mode and logging -------------------------------------------------------------
# Each worker writes its samples into PROMETHEUS_MULTIPROC_DIR (the web node's own; emptied by `on_starting`)
# and a scrape of /metrics adds them up; `child_exit` drops a dead worker's live gauges (config/metrics.py).
from config.metrics import child_exit, on_starting  # noqa: E402, F401 - gunicorn's server hooks


def post_fork(server: Any, worker: Any) -> None:
    """Mark a worker that replaces another: its start-up checks leave out the object store (config/startup.py)."""
    if worker.age > server.num_workers:
        os.environ["TIPLINE_REPLACEMENT_WORKER"] = "1"


# gunicorn's own lines ("Booting worker", "Worker timeout") in the site's format (LOG_FORMAT=json included).
# A settings refusal (a missing secret) stops the master here with the same one line as a worker would.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from config.startup import settings_or_exit  # noqa: E402

settings_or_exit()
from django.conf import settings  # noqa: E402

# gunicorn's own logger keeps `loglevel` (its INFO lines name the bound address and every worker's pid).
_loggers = cast(dict[str, dict[str, Any]], settings.LOGGING["loggers"])
logconfig_dict = {
    **settings.LOGGING,
    "loggers": {**_loggers, "gunicorn.error": {**_loggers.get("gunicorn.error", {}), "level": loglevel.upper()}},
}
