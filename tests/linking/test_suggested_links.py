"""Suggested links on the case page: shared pseudonyms first, then the same prison, category and channel."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import StaffMember
from cases.models import Case
from cases.services import recusal_add
from linking import matching, selectors
from linking.selectors import suggested_links
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.linking.conftest import record
from tipline.models import Category, SmugglingChannel, Tip

pytestmark = pytest.mark.django_db

NORTE_SECRET = "el carro azul del cuñado entra por la garita"


def _case(facility: Facility, *, days_ago: int = 0, **fields: object) -> tuple[Tip, Case]:
    tip, _ = submit_tip(facility=facility, **fields)
    case = tip.case_link.case
    if days_ago:
        day = timezone.localdate() - datetime.timedelta(days=days_ago)
        Tip.objects.filter(pk=tip.pk).update(received_on=day)
        Case.objects.filter(pk=case.pk).update(received_on=day)
        case.refresh_from_db()
        tip.refresh_from_db()
    return tip, case


@dataclass
class Crafted:
    this: Case
    same_person: Case
    norte: Case
    recused: Case
    within_30_days: Case
    at_31_days: Case
    other_channel: Case
    other_category: Case


@pytest.fixture
def crafted(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> Crafted:
    lima, norte = cast["lima_investigator"], cast["norte_investigator"]
    lurigancho, trujillo = facilities["lurigancho"], facilities["trujillo"]
    this_tip, this = _case(lurigancho)
    record(lima, this_tip, "person", "Sgto. Juan Pérez")
    record(lima, this_tip, "phone", "987 654 321")
    # Another Lima case naming the same sergeant and phone, but of another category: linked by pseudonyms only.
    same_tip, same_person = _case(lurigancho, category=Category.BRIBERY, days_ago=200)
    record(lima, same_tip, "person", "sargento JUAN PEREZ")
    record(lima, same_tip, "phone", "+51 987-654-321")
    norte_tip, norte_case = _case(trujillo, description=NORTE_SECRET)
    record(norte, norte_tip, "person", "Juan Pérez (técnico)")
    recused_tip, recused = _case(lurigancho, category=Category.DRUGS_WEAPONS)
    record(cast["lima_supervisor"], recused_tip, "person", "Juan Perez")
    recusal_add(case=recused, member=lima, actor=cast["lima_supervisor"])
    return Crafted(
        this=this,
        same_person=same_person,
        norte=norte_case,
        recused=recused,
        within_30_days=_case(lurigancho, days_ago=30)[1],
        at_31_days=_case(lurigancho, days_ago=31)[1],
        other_channel=_case(lurigancho, days_ago=3, smuggling_channel=SmugglingChannel.STAFF)[1],
        other_category=_case(lurigancho, days_ago=3, category=Category.NEGLIGENCE)[1],
    )


def test_cases_sharing_a_pseudonym_come_first_then_the_metadata_rule(
    crafted: Crafted, cast: dict[str, StaffMember]
) -> None:
    links = suggested_links(case=crafted.this, member=cast["lima_investigator"])

    # Linked blind with a score and the evidence in words; the phone is also counted as shared.
    assert [(link.case, link.shared_entities, link.can_merge) for link in links.by_entity] == [
        (crafted.same_person, 1, True)
    ]
    (same,) = links.by_entity
    assert same.score >= 0.95 and {"same_phone", "same_first_name"} <= set(same.evidence)
    with translation.override("en"):
        assert "same phone number" in same.evidence_words
    # The Norte tip names the same sergeant (first name and surname) at another prison.
    assert [(link.unit_name, link.facility_name) for link in links.elsewhere] == [("Norte IA", "E.P. Trujillo (test)")]
    assert links.elsewhere[0].score >= 0.6 and links.elsewhere[0].link_id is not None
    # 30 days before is within the window; 31 days, another channel or another category are not.
    assert [link.case for link in links.by_metadata] == [crafted.within_30_days]
    assert crafted.recused not in [link.case for link in links.by_entity + links.by_metadata]


def test_the_window_runs_both_ways(crafted: Crafted, cast: dict[str, StaffMember]) -> None:
    links = suggested_links(case=crafted.within_30_days, member=cast["lima_investigator"])
    assert crafted.this in [link.case for link in links.by_metadata]
    assert crafted.at_31_days in [link.case for link in links.by_metadata]  # one day apart


def test_the_case_page_shows_the_links_and_nothing_of_the_other_units_tip(
    crafted: Crafted, cast: dict[str, StaffMember]
) -> None:
    page = staff_client("lima_investigator").get(f"/staff/cases/{crafted.this.public_id}/").content.decode()

    section = page[page.index('id="suggested-links"') :]
    section = section[: section.index("</section>")]
    assert f"/staff/cases/{crafted.same_person.public_id}/" in section
    assert f'name="other" value="{crafted.same_person.public_id}"' in section
    assert f"/staff/cases/{crafted.within_30_days.public_id}/" in section
    assert "Norte IA · E.P. Trujillo (test)" in section
    for absent in (crafted.norte, crafted.recused):
        assert str(absent.public_id) not in page
    # Cases of the unit that are not suggested are still in the page's own "link a related case" picker.
    for not_suggested in (crafted.at_31_days, crafted.other_channel, crafted.other_category):
        assert str(not_suggested.public_id) not in section
    assert NORTE_SECRET not in page and "técnico)" not in page


def test_a_recused_member_learns_nothing_of_the_case_they_are_recused_from(
    crafted: Crafted, cast: dict[str, StaffMember]
) -> None:
    links = suggested_links(case=crafted.this, member=cast["lima_investigator"])
    supervisor_links = suggested_links(case=crafted.this, member=cast["lima_supervisor"])
    assert len(links.elsewhere) == 1  # the Norte case only: the recused case is not even counted
    assert crafted.recused in [link.case for link in supervisor_links.by_entity]


def test_the_norte_investigator_sees_the_lima_cases_only_as_links_elsewhere(
    crafted: Crafted, cast: dict[str, StaffMember]
) -> None:
    links = suggested_links(case=crafted.norte, member=cast["norte_investigator"])
    assert links.by_entity == [] and links.by_metadata == []
    assert [link.unit_name for link in links.elsewhere] == ["Lima IA", "Lima IA", "Lima IA"]
    assert all(link.score >= 0.6 and link.evidence for link in links.elsewhere)


def test_roles_without_tip_access_get_no_links(crafted: Crafted, cast: dict[str, StaffMember]) -> None:
    assert not suggested_links(case=crafted.this, member=cast["manager"]).exist


def test_an_entity_named_everywhere_is_looked_up_in_bounded_slices_own_unit_first(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "MATCHES_PER_PSEUDONYM", 2)
    monkeypatch.setattr(matching, "MATCHES_PER_PSEUDONYM", 2)
    lima, norte = cast["lima_investigator"], cast["norte_investigator"]
    this_tip, this = _case(facilities["lurigancho"], category=Category.ABUSE)
    older_lima_tip, older_lima = _case(facilities["lurigancho"], category=Category.ABUSE)
    norte_tips = [_case(facilities["trujillo"])[0] for _ in range(4)]
    for member, tip in [(lima, this_tip), (lima, older_lima_tip), *((norte, tip) for tip in norte_tips)]:
        record(member, tip, "phone", "987 654 321")

    links = suggested_links(case=this, member=lima)

    # Only the 2 newest tips of the crowd are read (and each new tip linked to its 2 newest), but the
    # member's own unit is looked for first.
    assert [link.case for link in links.by_entity] == [older_lima]
    assert 2 <= len(links.elsewhere) <= 3
    assert links.crowded_entities == 1


def test_the_number_of_queries_does_not_grow_with_the_links(
    crafted: Crafted, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    member = StaffMember.objects.get(pk=cast["lima_investigator"].pk)
    case = Case.objects.get(pk=crafted.this.pk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            suggested_links(case=case, member=member)
        return len(captured)

    before = queries()
    for facility, investigator in (("lurigancho", "lima_investigator"), ("trujillo", "norte_investigator")):
        for _ in range(3):
            record(cast[investigator], _case(facilities[facility])[0], "person", "Juan Pérez")
    assert len(suggested_links(case=case, member=member).elsewhere) == 4
    assert queries() == before
    # Member, recusals, national units, case tips, stored links, their cases, the strong pseudonyms and one
    # query per pseudonym, tip -> case, cases, the hints' links and cases, metadata (with visibility).
    assert before <= 20
