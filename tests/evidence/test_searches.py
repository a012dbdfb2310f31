"""Cell searches: recorded by the unit for its own prisons, newest first; one a case prompted takes its category."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import Case, CaseEvent
from evidence.models import CellSearch
from org.models import Facility
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


def search_data(facility: Facility, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "facility": facility.pk,
        "area": "Pabellón 5",
        "held_on": datetime.date.today().isoformat(),
        "phones": 3,
        "sim_cards": 2,
        "chargers": 1,
        "drugs": 0,
        "weapons": 0,
        "other": 0,
    }
    data.update(overrides)
    return data


def test_a_search_is_recorded_and_listed(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    client = staff_client("lima_investigator")
    response = client.post("/staff/evidence/searches/", search_data(facilities["lurigancho"]), follow=True)
    page = response.content.decode()
    assert "La requisa quedó registrada." in page and "Pabellón 5" in page
    search = CellSearch.objects.get()
    assert (search.phones_found, search.prompted_by, search.category) == (3, None, "")
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH_RECORDED).exists()


def test_a_search_a_case_prompted_takes_its_category(case: Case, cast: dict[str, StaffMember]) -> None:
    client = staff_client("lima_supervisor")
    form = client.get(f"/staff/evidence/searches/?case={case.public_id}").content.decode()
    assert "Registrar una requisa motivada por este caso" in form
    response = client.post(
        f"/staff/evidence/searches/?case={case.public_id}", {**search_data(case.facility), "case": str(case.public_id)}
    )
    assert response.status_code == 302 and str(case.public_id) in response["Location"]
    search = CellSearch.objects.get()
    assert (search.prompted_by, search.category, search.smuggling_channel) == (
        case,
        case.category,
        case.smuggling_channel,
    )
    assert case.events.filter(kind=CaseEvent.Kind.SEARCH_RECORDED).exists()


def test_another_units_prison_and_a_future_day_are_refused(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    client = staff_client("lima_investigator")
    assert client.post("/staff/evidence/searches/", search_data(facilities["trujillo"])).status_code == 400
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    assert (
        client.post("/staff/evidence/searches/", search_data(facilities["lurigancho"], held_on=tomorrow)).status_code
        == 400
    )
    assert not CellSearch.objects.exists()


def test_another_unit_does_not_see_the_searches(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    staff_client("lima_investigator").post("/staff/evidence/searches/", search_data(facilities["lurigancho"]))
    page = staff_client("norte_investigator").get("/staff/evidence/searches/").content.decode()
    assert "Pabellón 5" not in page


def test_another_units_case_cannot_prompt_a_search(case: Case, cast: dict[str, StaffMember]) -> None:
    assert staff_client("norte_investigator").get(f"/staff/evidence/searches/?case={case.public_id}").status_code == 404


def test_the_exhibit_form_offers_the_case_s_searches_and_the_prison_s_recent_ones(
    case: Case, cast: dict[str, StaffMember]
) -> None:
    from django.utils import timezone

    from evidence.models import CellSearch
    from evidence.selectors import RECENT_SEARCH_DAYS, case_searches

    supervisor = cast["lima_supervisor"]
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=RECENT_SEARCH_DAYS + 10)

    def search(held_on: datetime.date, prompted_by: Case | None = None) -> CellSearch:
        return CellSearch.objects.create(
            unit=case.unit, facility=case.facility, held_on=held_on, prompted_by=prompted_by, recorded_by=supervisor
        )

    recent, old, old_prompted = search(today), search(long_ago), search(long_ago, prompted_by=case)

    offered = set(case_searches(case=case))
    assert recent in offered and old_prompted in offered
    assert old not in offered  # a prison holds thousands of searches over the years: the menu stays short
