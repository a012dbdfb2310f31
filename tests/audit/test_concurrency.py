"""Writers in several threads at once still build one unbroken chain (PostgreSQL, which has row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record, audit_verify

THREADS = 8
EVENTS_PER_THREAD = 20


class _Abandoned(Exception):
    pass


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks; production is PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_build_one_unbroken_chain() -> None:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            start.wait()
            for number in range(EVENTS_PER_THREAD):
                target = f"{worker}-{number}"
                audit_record(actor=None, action=AuditAction.TIP_VIEWED, target_type="tip", target_id=target)
                # Some actions fail after recording: their events roll back and must leave no gap.
                try:
                    with transaction.atomic():
                        audit_record(actor=None, action=AuditAction.EXPORT, target_type="tip", target_id=target)
                        if number % 3 == 0:
                            raise _Abandoned
                except _Abandoned:
                    pass
        except BaseException as exc:  # noqa: BLE001 - reported to the test's thread below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(worker,)) for worker in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    kept_exports = THREADS * sum(1 for number in range(EVENTS_PER_THREAD) if number % 3)
    expected = THREADS * EVENTS_PER_THREAD + kept_exports
    result = audit_verify()
    assert result.ok, result.reason
    assert result.checked == expected
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, expected + 1))
    assert AuditEvent.objects.filter(action=AuditAction.TIP_VIEWED).count() == THREADS * EVENTS_PER_THREAD
