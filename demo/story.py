"""The demo's one case carried from the tip to a sanction and a referral, through the services staff use.

An invented report says a guard of E.P. Lurigancho brings phones in and names the
number the inmates top up for him. The supervisor assigns it, the investigator
acknowledges it and opens an investigation with a plan, an interview and a cell
search that finds two phones; the phone is registered with its IMEI and number (so
it meets, blind, the report that named the number) and handed to the second
investigator with the holder's password; the guard becomes person P-1, the case is
closed as substantiated, and the proceeding, the sanction, the referral to the
Fiscalía, the national platform's code and a referral file follow.

Every write goes through the service a staff member's click calls, with the keys a
demo login unlocks, so the timeline, the audit log and the custody chain are the
real ones. The services date most things today (an acknowledgement, a task done, a
sanction, the closing); where they take a day (the search, the seizure, the
interview, the proceeding, the referral) it is set back as in a real case of about
forty days. Everything written is marked DEMO (inventado).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from accounts.keys import staff_unlock_keys
from accounts.models import StaffMember
from cases.models import Case
from cases.services import case_acknowledge, case_assign, case_transition
from cases.statuses import CaseStatus
from evidence.custody import custody_transfer
from evidence.models import ExhibitKind
from evidence.services import Found, exhibit_identifier_add, exhibit_register, search_record
from investigation.services import interview_record, task_add, task_done
from linking.models import EntityKind
from org.models import Facility, Unit
from outcomes.models import Authority, PersonRole, PlatformFiling, ProceedingStage, Sanction
from outcomes.selectors import tip_description_key
from outcomes.services import (
    person_add,
    platform_code_add,
    proceeding_open,
    proceeding_update,
    referral_file_make,
    referral_send,
)
from tipline.models import Category, SmugglingChannel, StaffInvolved, WhenPeriod
from tipline.services import TipSubmission, tip_submit

FACILITY = "E.P. Lurigancho (ilustrativo)"
# The number the report names and the seized phone carries (invented; a valid Peruvian mobile, so it is linked).
PHONE_NUMBER = "987 654 321"
IMEI = "356938035643809"
# Found again on a re-run by this code: the platform's codes are clear metadata, the case's title is not.
PLATFORM_CODE = "DEMO-2026-0004711"
RECEIVED_DAYS_AGO = 40
TIP_TEXT = (
    "DEMO (inventado): un agente de seguridad del turno de tarde del pabellón 7 entra celulares escondidos en "
    f"su mochila y los vende a los internos. Las recargas se las hacen al celular {PHONE_NUMBER}, que es el suyo. "
    "Guarda los equipos en las celdas 14 y 15 hasta que le pagan."
)


def demo_case() -> Case | None:
    """Return the case the demo carried to a sanction, if the demo loaded it."""
    filing = PlatformFiling.objects.filter(code=PLATFORM_CODE).select_related("case").first()
    return filing.case if filing else None


def demo_case_carry(*, backdate: Callable[[Case, int], Case]) -> tuple[Case, str]:
    """Carry the invented report about a guard's phones from intake to a referral file; return its case and receipt.

    `backdate` moves the new case's arrival back (load_demo's, shared with the sample tips).
    Needs the demo's units, staff and index keys in place.
    """
    today = timezone.localdate()

    def days_ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    facility = Facility.objects.get(name=FACILITY)
    unit = Unit.objects.get(slug="lima")
    members = {
        username: StaffMember.objects.select_related("user").get(user__username=username)
        for username in ("supervisor", "investigator", "investigator2")
    }
    supervisor, investigator, investigator2 = members["supervisor"], members["investigator"], members["investigator2"]
    password = settings.TIPLINE_DEMO_PASSWORD
    vaults = {name: staff_unlock_keys(member=member, password=password) for name, member in members.items()}

    tip, receipt = tip_submit(
        submission=TipSubmission(
            facility=facility,
            category=Category.PHONES,
            smuggling_channel=SmugglingChannel.STAFF,
            staff_involved=StaffInvolved.NO,
            when_period=WhenPeriod.THIS_MONTH,
            occurred_on=None,
            description=TIP_TEXT,
            contact="",
            protection_requested=False,
        )
    )
    case = backdate(tip.case_link.case, RECEIVED_DAYS_AGO)

    # The supervisor assigns it; the investigator acknowledges it and opens the investigation.
    case = case_assign(case=case, assignee=investigator, actor=supervisor)
    case = case_acknowledge(case=case, actor=investigator, vault=vaults["investigator"])
    case = case_transition(case=case, to=CaseStatus.INVESTIGATING, actor=investigator, vault=vaults["investigator"])

    # The plan: three tasks, two of them done, and an interview.
    shifts = task_add(
        case=case,
        actor=investigator,
        what="DEMO: pedir el rol de turnos del pabellón 7 de las últimas ocho semanas.",
        assignee=investigator,
        due_on=today,
        vault=vaults["investigator"],
    )
    holder = task_add(
        case=case,
        actor=investigator,
        what=f"DEMO: pedir a la operadora quién es el titular del número {PHONE_NUMBER}.",
        assignee=investigator2,
        due_on=today,
        vault=vaults["investigator"],
    )
    task_add(
        case=case,
        actor=investigator,
        what="DEMO: revisar las grabaciones de la puerta de ingreso del personal de los días de turno.",
        assignee=investigator2,
        due_on=today + datetime.timedelta(days=14),
        vault=vaults["investigator"],
    )
    task_done(
        task=shifts,
        actor=investigator,
        result="DEMO: el agente P-1 estuvo de turno de tarde en el pabellón 7 en todas las fechas.",
        vault=vaults["investigator"],
    )
    task_done(
        task=holder,
        actor=investigator2,
        result="DEMO: la operadora informa que el número está a nombre del agente P-1.",
        vault=vaults["investigator2"],
    )
    interview_record(
        case=case,
        actor=investigator,
        held_on=days_ago(20),
        interviewee="DEMO (inventado): jefe de seguridad del pabellón 7",
        summary="DEMO: confirma que los agentes del turno de tarde no pasan por el escáner al ingresar.",
        vault=vaults["investigator"],
    )

    # The search the report prompted, and what it found.
    search_day = days_ago(33)
    search = search_record(
        unit=unit,
        facility=facility,
        area="Pabellón 7, celdas 14 y 15",
        held_on=search_day,
        found=Found(phones=2, chargers=2),
        actor=investigator,
        prompted_by=case,
    )
    phone = exhibit_register(
        case=case,
        kind=ExhibitKind.PHONE,
        description="DEMO: celular negro con la pantalla rota, encontrado bajo el colchón de la celda 14.",
        seized_on=search_day,
        actor=investigator,
        vault=vaults["investigator"],
        search=search,
    )
    exhibit_identifier_add(
        exhibit=phone, kind=EntityKind.IMEI, value=IMEI, actor=investigator, vault=vaults["investigator"]
    )
    exhibit_identifier_add(
        exhibit=phone, kind=EntityKind.PHONE, value=PHONE_NUMBER, actor=investigator, vault=vaults["investigator"]
    )
    exhibit_register(
        case=case,
        kind=ExhibitKind.CHARGER,
        description="DEMO: dos cargadores con cable, encontrados en la celda 15.",
        seized_on=search_day,
        actor=investigator,
        vault=vaults["investigator"],
        search=search,
    )
    # The phone's forensic image was made elsewhere: only its SHA-256 is registered here.
    exhibit_register(
        case=case,
        kind=ExhibitKind.DIGITAL_FILE,
        description="DEMO: imagen forense del celular de la celda 14 (hecha en el laboratorio).",
        seized_on=days_ago(30),
        actor=investigator,
        vault=vaults["investigator"],
        sha256=hashlib.sha256(b"DEMO (inventado): imagen forense").hexdigest(),
    )
    custody_transfer(
        exhibit=phone,
        to_member=investigator2,
        actor=investigator,
        password=password,
        remarks="DEMO: para la extracción de los datos del celular.",
        vault=vaults["investigator"],
    )

    # The guard, the decision, and what followed it.
    guard = person_add(
        case=case,
        role=PersonRole.STAFF,
        name="Teodoro Quispe Mamani (inventado)",
        details="DEMO (inventado): agente de seguridad, turno de tarde, pabellón 7.",
        actor=investigator,
        vault=vaults["investigator"],
    )
    case = case_transition(
        case=case,
        to=CaseStatus.SUBSTANTIATED,
        actor=investigator,
        reason="DEMO: la requisa halló dos celulares; el número incautado es el del agente P-1 y el que cita la denuncia.",
        vault=vaults["investigator"],
    )
    proceeding = proceeding_open(
        case=case, person=guard, reference="DEMO-PAD-2026-014", opened_on=days_ago(5), actor=supervisor
    )
    proceeding_update(
        proceeding=proceeding,
        stage=ProceedingStage.CONCLUDED,
        sanction=Sanction.SUSPENSION,
        suspension_days=90,
        actor=supervisor,
    )
    referral = referral_send(
        case=case,
        authority=Authority.FISCALIA,
        reference="DEMO-FPCEDCF-LIMA-2026-0457",
        sent_on=days_ago(2),
        actor=supervisor,
    )
    platform_code_add(case=case, code=PLATFORM_CODE, actor=investigator)
    referral_file_make(
        case=case,
        included={tip_description_key(tip)},
        actor=supervisor,
        vault=vaults["supervisor"],
        referral=referral,
    )
    return case, receipt
