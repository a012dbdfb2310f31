"""The case page's pickers (and the related-case search's buttons) name tips and cases by their public UUIDs, never by their row numbers.

Sequential ids in option values told any staff member reading the page source in what
order reports arrived (and, against the dates around them, roughly when), and let them
count the reports of other units in between.
"""

from __future__ import annotations

import re

import pytest

from accounts.models import StaffMember
from cases.models import Case
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tipline.models import Tip

pytestmark = pytest.mark.django_db


def options(page: str, name: str) -> list[str]:
    """Return the option values of the <select> named `name`, as the page sends them."""
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no picker named {name}"
    return [value for value in re.findall(r'<option value="([^"]*)"', found.group(1)) if value]


def test_the_message_and_link_pickers_offer_public_ids_and_a_picked_one_works(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    first, _ = submit_tip(facility=facilities["lurigancho"], description="Primera denuncia sobre el técnico.")
    second, _ = submit_tip(facility=facilities["lurigancho"], description="Segunda denuncia, mismo técnico.")
    target, other = first.case_link.case, second.case_link.case
    investigator = staff_client("lima_investigator")

    page = investigator.get(f"/staff/cases/{target.public_id}/").content.decode()
    # The related case is found by a search (tests/cases/test_link_search.py); each result has its own button.
    found = investigator.get(f"/staff/cases/{target.public_id}/?link_q=lurigancho").content.decode()
    results = found.split('id="link-search-results"', 1)[1].split("</ul>", 1)[0]
    linkable = re.findall(r'name="other" value="([^"]*)"', results)

    assert options(page, "tip") == [str(first.public_id)]
    assert linkable == [str(other.public_id)]
    row_numbers = {
        str(pk) for pk in [*Tip.objects.values_list("pk", flat=True), *Case.objects.values_list("pk", flat=True)]
    }
    assert not row_numbers & {*options(page, "tip"), *linkable}

    # What the page offers is what the form takes: the related case is merged.
    response = investigator.post(f"/staff/cases/{target.public_id}/link/", {"other": linkable[0]})
    assert response.status_code == 302
    assert set(Tip.objects.filter(case_link__case=target)) == {first, second}

    # A row number typed in instead is refused.
    third, _ = submit_tip(facility=facilities["lurigancho"], description="Tercera denuncia.")
    investigator.post(f"/staff/cases/{target.public_id}/link/", {"other": str(third.case_link.case.pk)})
    assert Case.objects.filter(pk=third.case_link.case.pk).exists()
