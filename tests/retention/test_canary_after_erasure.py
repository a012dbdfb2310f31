"""The canary test of deletion: nothing of a deleted tip opens with any key the system or the escrow holds.

A tip with canary text in every field, a reserved contact, a reply, an attachment;
a note, a task, an interview, a digital exhibit, a person concerned and a legal hold
reason on its case. Once it is closed, past its schedule, and deleted: every key
column is empty, no canary byte is left in any table, the attachment store or the
audit log; the receipt opens the "closed and deleted" page; the roll-ups keep their
counts; the audit chain verifies and holds the deletion record.
"""

from __future__ import annotations

import base64
import datetime
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

import envelope
from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from audit.services import audit_chain_verify
from cases.models import Case
from cases.services import note_add
from cases.statuses import CaseStatus
from evidence.models import Exhibit, ExhibitKind
from identity.models import DisclosureRequest
from investigation.services import interview_record, task_add
from linking.models import EntityKind, EntityMention
from linking.services import mention_record
from org.models import Facility
from outcomes.services import person_add
from retention.models import LegalHold
from retention.services import case_erase, legal_hold_lift, legal_hold_place
from tests.conftest import staff_client
from tests.factories import receipt_from, report_data
from tests.retention.conftest import LATER, close, vault_of
from tipline import storage
from tipline.models import Attachment, Message, ReservedIdentity, Tip
from trends.models import CaseRollup, TipRollup
from trends.services import rollups_rebuild

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache")]


def needles(canary: str) -> list[bytes]:
    raw = canary.encode()
    return [raw, base64.b64encode(raw), raw.hex().encode()]


def database_bytes() -> list[tuple[str, bytes]]:
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names come from introspection
            for row in cursor.fetchall():
                for value in row:
                    if value is not None:
                        data = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                        values.append((table, data))
    return values


def counts() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    rollups_rebuild()
    tips = sorted(TipRollup.objects.values_list("week", "facility_id", "category", "tips"))
    cases = sorted(CaseRollup.objects.values_list(*[f.attname for f in CaseRollup._meta.concrete_fields][1:]))
    return tips, cases


def test_nothing_of_a_deleted_tip_opens_with_any_key_and_no_canary_byte_remains(
    cast: dict[str, StaffMember], facilities: Facility, custodian: StaffMember
) -> None:
    tag = uuid.uuid4().hex[:10]
    canary = {
        name: f"{name.upper()}-CANARY-{tag}"
        for name in ("description", "contact", "reply", "filename", "filebytes", "note", "task", "interview")
    }
    canary.update({name: f"{name.upper()}-CANARY-{tag}" for name in ("exhibit", "exhibitfile", "person", "hold")})

    public = Client()
    upload = SimpleUploadedFile(f"{canary['filename']}.txt", canary["filebytes"].encode() * 50, "text/plain")
    response = public.post(
        "/report/",
        {
            **report_data(
                facilities["lurigancho"],  # type: ignore[index]
                description=f"El técnico Rojas cobra: {canary['description']}",
                contact=canary["contact"],
            ),
            "attachments": [upload],
        },
    )
    receipt = receipt_from(response.content.decode())
    assert public.post("/followup/", {"receipt": receipt}).status_code == 302
    assert public.post("/followup/", {"action": "reply", "body": canary["reply"]}).status_code == 302

    tip = Tip.objects.get()
    case = tip.case_link.case
    supervisor, investigator = cast["lima_supervisor"], cast["lima_investigator"]
    vault = vault_of(supervisor)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.INVESTIGATING)
    case.refresh_from_db()
    note_add(case=case, actor=supervisor, body=canary["note"], vault=vault)
    task_add(case=case, actor=supervisor, what=canary["task"], assignee=investigator, due_on=None, vault=vault)
    interview_record(
        case=case,
        actor=supervisor,
        held_on=datetime.date.today(),
        interviewee=canary["interview"],
        summary=canary["interview"],
        vault=vault,
    )
    person_add(case=case, role="staff", name=canary["person"], details=canary["person"], actor=supervisor, vault=vault)
    exhibit_upload = SimpleUploadedFile("foto.jpg", canary["exhibitfile"].encode() * 50, "image/jpeg")
    staff_client("lima_investigator").post(
        f"/staff/evidence/cases/{case.public_id}/exhibits/",
        {
            "kind": ExhibitKind.DIGITAL_FILE,
            "description": canary["exhibit"],
            "seized_on": datetime.date.today().isoformat(),
            "file": exhibit_upload,
        },
    )
    mention_record(tip=tip, kind=EntityKind.PHONE, value="987654321", actor=supervisor, vault=vault)
    hold = legal_hold_place(case=case, actor=supervisor, reason=canary["hold"], vault=vault)
    legal_hold_lift(hold=hold, actor=supervisor)

    assert ReservedIdentity.objects.filter(tip=tip).exists()
    assert EntityMention.objects.filter(tip=tip, pseudonym__isnull=False).exists()
    assert Attachment.objects.filter(tip=tip).count() == 1
    assert Exhibit.objects.filter(case=case).exclude(storage_name="").count() == 1
    stored_before = set(storage.file_names())
    assert stored_before
    case = close(case, CaseStatus.UNSUBSTANTIATED, datetime.date(2026, 3, 1))
    counted = counts()

    case_erase(case=case, today=LATER)

    tip.refresh_from_db()
    case.refresh_from_db()
    assert case.erased_on == LATER and tip.erased_on == LATER
    for column in ("data_key_for_unit", "data_key_for_escrow", "data_key_for_receipt", "description_ct", "contact_ct"):
        assert bytes(getattr(tip, column)) == b"", column
    for column in ("case_key_for_unit", "case_key_for_escrow", "title_ct", "closing_reason_ct"):
        assert bytes(getattr(case, column)) == b"", column
    escrow = settings.TEST_ESCROW_PRIVATE_KEY
    with pytest.raises(envelope.CryptoError):
        envelope.open_tip_with_escrow(tip, escrow_private_key=escrow)
    with pytest.raises(envelope.CryptoError):
        envelope.open_tip_with_receipt(tip, receipt=envelope.receipt_keys(envelope.normalise_receipt(receipt) or ""))
    from cases.services import case_key_open, tip_data_key_open

    with pytest.raises(envelope.CryptoError):
        tip_data_key_open(tip=tip, vault=vault)
    with pytest.raises(envelope.CryptoError):
        case_key_open(case=case, vault=vault)
    assert not ReservedIdentity.objects.exists()  # the custodian's and the escrow's copies of the identity key
    assert not DisclosureRequest.objects.exists()
    assert not Attachment.objects.exists() and not Exhibit.objects.exists()
    assert not EntityMention.objects.exists()
    assert all(bytes(body) == b"" for body in Message.objects.values_list("body_ct", flat=True))
    assert Message.objects.filter(author_kind=Message.Author.WHISTLEBLOWER).count() == 1
    assert bytes(LegalHold.objects.get().reason_ct) == b""

    # Not a byte of any canary in any table (the audit log included), nor a file left in the store.
    rows = database_bytes()
    for name, value in canary.items():
        for needle in needles(value):
            hits = [table for table, data in rows if needle in data]
            assert not hits, f"{name} canary found in {hits}"
    assert not (set(storage.file_names()) & stored_before)

    page = public.post("/followup/", {"receipt": receipt})
    assert page.status_code == 200
    assert 'id="report-erased"' in page.content.decode()
    assert counts() == counted

    erased = AuditEvent.objects.get(action=AuditAction.CASE_ERASED)
    assert erased.details == {"rule": "unsubstantiated", "tips": 1, "attachments": 1, "closed_on": "2026-03-01"}
    assert audit_chain_verify(actor=None).ok
    case_page = staff_client("lima_supervisor").get(f"/staff/cases/{case.public_id}/").content.decode()
    assert 'id="case-erased"' in case_page
