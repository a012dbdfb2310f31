"""The counts the managers' trends may read: how often each pseudonym is named, and nothing else."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from linking.selectors import pseudonyms_repeated
from org.models import Facility
from tests.factories import submit_tip
from tests.linking.conftest import record

pytestmark = pytest.mark.django_db


def test_repeatedly_named_pseudonyms_come_with_counts_only(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    lima, norte = cast["lima_investigator"], cast["norte_investigator"]
    tips = [submit_tip(facility=facilities["lurigancho"])[0] for _ in range(3)]
    norte_tip, _ = submit_tip(facility=facilities["trujillo"])
    for tip in tips:
        record(lima, tip, "person", "Sgto. Juan Pérez")
    record(norte, norte_tip, "person", "sargento JUAN PEREZ")
    record(lima, tips[0], "phone", "987 654 321")
    record(lima, tips[1], "phone", "987-654-321")
    record(lima, tips[2], "vehicle", "ABC-123")  # named once: not repeated

    rows = list(pseudonyms_repeated())

    assert [(row["kind"], row["tips"], row["facilities"]) for row in rows] == [("person", 4, 2), ("phone", 2, 1)]
    assert all(set(row) == {"pseudonym", "kind", "tips", "facilities"} for row in rows)
    assert [row["kind"] for row in pseudonyms_repeated(min_tips=3)] == ["person"]
