"""The referral file: what it shows and reserves, its SHA-256 and audit entry, and who may make it."""

from __future__ import annotations

import dataclasses
import hashlib

import pypdfium2 as pdfium
import pytest

from audit.models import AuditAction, AuditEvent
from cases.models import CaseEvent
from cases.services import note_add
from outcomes import services
from outcomes.models import ReferralExport
from outcomes.referral_file import disclosed_identity, render_referral_file
from outcomes.selectors import case_file, message_key, note_key, tip_description_key
from tests.conftest import staff_client
from tests.outcomes.conftest import CONTACT, DESCRIPTION, REPLY, LimaCase, exhibit_make

pytestmark = pytest.mark.django_db

NOTE = "Nota interna: el jefe de seguridad ya sabia de esto."


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def page_url(lima: LimaCase) -> str:
    return f"/staff/outcomes/cases/{lima.case.public_id}/referral-file/"


def test_the_page_lists_each_item_with_the_defaults(lima: LimaCase) -> None:
    note_add(case=lima.case, actor=lima.supervisor, body=NOTE, vault=lima.vault)
    html = staff_client("lima_supervisor").get(page_url(lima)).content.decode()
    reply = lima.tip.messages.get()
    description = tip_description_key(lima.tip)
    assert f'name="{description}"' in html and f'name="{message_key(reply.public_id)}"' in html
    assert CONTACT not in html


def test_the_downloaded_file_shows_what_was_chosen_and_reserves_the_rest(lima: LimaCase) -> None:
    note_add(case=lima.case, actor=lima.supervisor, body=NOTE, vault=lima.vault)
    exhibit = exhibit_make(lima, description="Video de la camara del pabellon", content=b"video bytes")
    description = tip_description_key(lima.tip)
    # The description is included; the whistleblower's reply and the note are left out.
    response = staff_client("lima_supervisor").post(page_url(lima), {description: "on"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf).split())
    assert "Rojas del pabellon 5" in text  # the description
    assert "domingo en la puerta" not in text  # the reply, reserved
    assert "jefe de seguridad" not in text  # the note, left out by default
    assert "[Reservado]" in text
    assert "987654321" not in text and "Maria" not in text  # the contact field, never
    assert exhibit.sha256 in text
    assert "Lacrado en bolsa 12" in text  # the custody history

    export = ReferralExport.objects.get(case=lima.case)
    assert export.sha256 == hashlib.sha256(pdf).hexdigest()
    reply = lima.tip.messages.get()
    assert message_key(reply.public_id) in export.redactions
    assert note_key(lima.case.notes.get().public_id) in export.redactions
    assert export.manifest == [{"exhibit": str(exhibit.public_id), "sha256": exhibit.sha256}]
    assert REPLY not in str(export.redactions) and DESCRIPTION not in str(export.manifest)
    audit = AuditEvent.objects.get(action=AuditAction.REFERRAL_FILE_MADE)
    assert audit.details["sha256"] == export.sha256
    assert lima.case.events.filter(kind=CaseEvent.Kind.REFERRAL_FILE_MADE).count() == 1


def test_each_export_writes_its_own_audit_entry_and_is_listed_with_its_hash(lima: LimaCase) -> None:
    client = staff_client("lima_supervisor")
    client.post(page_url(lima), {})
    client.post(page_url(lima), {})
    assert AuditEvent.objects.filter(action=AuditAction.REFERRAL_FILE_MADE).count() == 2
    html = client.get(page_url(lima)).content.decode()
    for export in ReferralExport.objects.filter(case=lima.case):
        assert export.sha256 in html


def test_the_same_inputs_on_the_same_day_give_the_same_bytes(lima: LimaCase) -> None:
    data = case_file(case=lima.case, vault=lima.vault)
    made_on = lima.case.received_on
    first = render_referral_file(data=data, included=set(), made_by=lima.supervisor, made_on=made_on)
    second = render_referral_file(data=data, included=set(), made_by=lima.supervisor, made_on=made_on)
    assert first.pdf == second.pdf
    assert f"D:{made_on:%Y%m%d}000000".encode() in first.pdf
    assert b"ReportLab" not in first.pdf.split(b"%%EOF")[0].split(b"/Producer")[1][:80]


def test_no_identity_is_disclosed_before_issue_14(lima: LimaCase) -> None:
    assert disclosed_identity(lima.case) is None


def test_an_investigator_not_assigned_is_refused(lima: LimaCase) -> None:
    client = staff_client("lima_investigator")
    response = client.post(page_url(lima), {}, follow=True)
    assert "Only the supervisor or the assigned investigator" in response.content.decode() or response.redirect_chain
    assert not ReferralExport.objects.exists()
    assert not response.get("Content-Disposition")


def test_the_assignee_may_make_it(lima: LimaCase) -> None:
    services_case = lima.case
    services_case.assignee = lima.investigator
    services_case.save(update_fields=["assignee"])
    response = staff_client("lima_investigator").post(page_url(lima), {})
    assert response["Content-Type"] == "application/pdf"
    assert ReferralExport.objects.get().made_by == lima.investigator


def test_another_unit_gets_404(lima: LimaCase) -> None:
    client = staff_client("norte_investigator")
    assert client.get(page_url(lima)).status_code == 404
    assert client.post(page_url(lima), {}).status_code == 404
    assert not ReferralExport.objects.exists()


def test_a_copy_is_verified_by_its_hash(lima: LimaCase) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = staff_client("lima_supervisor")
    pdf = client.post(page_url(lima), {}).content
    html = client.post(
        "/staff/outcomes/referral-files/verify/", {"file": SimpleUploadedFile("copia.pdf", pdf)}
    ).content.decode()
    assert "alert-success" in html
    changed = client.post(
        "/staff/outcomes/referral-files/verify/", {"file": SimpleUploadedFile("copia.pdf", pdf + b"\n")}
    ).content.decode()
    assert "verify-result" in changed and "alert-warning" in changed
    # Another unit's member learns nothing about it.
    other = (
        staff_client("norte_investigator")
        .post("/staff/outcomes/referral-files/verify/", {"file": SimpleUploadedFile("copia.pdf", pdf)})
        .content.decode()
    )
    assert "alert-warning" in other


def test_services_refuse_a_referral_of_another_case(lima: LimaCase) -> None:
    from cases.permissions import CaseActionRefused
    from tests.factories import submit_tip

    other = submit_tip(facility=lima.tip.facility)[0].case_link.case
    referral = services.referral_send(
        case=other, authority="fiscalia", reference="", sent_on=other.received_on, actor=lima.supervisor
    )
    with pytest.raises(CaseActionRefused):
        services.referral_file_make(
            case=lima.case, included=set(), actor=lima.supervisor, vault=lima.vault, referral=referral
        )


def test_long_and_hostile_text_still_makes_a_file(lima: LimaCase) -> None:
    hostile = "<b>no</b> & </para> \x00 😀 中文 \u202e " + " ".join(["palabra"] * 4000)
    note_add(case=lima.case, actor=lima.supervisor, body=hostile, vault=lima.vault)
    exhibit_make(lima, description=hostile)
    data = case_file(case=lima.case, vault=lima.vault)
    rendered = render_referral_file(
        data=data, included=set(data.redactable_keys()), made_by=lima.supervisor, made_on=lima.case.received_on
    )
    text = " ".join(pdf_text(rendered.pdf).split())
    assert "<b>no</b> &" in text and rendered.redactions == []


def test_tasks_interviews_and_names_appear_only_when_chosen(lima: LimaCase) -> None:
    import envelope
    from investigation.models import Interview, Task
    from outcomes.selectors import INTERVIEWS, PERSONS_NAMES, TASKS

    task = Task(case=lima.case, created_by=lima.supervisor, due_on=lima.case.received_on)
    task.what_ct = envelope.seal_field(
        envelope.TASK, "what", lima.case.public_id, task.public_id, key=lima.key, value="Revisar camaras del penal"
    )
    task.save()
    interview = Interview(case=lima.case, held_on=lima.case.received_on, conducted_by=lima.supervisor)
    sealed = envelope.seal_fields(
        envelope.INTERVIEW,
        lima.case.public_id,
        interview.public_id,
        key=lima.key,
        interviewee="Agente Huaman",
        summary="Declara que no vio nada.",
    )
    for column, value in sealed.items():
        setattr(interview, column, value)
    interview.save()
    services.person_add(
        case=lima.case, role="staff", name="Julio Quispe", details="", actor=lima.supervisor, vault=lima.vault
    )
    data = case_file(case=lima.case, vault=lima.vault)

    left_out = render_referral_file(data=data, included=set(), made_by=lima.supervisor, made_on=lima.case.received_on)
    text = " ".join(pdf_text(left_out.pdf).split())
    assert "Revisar camaras" not in text and "Agente Huaman" not in text and "Julio Quispe" not in text
    assert "P-1" in text and text.count("[Reservado]") >= 4
    assert {TASKS, INTERVIEWS, PERSONS_NAMES} <= set(left_out.redactions)

    chosen = render_referral_file(
        data=data, included={TASKS, INTERVIEWS, PERSONS_NAMES}, made_by=lima.supervisor, made_on=lima.case.received_on
    )
    text = " ".join(pdf_text(chosen.pdf).split())
    assert "Revisar camaras" in text and "Agente Huaman" in text and "Julio Quispe" in text


def test_a_file_may_be_made_for_one_referral(lima: LimaCase) -> None:
    referral = services.referral_send(
        case=lima.case, authority="fiscalia", reference="F-12", sent_on=lima.case.received_on, actor=lima.supervisor
    )
    response = staff_client("lima_supervisor").post(page_url(lima), {"referral": str(referral.public_id)})
    assert response["Content-Type"] == "application/pdf"
    assert ReferralExport.objects.get().referral == referral
    assert "F-12" in " ".join(pdf_text(response.content).split())


def test_the_check_keeps_its_csrf_protection(lima: LimaCase) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    logged_in = staff_client("lima_supervisor")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = logged_in.cookies
    response = strict.post("/staff/outcomes/referral-files/verify/", {"file": SimpleUploadedFile("a.pdf", b"%PDF-")})
    assert response.status_code == 403


def test_attachments_are_listed_by_number_and_size_never_by_their_original_name(lima: LimaCase) -> None:
    from outcomes.selectors import AttachmentFile

    data = case_file(case=lima.case, vault=lima.vault)
    # The case file has no field for an attachment's name: it is never opened for an outside authority.
    assert [field.name for field in dataclasses.fields(AttachmentFile)] == ["number", "stored_bytes"]
    data.tips[0].attachments.append(AttachmentFile(number=1, stored_bytes=2048))
    rendered = render_referral_file(data=data, included=set(), made_by=lima.supervisor, made_on=lima.case.received_on)
    text = pdf_text(rendered.pdf)
    assert "Adjunto 1" in text and "2048" in text
