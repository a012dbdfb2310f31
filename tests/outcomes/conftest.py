"""A Lima case with a tip, its keys opened as its members' sessions would, and builders of evidence rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

import envelope
from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case
from cases.services import case_key_open, tip_data_key_open
from cases.statuses import CaseStatus
from evidence.models import CustodyEntry, Exhibit, ExhibitKind
from org.models import Facility
from tests.conftest import PASSWORD
from tests.factories import submit_tip
from tipline.models import Tip
from tipline.services import message_post_by_whistleblower

DESCRIPTION = "El tecnico Rojas del pabellon 5 cobra por dejar pasar celulares."
CONTACT = "Mi numero es 987654321, soy Maria."
REPLY = "Lo vi otra vez el domingo en la puerta principal."


@dataclass
class LimaCase:
    case: Case
    tip: Tip
    vault: dict[str, bytes]
    supervisor: StaffMember
    investigator: StaffMember

    @property
    def key(self) -> bytes:
        return case_key_open(case=self.case, vault=self.vault)


@pytest.fixture
def lima(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> LimaCase:
    tip, _receipt = submit_tip(facility=facilities["lurigancho"], description=DESCRIPTION, contact=CONTACT)
    supervisor = cast["lima_supervisor"]
    vault = staff_unlock_keys(member=supervisor, password=PASSWORD)
    message_post_by_whistleblower(tip=tip, data_key=tip_data_key_open(tip=tip, vault=vault), body=REPLY)
    case = tip.case_link.case
    return LimaCase(case=case, tip=tip, vault=vault, supervisor=supervisor, investigator=cast["lima_investigator"])


def set_status(case: Case, status: str) -> None:
    Case.objects.filter(pk=case.pk).update(status=status)
    case.status = status


def investigating(lima: LimaCase) -> Case:
    set_status(lima.case, CaseStatus.INVESTIGATING)
    return lima.case


def exhibit_make(lima: LimaCase, *, description: str, content: bytes = b"") -> Exhibit:
    """A seized item as evidence/services would register it, with one custody entry (rows built here directly)."""
    exhibit = Exhibit(
        case=lima.case,
        kind=ExhibitKind.DIGITAL_FILE if content else ExhibitKind.PHONE,
        seized_on=lima.case.received_on,
        holder=lima.supervisor,
        registered_by=lima.supervisor,
        sha256=hashlib.sha256(content).hexdigest() if content else "",
    )
    sealed = envelope.seal_fields(
        envelope.EXHIBIT,
        lima.case.public_id,
        exhibit.public_id,
        key=lima.key,
        description=description,
        file_key=b"",
        file_name="video.mp4" if content else "",
    )
    for column, value in sealed.items():
        setattr(exhibit, column, value)
    exhibit.save()
    entry = CustodyEntry(
        exhibit=exhibit,
        seq=1,
        kind=CustodyEntry.Kind.REGISTERED,
        to_member=lima.supervisor,
        signed_by=lima.supervisor,
        prev_digest="0" * 64,
        digest="a" * 64,
    )
    entry.remarks_ct = envelope.seal_field(
        envelope.CUSTODY_ENTRY,
        "remarks",
        lima.case.public_id,
        exhibit.public_id,
        entry.public_id,
        key=lima.key,
        value="Lacrado en bolsa 12",
    )
    entry.save()
    return exhibit
