"""A field with nothing stored (added after the tip was written) shows as empty; it never sends staff to log in."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import StaffMember
from cases.models import Case
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import report_data
from tipline.models import Tip

pytestmark = pytest.mark.django_db


def test_the_case_page_shows_a_tip_whose_later_field_holds_no_ciphertext(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    description = "Un técnico recibe celulares en el pabellón 2 (inventado)."
    assert Client().post("/report/", report_data(facilities["lurigancho"], description=description)).status_code == 200
    # As an older row would hold a field added later: the column's default, no ciphertext at all.
    Tip.objects.update(contact_ct=b"", occurred_on_ct=b"")
    case = Case.objects.get()

    response = staff_client("lima_investigator").get(f"/staff/cases/{case.public_id}/")

    assert response.status_code == 200, "an absent field must not bounce the investigator to the login page"
    assert description in response.content.decode()
