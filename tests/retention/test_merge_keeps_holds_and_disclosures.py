"""Merging a case into another keeps what protects it: its legal holds and its disclosure requests go with it."""

from __future__ import annotations

import envelope
from accounts.models import StaffMember
from cases.services import cases_link
from identity.models import DisclosureRequest
from identity.services import disclosure_request
from org.models import Facility
from retention.models import LegalHold
from retention.services import legal_hold_place
from tests.factories import submit_tip
from tests.retention.conftest import vault_of


def test_a_merged_cases_hold_and_disclosure_request_move_to_the_case_it_joins(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    supervisor = cast["lima_supervisor"]
    investigator = cast["lima_investigator"]
    vault = vault_of(supervisor)
    target_tip, _ = submit_tip(facility=facilities["lurigancho"], description="Celulares en el pabellón 2.")
    other_tip, _ = submit_tip(
        facility=facilities["lurigancho"], description="Celulares en el pabellón 3.", contact="Casilla 123, Lima"
    )
    target, other = target_tip.case_link.case, other_tip.case_link.case
    legal_hold_place(case=other, actor=supervisor, reason="Orden judicial: conservar el expediente", vault=vault)
    disclosure_request(
        case=other,
        identity=other_tip.reserved_identities.get(),
        actor=investigator,
        reason="Necesitamos coordinar su traslado temporal de puesto.",
    )

    cases_link(target=target, other=other, actor=supervisor, vault=vault)

    hold = LegalHold.objects.get()
    assert hold.case_id == target.pk and hold.is_active
    target_key = envelope.open_case_for_unit(
        target, unit_private_key=next(value for name, value in vault.items() if name.startswith("unit_key:"))
    )
    reason = envelope.open_field(envelope.LEGAL_HOLD, "reason", hold, target.public_id, hold.public_id, key=target_key)
    assert reason == "Orden judicial: conservar el expediente"
    assert DisclosureRequest.objects.get().case_id == target.pk
