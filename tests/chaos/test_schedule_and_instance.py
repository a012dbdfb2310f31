"""The fault schedule, and the chaos instance's own database, Redis database and settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.faults import KILL_WORKER, RESTART_POSTGRES, RESTART_REDIS, TRIGGER_DIGEST, default_schedule
from chaos.run import Instance, with_database, with_redis_db


def test_the_schedule_has_every_fault_in_time_order() -> None:
    schedule = default_schedule(100)
    kinds = [fault.kind for fault in schedule]
    assert [fault.at for fault in schedule] == sorted(fault.at for fault in schedule)
    assert kinds.count(KILL_WORKER) >= 3
    assert kinds.count(RESTART_REDIS) == 1 and kinds.count(RESTART_POSTGRES) == 1
    assert kinds.count(TRIGGER_DIGEST) >= 2
    assert all(0 < fault.at < 100 for fault in schedule)


def test_a_worker_kill_follows_the_first_digest_and_redis_restarts_between_the_two_digests() -> None:
    schedule = default_schedule(100)
    first_digest = next(i for i, fault in enumerate(schedule) if fault.kind == TRIGGER_DIGEST)
    assert schedule[first_digest + 1].kind == KILL_WORKER
    assert schedule[first_digest + 1].at - schedule[first_digest].at < 1
    digests = [fault.at for fault in schedule if fault.kind == TRIGGER_DIGEST]
    redis = next(fault.at for fault in schedule if fault.kind == RESTART_REDIS)
    assert digests[0] < redis < digests[1]


def test_without_restarts_only_the_worker_is_killed() -> None:
    kinds = {fault.kind for fault in default_schedule(60, restarts=False)}
    assert kinds == {KILL_WORKER, TRIGGER_DIGEST}


def test_only_the_database_name_and_redis_number_are_replaced() -> None:
    assert (
        with_database("postgres://postgres:secret@db.internal:6543/test", "tipline_chaos")
        == "postgres://postgres:secret@db.internal:6543/tipline_chaos"
    )
    assert with_redis_db("redis://127.0.0.1:6379/0", 5) == "redis://127.0.0.1:6379/5"


@pytest.mark.parametrize("name", ["test", "test_tipline_chaos"])
def test_the_tests_databases_are_refused(name: str) -> None:
    with pytest.raises(SystemExit):
        with_database("postgres://postgres@127.0.0.1:5432/tipline", name)


def test_sqlite_is_refused() -> None:
    with pytest.raises(SystemExit):
        with_database("sqlite:///var/tipline.sqlite3", "tipline_chaos")


def test_the_instance_keeps_to_its_own_queue_cache_files_and_mail() -> None:
    instance = Instance(
        database_url="postgres://postgres@127.0.0.1:5432/tipline_chaos",
        redis_url="redis://127.0.0.1:6379/5",
        var_dir=Path("/srv/var/chaos/instance"),
        mail_dir=Path("/srv/var/chaos/mail"),
        logs=Path("/srv/var/chaos/logs"),
        node="chaos@host",
    )
    env = instance.environment()
    assert env["CELERY_TASK_DEFAULT_QUEUE"] == "chaos"
    assert env["REDIS_URL"].endswith("/5")
    assert env["TIPLINE_ATTACHMENT_DIR"] == "/srv/var/chaos/instance/attachments"
    assert env["TIPLINE_ATTACHMENT_STORAGE"] == "tipline.storage.AttachmentFileSystemStorage"
    assert env["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert env["DATABASE_CONN_MAX_AGE"] == "0"
    assert env["DEBUG"] == "0" and env["SECURE_COOKIES"] == "0"
    # Production settings need both secrets; every process of the run gets the same ones.
    assert env["SECRET_KEY"] and env["TIPLINE_RECEIPT_PEPPER"]
    assert instance.environment() == env
