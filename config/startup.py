"""Fail closed in production: with DEBUG off, refuse to start a process that could not work safely.

gunicorn (config/wsgi.py), the Celery worker and beat (config/celery.py) and the
operators' `manage.py check_production` run these checks before serving anything.
The first failure stops start-up with one line on standard error that says what is
wrong and what to set, instead of a traceback or, worse, a site that answers and
then loses a report: a missing escrow public key would refuse every new tip, an
unreachable object store every file, a wrong ALLOWED_HOSTS every request.

Missing secrets (SECRET_KEY, TIPLINE_RECEIPT_PEPPER) are refused by the settings
themselves (config/settings.py, var_secret); `start_or_exit` turns that refusal
into the same one line. With DEBUG on (the demo, `make run`) nothing is checked.
"""

from __future__ import annotations

import os
import re
import sys
from typing import NoReturn

from django.core.exceptions import ImproperlyConfigured

# gunicorn stops the whole server, instead of starting the worker again and again, when a worker
# exits with this status while booting (gunicorn.arbiter.Arbiter.WORKER_BOOT_ERROR).
GUNICORN_WORKER_BOOT_ERROR = 3

# A host name, an IP address, or a leading-dot domain (".example.org": it and its subdomains).
_HOST = re.compile(r"\.?[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\]")


# Set by gunicorn's post_fork hook (deploy/gunicorn.conf.py) in a worker that replaces another one.
REPLACEMENT_WORKER_VARIABLE = "TIPLINE_REPLACEMENT_WORKER"


class StartupRefused(Exception):
    """Raised with one line saying why this process must not start."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def allowed_hosts_problem(hosts: list[str], *, set_in_environment: bool) -> str | None:
    """Return why this ALLOWED_HOSTS is wrong for production, or None when it is right."""
    hint = "set ALLOWED_HOSTS to the site's names, comma-separated, without scheme, port or path (www.example.org)"
    if not set_in_environment:
        return f"ALLOWED_HOSTS is not set, and the default (127.0.0.1,localhost) serves no real site: {hint}."
    if not hosts:
        return f"ALLOWED_HOSTS is empty: {hint}."
    for host in hosts:
        if host in {"*", "."} or host.startswith("*"):
            return f"ALLOWED_HOSTS holds the wildcard {host!r}, which accepts any Host header: {hint}."
        if not _HOST.fullmatch(host):
            return f"ALLOWED_HOSTS holds {host!r}, which is not a host name: {hint}."
    return None


def static_files_problem() -> str | None:
    """Return why the pages could not load their stylesheets, or None.

    With the manifest storage (production, config/settings.py) every page looks its static files up in
    STATIC_ROOT's manifest; without `collectstatic` each page would answer 500.
    """
    from django.conf import settings
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages

    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or storage.manifest_storage.exists(storage.manifest_name):
        return None
    return (
        f"no static files manifest in STATIC_ROOT ({settings.STATIC_ROOT}): run `manage.py collectstatic --noinput` "
        "after every upgrade, before starting the web nodes."
    )


def production_checks(*, serving_pages: bool = True) -> None:
    """Raise StartupRefused with one line on the first thing that is not ready for production; skip with DEBUG.

    Django must be set up (the object store and the escrow key are read through the apps' modules).
    `serving_pages` adds the checks only a web node needs (the static files' manifest).
    """
    from django.conf import settings

    if settings.DEBUG:
        return
    set_in_environment = "ALLOWED_HOSTS" in os.environ or "ALLOWED_HOSTS_FILE" in os.environ
    problem = allowed_hosts_problem(list(settings.ALLOWED_HOSTS), set_in_environment=set_in_environment)
    if problem:
        raise StartupRefused(problem)

    import envelope

    path = settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE
    make_one = "make one with `manage.py create_escrow_key` (docs/operations.md) or set TIPLINE_ESCROW_PUBLIC_KEY_FILE"
    try:
        envelope.check_escrow_public_key()
    except envelope.EscrowKeyMissing as exc:
        raise StartupRefused(f"no escrow public key at {path}: {exc}; {make_one}.") from exc
    except envelope.CryptoError as exc:
        raise StartupRefused(f"{path} is not an escrow public key; {make_one}.") from exc

    from tipline.storage import StoreUnavailable, store_check

    # A worker that replaces another (recycled after max_requests, or after a timeout) is not stopped by a
    # passing outage of the object store, which would stop the whole node (gunicorn halts on a boot
    # error): the first workers proved the configuration, and /healthz reports the store from then on.
    if os.environ.get(REPLACEMENT_WORKER_VARIABLE) != "1":
        try:
            store_check()
        except StoreUnavailable as exc:
            raise StartupRefused(f"{exc}; check TIPLINE_S3_* or TIPLINE_ATTACHMENT_STORAGE and its options.") from exc

    if serving_pages and (problem := static_files_problem()):
        raise StartupRefused(problem)


def _refuse(reason: Exception, exit_code: int) -> NoReturn:
    sys.stderr.write(f"tipline: not starting: {_one_line(str(reason))}\n")
    sys.stderr.flush()
    raise SystemExit(exit_code) from None


def settings_or_exit(exit_code: int = 1) -> None:
    """Load the settings; if they refuse (a missing secret, a malformed variable), write one line and exit.

    For `celery worker` and `celery beat`, whose command line reads the settings before any
    signal a receiver could use (config/celery.py).
    """
    from django.conf import settings

    try:
        settings.DEBUG  # noqa: B018 - the first access loads them
    except ImproperlyConfigured as exc:
        _refuse(exc, exit_code)


def start_or_exit(exit_code: int = 1, *, serving_pages: bool = True) -> None:
    """Set Django up and run the production checks; on a failure write one line to stderr and exit."""
    import django

    try:
        django.setup()
        production_checks(serving_pages=serving_pages)
    except (ImproperlyConfigured, StartupRefused) as exc:
        _refuse(exc, exit_code)
