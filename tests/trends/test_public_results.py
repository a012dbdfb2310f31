"""The public figures page: quarterly, nationwide, in Spanish and English, no JavaScript, small counts suppressed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from accounts.models import StaffMember
from cases.models import Case
from evidence.models import CellSearch
from org.models import Facility
from tests.factories import public_client
from tests.trends.conftest import Desk
from trends.public import complete_quarters

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_quarter(desk: Desk, cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> datetime.date:
    """In the last complete quarter: 12 reports, and one search they prompted that found 3 phones."""
    first_day, _last_day = complete_quarters(timezone.localdate())[0]
    day = first_day + datetime.timedelta(days=40)
    tips = [desk.submit(facilities["lurigancho"], on=day) for _ in range(12)]
    CellSearch.objects.create(
        unit=facilities["lurigancho"].region.unit,
        facility=facilities["lurigancho"],
        held_on=day,
        prompted_by=Case.objects.get(case_tips__tip=tips[0]),
        phones_found=3,
        recorded_by=cast["lima_supervisor"],
    )
    return first_day


def _figures(page: str) -> dict[str, list[str]]:
    table = page[page.index('id="results-figures"') : page.index("</table>")]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table)
    return {label: re.findall(r"<td>(.*?)</td>", cells) for label, cells in rows}


def test_spanish_by_default_exact_and_suppressed_figures(last_quarter: datetime.date) -> None:
    page = public_client("es").get("/results/").content.decode()

    figures = _figures(page)
    assert figures["Denuncias recibidas"] == ["10", "menos de 5", "menos de 5", "menos de 5"]
    assert figures["Celulares incautados en requisas motivadas por denuncias"][0] == "menos de 5"
    assert len(figures) == 4


def test_english_on_request(last_quarter: datetime.date) -> None:
    page = public_client("en").get("/results/").content.decode()

    figures = _figures(page)
    assert figures["Reports received"][0] == "10"
    assert figures["Phones seized in searches prompted by reports"][0] == "fewer than 5"


def test_no_script_no_facility_and_nothing_from_another_host(last_quarter: datetime.date) -> None:
    page = public_client("es").get("/results/").content.decode()

    assert "<script" not in page
    assert "Lurigancho" not in page, "nationwide only: a small prison's figures would point at its people"
    assert not re.search(r'(src|href)="https?://', page)


def test_the_landing_page_links_to_it(cast: dict[str, StaffMember]) -> None:
    assert 'href="/results/"' in public_client("es").get("/").content.decode()


def test_the_figures_are_cached(last_quarter: datetime.date, facilities: dict[str, Facility], desk: Desk) -> None:
    client = public_client("en")
    assert _figures(client.get("/results/").content.decode())["Reports received"][0] == "10"
    for _ in range(5):
        desk.submit(facilities["lurigancho"], on=last_quarter + datetime.timedelta(days=41))

    assert _figures(client.get("/results/").content.decode())["Reports received"][0] == "10"
