"""Every report linked automatically, blind, with no click (issue 11).

Intake finds the entities a report names and seals them under the tip's key, waiting;
the first staff page a member with the keys opens links them; the case page then shows
the related reports with a score and the evidence in words. Analysts confirm, correct
or remove what the machine found, and judge each suggested link; their word wins.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import Case
from linking import automatic, names
from linking.models import EntityMention, MentionOrigin, MentionStatus, NameKey, TipLink, Verdict
from linking.selectors import suggested_links
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import submit_tip
from tests.linking.conftest import vault_of
from tests.tipline.test_canary_at_rest import all_database_values, needles
from tipline.models import Category, SmugglingChannel, Tip
from tipline.services import message_post_by_whistleblower, tip_open_with_receipt

pytestmark = pytest.mark.django_db

FIRST = "DEMO: el técnico Ramiro Ccori Huamán del pabellón 2 cobra cupo por dejar pasar celulares."
SECOND = "DEMO: el agente ramiro cori huaman recibe coimas, dicen que su número es 987 654 321."


def _report(facility: Facility, text: str, **fields: object) -> Tip:
    tip, _receipt = submit_tip(facility=facility, description=text, **fields)
    return tip


def test_intake_keeps_what_the_report_names_sealed_and_waiting(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip = _report(facilities["lurigancho"], SECOND)

    mentions = list(EntityMention.objects.filter(tip=tip))
    assert {m.kind for m in mentions} >= {"person", "phone"}
    assert all(m.origin == MentionOrigin.MACHINE and m.status == MentionStatus.PENDING for m in mentions)
    assert all(m.pseudonym is None and m.index_key_id is None for m in mentions), "no index key at intake"
    for mention in mentions:
        assert b"cori" not in bytes(mention.value_ct).lower() and b"987" not in bytes(mention.value_ct)
    assert not NameKey.objects.exists() and not TipLink.objects.exists()


def test_the_first_staff_page_links_two_spellings_of_one_guard_without_a_click(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    first = _report(facilities["lurigancho"], FIRST, category=Category.BRIBERY)
    second = _report(
        facilities["lurigancho"], SECOND, category=Category.PHONES, smuggling_channel=SmugglingChannel.STAFF
    )

    page = staff_client("lima_investigator").get(f"/staff/cases/{first.case_link.case.public_id}/").content.decode()

    assert not EntityMention.objects.filter(status=MentionStatus.PENDING).exists()
    assert TipLink.objects.filter(tip_low=first, tip_high=second).exists()
    section = page[page.index('id="suggested-links"') :]
    assert f"/staff/cases/{second.case_link.case.public_id}/" in section
    # Spanish by default: "same first name", "different spelling", "found by the machine".
    assert "mismo nombre de pila" in section and "escrito distinto" in section
    assert "encontrada por la máquina" in page
    # The other report's words never reach this case's page.
    assert "987 654 321" not in page


def test_each_request_links_a_bounded_batch_and_the_viewed_case_first(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(automatic, "TIPS_PER_REQUEST", 2)
    tips = [_report(facilities["lurigancho"], f"DEMO: el técnico Juan Pérez Nro {n} en la garita 2.") for n in range(6)]
    client = staff_client("lima_investigator")

    client.get(f"/staff/cases/{tips[-1].case_link.case.public_id}/")

    waiting = set(EntityMention.objects.filter(status=MentionStatus.PENDING).values_list("tip_id", flat=True))
    assert tips[-1].pk not in waiting, "the case being looked at is linked first"
    assert len(waiting) == 3, "then the 2 oldest waiting reports, no more"
    client.get("/staff/")
    client.get("/staff/")
    assert not EntityMention.objects.filter(status=MentionStatus.PENDING).exists()


def test_a_session_that_cannot_open_the_tip_leaves_it_waiting(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    _report(facilities["lurigancho"], FIRST)
    staff_client("norte_investigator").get("/staff/")
    assert EntityMention.objects.filter(status=MentionStatus.PENDING).exists()
    staff_client("manager").get("/staff/")
    assert EntityMention.objects.filter(status=MentionStatus.PENDING).exists()


def test_a_removed_entity_never_comes_back_and_a_correction_wins(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip, receipt = submit_tip(facility=facilities["lurigancho"], description=SECOND)
    client = staff_client("lima_investigator")
    client.get("/staff/")
    phone = EntityMention.objects.get(tip=tip, kind="phone")
    person = EntityMention.objects.get(tip=tip, kind="person")

    client.post(f"/staff/linking/tips/{tip.public_id}/mentions/{phone.public_id}/delete/")
    opened = tip_open_with_receipt(receipt_text=receipt)
    assert opened is not None
    message_post_by_whistleblower(tip=tip, data_key=opened[1], body="Otra vez: llamen al 987-654-321.")
    client.get("/staff/")
    phones = EntityMention.objects.filter(tip=tip, kind="phone")
    assert [m.status for m in phones] == [MentionStatus.DISMISSED], "the member removed it: it stays removed"

    client.post(
        f"/staff/linking/tips/{tip.public_id}/mentions/{person.public_id}/correct/", {"value": "Ramiro Ccori Huamán"}
    )
    person.refresh_from_db()
    assert person.status == MentionStatus.DISMISSED
    corrected = EntityMention.objects.get(tip=tip, kind="person", status=MentionStatus.LINKED)
    assert corrected.origin == MentionOrigin.STAFF and corrected.created_by == cast["lima_investigator"]
    assert AuditEvent.objects.filter(action=AuditAction.ENTITY_REMOVED, target_id=str(tip.public_id)).count() == 2


def test_confirming_a_machine_found_entity_is_recorded_and_audited(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    tip = _report(facilities["lurigancho"], SECOND)
    client = staff_client("lima_investigator")
    client.get("/staff/")
    phone = EntityMention.objects.get(tip=tip, kind="phone")

    page = client.post(
        f"/staff/linking/tips/{tip.public_id}/mentions/{phone.public_id}/confirm/", follow=True
    ).content.decode()

    phone.refresh_from_db()
    assert phone.confirmed_by == cast["lima_investigator"]
    assert "encontrada por la máquina, confirmada" in page
    assert AuditEvent.objects.filter(action=AuditAction.ENTITY_CONFIRMED, target_id=str(tip.public_id)).exists()


def test_not_the_same_is_recorded_audited_and_never_suggested_again(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    first = _report(facilities["lurigancho"], FIRST)
    second = _report(facilities["lurigancho"], SECOND)
    client = staff_client("lima_investigator")
    this, other = first.case_link.case, second.case_link.case
    client.get(f"/staff/cases/{this.public_id}/")

    client.post(
        f"/staff/linking/cases/{this.public_id}/verdict/", {"verdict": "not_same", "other": str(other.public_id)}
    )

    assert TipLink.objects.get(tip_low=first, tip_high=second).verdict == Verdict.NOT_SAME
    assert AuditEvent.objects.filter(action=AuditAction.LINK_JUDGED, target_id=str(this.public_id)).exists()
    # A new entity recorded on the second report links it again from scratch: the verdict stays.
    client.post(f"/staff/linking/tips/{second.public_id}/mentions/", {"kind": "place", "value": "pabellón 2"})
    lima = cast["lima_investigator"]
    for case in (this, other):
        links = suggested_links(case=case, member=lima, vault=vault_of(lima))
        assert {link.case for link in links.by_entity + links.hints + links.by_metadata}.isdisjoint({this, other})


def test_the_same_merges_a_case_of_ones_own_unit(cast: dict[str, StaffMember], facilities: dict[str, Facility]) -> None:
    first = _report(facilities["lurigancho"], FIRST)
    second = _report(facilities["lurigancho"], SECOND)
    client = staff_client("lima_investigator")
    this, other = first.case_link.case, second.case_link.case
    client.get(f"/staff/cases/{this.public_id}/")

    response = client.post(
        f"/staff/linking/cases/{this.public_id}/verdict/", {"verdict": "same", "other": str(other.public_id)}
    )

    assert response.status_code == 302
    assert set(Tip.objects.filter(case_link__case=this)) == {first, second}
    assert not Case.objects.filter(pk=other.pk).exists()


def test_a_link_to_another_unit_is_judged_by_its_handle_only(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    lima_tip = _report(facilities["lurigancho"], FIRST)
    norte_tip = _report(facilities["trujillo"], SECOND)
    staff_client("norte_investigator").get("/staff/")
    client = staff_client("lima_investigator")
    page = client.get(f"/staff/cases/{lima_tip.case_link.case.public_id}/").content.decode()
    link = TipLink.objects.get()
    assert f'name="link" value="{link.pk}"' in page
    assert str(norte_tip.case_link.case.public_id) not in page

    # The Norte investigator cannot use a Lima link's handle on an unrelated case of theirs.
    unrelated = _report(facilities["trujillo"], "DEMO: nada que ver.")
    staff_client("norte_investigator").post(
        f"/staff/linking/cases/{unrelated.case_link.case.public_id}/verdict/", {"verdict": "not_same", "link": link.pk}
    )
    assert TipLink.objects.get(pk=link.pk).verdict == Verdict.NONE

    client.post(
        f"/staff/linking/cases/{lima_tip.case_link.case.public_id}/verdict/", {"verdict": "same", "link": link.pk}
    )
    assert TipLink.objects.get(pk=link.pk).verdict == Verdict.SAME
    norte = cast["norte_investigator"]
    (elsewhere,) = suggested_links(case=norte_tip.case_link.case, member=norte, vault=vault_of(norte)).elsewhere
    assert elsewhere.confirmed and elsewhere.unit_name == "Lima IA"


def test_the_backfill_links_waiting_reports_through_escrow(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], settings: LazySettings, tmp_path: Path
) -> None:
    first = _report(facilities["lurigancho"], FIRST)
    second = _report(facilities["lurigancho"], SECOND)
    older = _report(facilities["lurigancho"], "DEMO: el técnico Ramiro Ccori Huamán otra vez.")
    EntityMention.objects.filter(tip=older).delete()  # stored before automatic linking
    escrow = tmp_path / "escrow.key"
    escrow.write_bytes(settings.TEST_ESCROW_PRIVATE_KEY)
    out = StringIO()

    call_command("link_waiting_tips", escrow_private_key=escrow, extract_missing=True, stdout=out)

    assert "3 report(s) linked, 1 read for entities first" in out.getvalue()
    assert not EntityMention.objects.filter(status=MentionStatus.PENDING).exists()
    assert TipLink.objects.filter(tip_low=first, tip_high=second).exists()
    assert TipLink.objects.filter(tip_low=first, tip_high=older).exists()
    assert AuditEvent.objects.filter(action=AuditAction.ENTITIES_BACKFILLED).exists()


def test_no_entity_value_the_machine_found_is_at_rest_in_the_clear(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    """The canary for automatic linking: names, their phonetic keys, phones, plates and DNIs found and linked."""
    guard, phone, plate, dni = "Wilfredo Qqxkanary Zzymontes", "987 123 456", "QKZ-947", "41998877"
    text = f"DEMO: el técnico {guard} cobra cupo, su número es {phone}, llega en el auto de placa {plate}, DNI {dni}."
    first = _report(facilities["lurigancho"], text)
    _report(facilities["lurigancho"], f"DEMO: otra vez el sargento {guard.lower()} en la garita 2, llamen al {phone}.")
    staff_client("lima_investigator").get(f"/staff/cases/{first.case_link.case.public_id}/")
    assert TipLink.objects.exists() and NameKey.objects.exists(), "found, keyed and linked"

    clear = [guard, guard.lower(), "qqxkanary", "zzymontes", "+51987123456", "987123456", "QKZ947", plate, dni]
    clear += [key.text for key in names.name_keys(guard)]  # the phonetic keys are the name too
    for table, data in all_database_values():
        for value in clear:
            for needle in needles(value):
                assert needle not in data, f"{value!r} found in table {table}"


def test_a_company_meets_its_name_without_the_noun_but_not_another_business_of_that_name(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    supplier = _report(facilities["lurigancho"], "DEMO: la distribuidora Santa Rosa mete droga en los sacos de arroz.")
    quoted = _report(facilities["lurigancho"], 'DEMO: el proveedor "Santa Rosa" trae los sacos sin revisar.')
    bakery = _report(facilities["lurigancho"], "DEMO: la Panadería Santa Rosa vende el pan muy caro.")
    staff_client("lima_investigator").get("/staff/")

    assert "same_company" in TipLink.objects.get(tip_low=supplier, tip_high=quoted).evidence
    # "Distribuidora" and "Panadería": two businesses that share a name.
    assert not TipLink.objects.filter(tip_low=supplier, tip_high=bakery).exists()
