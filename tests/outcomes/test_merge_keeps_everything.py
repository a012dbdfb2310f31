"""Merging two cases keeps what each had gathered: the plan, the exhibits and their custody, the outcomes.

Each app registers its own move with cases.services.on_case_merge; this test goes
through the case page's link form (cases_link) and reads everything back, decrypted,
on the target case's page.
"""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from cases.models import Case
from evidence.custody import custody_verify
from evidence.models import Exhibit, ExhibitKind
from evidence.services import exhibit_register
from investigation.models import Task
from investigation.services import task_add
from org.models import Facility
from outcomes.models import PersonConcerned, PersonRole
from outcomes.services import person_add
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.investigation.conftest import post, today, vault_of

pytestmark = pytest.mark.django_db


def test_a_merge_moves_tasks_exhibits_and_persons_and_they_open_on_the_target(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    target = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    other = submit_tip(facility=facilities["lurigancho"])[0].case_link.case
    member = cast["lima_supervisor"]
    vault = vault_of(member)
    task_add(case=other, actor=member, what="MERGE-TASK", assignee=member, due_on=None, vault=vault)
    exhibit_register(
        case=other, kind=ExhibitKind.PHONE, description="MERGE-EXHIBIT", seized_on=today(), actor=member, vault=vault
    )
    person_add(case=other, role=PersonRole.STAFF, name="MERGE-PERSON", details="", actor=member, vault=vault)

    page = post(
        staff_client("lima_supervisor"), f"/staff/cases/{target.public_id}/link/", {"other": str(other.public_id)}
    )

    assert not Case.objects.filter(pk=other.pk).exists()
    assert Task.objects.filter(case=target).count() == 1
    assert PersonConcerned.objects.filter(case=target).count() == 1
    exhibit = Exhibit.objects.get(case=target)
    assert custody_verify(exhibit).ok
    for marker in ("MERGE-TASK", "MERGE-EXHIBIT", "MERGE-PERSON"):
        assert marker in page, marker
