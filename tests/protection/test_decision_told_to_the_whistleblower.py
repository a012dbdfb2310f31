"""A granted request: its rows are written, and the whistleblower reads the measures in plain words at /followup/."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.utils import formats, translation

from accounts.models import StaffMember
from cases.models import CaseEvent
from org.models import Facility
from protection.models import MEASURE_EXPLANATIONS, CheckIn, MeasureKind, ProtectionDecision, ProtectionMeasure
from tests.conftest import staff_client
from tests.factories import receipt_from, report_data
from tests.protection.conftest import D
from tipline.models import Tip

pytestmark = pytest.mark.django_db

OWN_WORDS = "Le llamaremos desde la oficina nacional."


def test_the_whistleblower_reads_each_granted_measure_and_the_supervisors_words(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    public = Client()
    page = public.post("/report/", report_data(facilities["lurigancho"], protection_requested="on"))
    receipt = receipt_from(page.content.decode())
    case = Tip.objects.get().case_link.case
    assert case.protection_due is not None

    response = staff_client("lima_supervisor").post(
        f"/staff/protection/cases/{case.public_id}/decide/",
        {
            "decide-granted": "1",
            "decide-measure_duties_changed": "on",
            "decide-until_duties_changed": "2027-03-31",
            "decide-measure_identity_reserved": "on",
            "decide-message": OWN_WORDS,
        },
    )
    assert response.status_code == 302

    decision = ProtectionDecision.objects.get(case=case)
    assert decision.granted and decision.decided_by == cast["lima_supervisor"]
    measures = {m.kind: m for m in ProtectionMeasure.objects.filter(case=case)}
    assert set(measures) == {MeasureKind.DUTIES_CHANGED, MeasureKind.IDENTITY_RESERVED}
    assert measures[MeasureKind.DUTIES_CHANGED].until == D(2027, 3, 31)
    assert measures[MeasureKind.IDENTITY_RESERVED].until is None
    assert measures[MeasureKind.DUTIES_CHANGED].granted_by == cast["lima_supervisor"]
    case.refresh_from_db()
    assert case.protection_decided_on == decision.decided_on
    assert case.events.filter(kind=CaseEvent.Kind.PROTECTION_DECIDED).count() == 1
    assert case.events.filter(kind=CaseEvent.Kind.PROTECTION_MEASURE).count() == 2
    assert CheckIn.objects.filter(case=case, after=CheckIn.After.DECISION).count() == 3

    assert public.post("/followup/", {"receipt": receipt}).status_code == 302
    thread = html.unescape(public.get("/followup/").content.decode())
    with translation.override("es"):
        assert str(MEASURE_EXPLANATIONS[MeasureKind.DUTIES_CHANGED]) in thread
        assert str(MEASURE_EXPLANATIONS[MeasureKind.IDENTITY_RESERVED]) in thread
        assert str(formats.date_format(D(2027, 3, 31), "DATE_FORMAT")) in thread
    assert OWN_WORDS in thread


def test_a_refusal_is_told_too(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    public = Client()
    page = public.post("/report/", report_data(facilities["lurigancho"], protection_requested="on"))
    receipt = receipt_from(page.content.decode())
    case = Tip.objects.get().case_link.case

    staff_client("lima_supervisor").post(
        f"/staff/protection/cases/{case.public_id}/decide/", {"decide-granted": "0", "decide-message": OWN_WORDS}
    )

    assert not ProtectionDecision.objects.get(case=case).granted
    assert not ProtectionMeasure.objects.exists()
    public.post("/followup/", {"receipt": receipt})
    assert OWN_WORDS in html.unescape(public.get("/followup/").content.decode())


def test_a_request_is_decided_once(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    Client().post("/report/", report_data(facilities["lurigancho"], protection_requested="on"))
    case = Tip.objects.get().case_link.case
    supervisor = staff_client("lima_supervisor")
    url = f"/staff/protection/cases/{case.public_id}/decide/"

    supervisor.post(url, {"decide-granted": "0"})
    page = supervisor.post(url, {"decide-granted": "0"}, follow=True).content.decode()

    assert ProtectionDecision.objects.filter(case=case).count() == 1
    assert 'action="' + url not in page  # the form is gone once the request is decided
