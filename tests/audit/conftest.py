"""Fixtures for the audit log tests: a chain of events and an auditor."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from tests.conftest import PASSWORD


@pytest.fixture
def actor(db: None) -> User:
    return get_user_model().objects.create_user(username="ana_investigator", password=PASSWORD)


@pytest.fixture
def chain(actor: User) -> list[AuditEvent]:
    """Ten events of different kinds, by a person and by the system."""
    events = []
    for number in range(1, 11):
        events.append(
            audit_record(
                actor=actor if number % 3 else None,
                action=AuditAction.STATUS_CHANGED if number % 2 else AuditAction.TIP_VIEWED,
                target_type="case",
                target_id=f"case-{number}",
                unit_id=7 if number % 2 else None,
                details={"from": "received", "to": "triage", "step": number},
            )
        )
    return events


@pytest.fixture
def auditor(db: None) -> StaffMember:
    user = get_user_model().objects.create_user(username="auditor", password=PASSWORD)
    return staff_member_create(user=user, role=Role.AUDITOR, password=PASSWORD)
