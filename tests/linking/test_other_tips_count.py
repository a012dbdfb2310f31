"""How many other reports name an entity: exact when small, capped when the entity is named everywhere."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from linking import selectors
from org.models import Facility
from tests.factories import submit_tip
from tests.linking.conftest import record, vault_of

pytestmark = pytest.mark.django_db


def test_the_count_is_exact_below_the_cap_and_capped_above(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    investigator = cast["lima_investigator"]
    tips = [submit_tip(facility=facilities["lurigancho"])[0] for _ in range(5)]
    for tip in tips:
        record(investigator, tip, "person", "Sgto. Juan Pérez")
    entities = selectors.tip_entities(tip=tips[0], text="", member=investigator, vault=vault_of(investigator))
    assert [(m.other_tips, m.other_tips_capped) for m in entities.mentions] == [(4, False)]

    monkeypatch.setattr(selectors, "OTHER_TIPS_CAP", 2)
    entities = selectors.tip_entities(tip=tips[0], text="", member=investigator, vault=vault_of(investigator))
    assert [(m.other_tips, m.other_tips_capped) for m in entities.mentions] == [(2, True)]
