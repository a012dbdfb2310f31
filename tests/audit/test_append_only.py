"""Nobody changes or deletes an audit event: not the ORM, not raw SQL (the database's triggers refuse)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from audit.models import AuditAction, AuditEvent, AuditLogIsAppendOnly
from audit.services import audit_record, audit_verify

TABLE = AuditEvent._meta.db_table


@pytest.mark.django_db
def test_the_orm_refuses_to_change_an_event(chain: list[AuditEvent]) -> None:
    event = AuditEvent.objects.get(seq=4)
    event.target_id = "case-99"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(seq=4).update(target_id="case-99")
    with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["target_id"])
    assert AuditEvent.objects.get(seq=4).target_id == "case-4"
    assert audit_verify().ok


@pytest.mark.django_db
def test_the_orm_refuses_to_delete_an_event(chain: list[AuditEvent]) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.get(seq=4).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(seq__gte=5).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 10
    assert audit_verify().ok


@pytest.mark.django_db
def test_an_actor_with_events_cannot_be_deleted(chain: list[AuditEvent], actor: User) -> None:
    with pytest.raises(ProtectedError):
        actor.delete()
    assert AuditEvent.objects.filter(actor=actor).count() == 7


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [f"UPDATE {TABLE} SET target_id = 'case-99' WHERE seq = 4", f"DELETE FROM {TABLE} WHERE seq = 4"],
    ids=["update", "delete"],
)
def test_the_database_refuses_raw_changes(chain: list[AuditEvent], sql: str) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.get(seq=4).target_id == "case-4"
    assert audit_verify().ok


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_to_truncate_the_log(chain: list[AuditEvent]) -> None:
    with connection.cursor() as cursor:
        # Otherwise PostgreSQL refuses for another reason: the foreign-key checks still pending in this transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE} CASCADE")
    assert AuditEvent.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_flushing_the_whole_database_empties_the_log_and_keeps_it_append_only() -> None:
    for number in range(3):
        audit_record(actor=None, action=AuditAction.EXPORT, target_type="unit", target_id=number)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert audit_verify().ok
    audit_record(actor=None, action=AuditAction.EXPORT, target_type="unit", target_id=1)
    assert audit_verify().checked == 1
    with pytest.raises(IntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
    # The test's own teardown flushes again, with an event in the log.
