"""Confirming a suggested link merges the other case, and its tips, into this one."""

from __future__ import annotations

import pytest

from accounts.models import StaffMember
from audit.models import AuditEvent
from cases.models import Case
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.linking.conftest import record
from tipline.models import Tip

pytestmark = pytest.mark.django_db


def test_merging_a_suggested_case_puts_both_tips_in_one_case(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    first, _ = submit_tip(facility=facilities["lurigancho"], description="Primer aviso sobre el Sgto. Pérez.")
    second, _ = submit_tip(facility=facilities["lurigancho"], description="Segundo aviso sobre el Sgto. Pérez.")
    for tip in (first, second):
        record(cast["lima_investigator"], tip, "person", "Sgto. Pérez")
    this, other = first.case_link.case, second.case_link.case
    client = staff_client("lima_investigator")
    page = client.get(f"/staff/cases/{this.public_id}/").content.decode()
    assert f'name="other" value="{other.public_id}"' in page

    response = client.post(
        f"/staff/linking/cases/{this.public_id}/merge/", {"other": str(other.public_id)}, follow=True
    )

    page = response.content.decode()
    assert "alert-success" in page
    assert "Primer aviso" in page and "Segundo aviso" in page
    assert set(Tip.objects.filter(case_link__case=this)) == {first, second}
    assert not Case.objects.filter(pk=other.pk).exists()
    assert AuditEvent.objects.filter(action="tips_linked", target_id=str(this.public_id)).exists()
    # Now one case: nothing left to suggest.
    assert 'id="suggested-links"' not in page


def test_a_case_of_another_unit_cannot_be_merged(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    lima_tip, _ = submit_tip(facility=facilities["lurigancho"])
    norte_tip, _ = submit_tip(facility=facilities["trujillo"])
    this, norte_case = lima_tip.case_link.case, norte_tip.case_link.case

    page = (
        staff_client("lima_investigator")
        .post(f"/staff/linking/cases/{this.public_id}/merge/", {"other": str(norte_case.public_id)}, follow=True)
        .content.decode()
    )

    assert "alert-danger" in page
    assert Tip.objects.get(pk=norte_tip.pk).case_link.case == norte_case


def test_only_readers_of_the_case_can_merge_into_it(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    first, _ = submit_tip(facility=facilities["lurigancho"])
    second, _ = submit_tip(facility=facilities["lurigancho"])
    this, other = first.case_link.case, second.case_link.case
    for username in ("norte_investigator", "manager"):
        response = staff_client(username).post(
            f"/staff/linking/cases/{this.public_id}/merge/", {"other": str(other.public_id)}
        )
        assert response.status_code == 404
    assert Case.objects.filter(pk=other.pk).exists()
