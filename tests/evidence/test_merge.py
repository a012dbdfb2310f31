"""Merging cases moves their exhibits: content sealed again under the kept case's key, the custody chain still verified."""

from __future__ import annotations

import pytest
from django.db import transaction

import envelope
from accounts.models import StaffMember
from cases.models import Case
from cases.permissions import CaseActionRefused
from cases.services import case_key_open
from evidence.custody import custody_transfer, custody_verify
from evidence.models import CustodyEntry, Exhibit
from evidence.selectors import exhibit_detail
from evidence.services import exhibit_identifier_add, exhibits_move_to_case
from linking.models import EntityKind
from org.models import Facility
from tests.conftest import PASSWORD
from tests.evidence.conftest import DESCRIPTION, vault_of
from tests.factories import submit_tip

pytestmark = pytest.mark.django_db


def test_exhibits_move_to_the_kept_case(
    exhibit: Exhibit, case: Case, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    investigator, supervisor = cast["lima_investigator"], cast["lima_supervisor"]
    vault = vault_of(investigator)
    exhibit_identifier_add(exhibit=exhibit, kind=EntityKind.PHONE, value="987654321", actor=investigator, vault=vault)
    custody_transfer(
        exhibit=exhibit, to_member=supervisor, actor=investigator, password=PASSWORD, remarks="Sobre 7", vault=vault
    )
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Otro reporte del mismo celular.")
    target = tip.case_link.case
    with transaction.atomic():
        moved = exhibits_move_to_case(
            target=target,
            other=case,
            target_key=case_key_open(case=target, vault=vault),
            other_key=case_key_open(case=case, vault=vault),
        )
    assert moved == 1
    exhibit = Exhibit.objects.select_related("case").get(pk=exhibit.pk)
    assert exhibit.case == target
    assert custody_verify(exhibit).ok
    detail = exhibit_detail(exhibit=exhibit, member=supervisor, vault=vault_of(supervisor))
    assert detail.view.description == DESCRIPTION
    assert [item.remarks for item in detail.custody] == ["", "Sobre 7"]
    assert [identifier.value for identifier in detail.view.identifiers] == ["987654321"]
    with pytest.raises(envelope.CryptoError):
        envelope.open_field(
            envelope.EXHIBIT,
            "description",
            exhibit,
            case.public_id,
            exhibit.public_id,
            key=case_key_open(case=case, vault=vault),
        )


def test_a_broken_chain_is_not_moved(
    exhibit: Exhibit, case: Case, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    CustodyEntry.objects.filter(exhibit=exhibit).update(to_outside_ct=b"x")
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description="Otro.")
    vault = vault_of(cast["lima_investigator"])
    with pytest.raises(CaseActionRefused), transaction.atomic():
        exhibits_move_to_case(
            target=tip.case_link.case,
            other=case,
            target_key=case_key_open(case=tip.case_link.case, vault=vault),
            other_key=case_key_open(case=case, vault=vault),
        )
    assert Exhibit.objects.get(pk=exhibit.pk).case == case
