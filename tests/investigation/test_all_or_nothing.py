"""A task or interview and its audit entry exist together or not at all; a merge whose hook fails is undone."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import StaffMember
from cases import services as case_services
from cases.models import Case, CaseEvent
from investigation import services
from investigation.models import Interview, Task
from org.models import Facility
from tests.factories import submit_tip
from tests.investigation.conftest import today, vault_of

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


def refuse(**kwargs: Any) -> None:
    raise Refused


def test_without_its_audit_entry_no_task_or_interview_is_kept(
    case: Case, cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    member = cast["lima_investigator"]
    vault = vault_of(member)
    monkeypatch.setattr(case_services, "audit_record", refuse)  # case_change_record writes the entry
    with pytest.raises(Refused):
        services.task_add(case=case, actor=member, what="Pedir actas", assignee=member, due_on=None, vault=vault)
    with pytest.raises(Refused):
        services.interview_record(
            case=case, actor=member, held_on=today(), interviewee="Sgto. Quispe", summary="Nada.", vault=vault
        )
    assert not Task.objects.exists() and not Interview.objects.exists()
    assert not case.events.filter(kind__in=[CaseEvent.Kind.TASK_ADDED, CaseEvent.Kind.INTERVIEW_RECORDED]).exists()


def test_a_merge_hook_that_fails_undoes_the_merge(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    other = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    member = cast["lima_investigator"]
    vault = vault_of(member)
    services.task_add(case=other, actor=member, what="Pedir actas", assignee=member, due_on=None, vault=vault)
    monkeypatch.setattr(case_services, "_case_merge_hooks", [*case_services._case_merge_hooks, refuse])
    with pytest.raises(Refused):
        case_services.cases_link(target=target, other=other, actor=member, vault=vault)
    assert Case.objects.filter(pk=other.pk).exists()
    assert Task.objects.get().case_id == other.pk
