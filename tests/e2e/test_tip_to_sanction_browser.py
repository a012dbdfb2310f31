"""From tip to sanction and referral in a real browser: a supervisor, two investigators, a whistleblower.

The whistleblower (JavaScript off) reports phones smuggled in, naming the number they
are called on -> the Lima supervisor assigns the case to the Lima investigator -> the
investigator acknowledges, starts the investigation, plans two tasks (one for a
colleague) and records an interview -> the colleague finds the task under "awaiting my
action" and marks it done -> the investigator records the cell search the case
prompted, registers the phone it found with its number, and hands it to the colleague,
signing with their password -> the exhibit's custody chain verifies and its number
leads back to the report -> the investigator adds the guard concerned and closes the
case as substantiated -> the supervisor records the disciplinary proceeding and a
suspension, refers the case to the Fiscalía and downloads the referral file with the
acknowledgement left out; the page shows the file's SHA-256, the digest of the bytes
downloaded -> the whistleblower sees the outcome.

A second test reads the public figures page without JavaScript: small counts are
shown as "menos de 5", never as the number.

Staff pages are read by id, name, value and URL (see tests/e2e/helpers.py).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import timezone, translation
from playwright.sync_api import BrowserContext, Locator, Page, expect

from accounts.keys import membership_grant, unit_private_key_from_escrow
from accounts.models import Role, StaffMember
from cases.services import ACKNOWLEDGEMENT_TEXT
from cases.statuses import CaseStatus
from evidence.models import CellSearch, CustodyEntry, Exhibit
from investigation.models import Interview, Task
from linking.services import index_keys_create_missing
from org.models import Facility, Unit
from outcomes.models import Authority, Proceeding, Referral, ReferralExport, Sanction
from outcomes.selectors import message_key
from tests.conftest import PASSWORD, _staff
from tests.e2e.conftest import STAFF_LOCALE
from tests.e2e.helpers import RECEIPT_RE, as_shown, staff_login, submit
from tipline.models import Message, Tip

pytestmark = pytest.mark.e2e

PHONE = "987654321"
COLLEAGUE = "lima_investigator_2"


@pytest.fixture
def colleague(cast: dict[str, StaffMember], units: dict[str, Unit], tipline_settings: Any) -> StaffMember:
    """A second investigator of the Lima unit, granted its key through escrow."""
    member = _staff(COLLEAGUE, Role.INVESTIGATOR)
    keypair = units["lima"].active_keypair()
    assert keypair is not None
    membership_grant(
        member=member,
        keypair=keypair,
        unit_private_key=unit_private_key_from_escrow(
            keypair=keypair, escrow_private_key=tipline_settings.TEST_ESCROW_PRIVATE_KEY
        ),
    )
    return member


def _open(form: Locator) -> Locator:
    """Unfold the <details> a form sits in (as a user clicks its summary), and return the form."""
    details = form.locator("xpath=ancestor::details[1]")
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary").first.click()
    return form


def _post(page: Page, form: Locator, url: str | re.Pattern[str]) -> None:
    """Submit `form`, wait for the redirect to `url` and check the page says it was done."""
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_url(url)
    # Success and error flashes share role=status; only the success one has this class.
    expect(page.locator("main .alert[role=status]").first).to_have_class(re.compile(r"\balert-success\b"))


def test_two_investigators_and_a_supervisor_carry_a_tip_to_a_sanction_and_a_referral_file(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    colleague: StaffMember,
    public_page: Page,
    make_context: Callable[..., BrowserContext],
    screenshot_dir: Path,
) -> None:
    base = live_server.url
    index_keys_create_missing()  # the blind index keys that turn a number into a pseudonym
    canary = f"CANARY-{uuid.uuid4().hex}"
    description = (
        f"En el pabellón 3 un agente entra celulares en la requisa de los lunes; "
        f"los internos lo llaman al celular {PHONE}. {canary}"
    )
    reason = f"INTERNAL-REASON-{uuid.uuid4().hex}: el celular incautado es el del reporte."
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)

    # 1. The whistleblower (no JavaScript) reports and keeps the receipt.
    public = public_page
    public.goto(f"{base}/report/")
    public.select_option("select[name=facility]", label="E.P. Lurigancho (test)")
    public.check("input[name=category][value=phones]")
    public.select_option("select[name=smuggling_channel]", value="staff")
    public.select_option("select[name=when_period]", value="this_month")
    public.fill("textarea[name=description]", description)
    public.check("input[name=staff_involved][value=unknown]")
    submit(public, "/report/")
    expect(public.locator("#receipt")).to_have_text(RECEIPT_RE)
    receipt = public.locator("#receipt").inner_text().strip()
    tip = Tip.objects.get()
    case = tip.case_link.case
    case_path = f"/staff/cases/{case.public_id}/"
    case_url = f"{base}{case_path}"
    on_case = re.compile(re.escape(case_url) + r"(#[\w-]+)?$")

    # 2. The Lima supervisor assigns the case to the Lima investigator.
    supervisor = make_context(locale=STAFF_LOCALE).new_page()
    staff_login(supervisor, base, "lima_supervisor")
    supervisor.goto(case_url)
    expect(supervisor.locator("main .description")).to_contain_text(canary)
    assign = supervisor.locator(f"form[action='{case_path}assign/']")
    assign.locator("select[name=assignee]").select_option(label="lima_investigator")
    _post(supervisor, assign, on_case)
    expect(supervisor.locator("#case-assignee")).to_have_text("lima_investigator")

    # 3. The investigator acknowledges, starts the investigation, plans two tasks (one for the
    #    colleague) and records an interview.
    investigator = make_context(locale=STAFF_LOCALE).new_page()
    staff_login(investigator, base, "lima_investigator")
    investigator.goto(case_url)
    status = investigator.locator("#case-status")
    _post(investigator, investigator.locator(f"form[action='{case_path}acknowledge/']"), on_case)
    expect(status).to_have_text(as_shown(investigator, CaseStatus.TRIAGE.label))
    transition = investigator.locator(f"form[action='{case_path}transition/']")
    transition.locator("select[name=to]").select_option(value=CaseStatus.INVESTIGATING)
    _post(investigator, transition, on_case)
    expect(status).to_have_text(as_shown(investigator, CaseStatus.INVESTIGATING.label))

    plan_action = f"/staff/investigation/cases/{case.public_id}/tasks/"
    own_task = f"Revisar el registro de ingresos del lunes. {uuid.uuid4().hex[:8]}"
    colleague_task = f"Pedir el video de la garita del pabellón 3. {uuid.uuid4().hex[:8]}"
    for what, who in ((own_task, "lima_investigator"), (colleague_task, COLLEAGUE)):
        task_form = _open(investigator.locator(f"form[action='{plan_action}']"))
        task_form.locator("textarea[name=what]").fill(what)
        task_form.locator("select[name=assignee]").select_option(label=who)
        task_form.locator("input[name=due_on]").fill(f"{today + datetime.timedelta(days=1):%Y-%m-%d}")
        _post(investigator, task_form, on_case)
    expect(investigator.locator("#plan-tasks .task-what")).to_have_count(2)
    expect(investigator.locator("#plan-tasks")).to_contain_text(colleague_task)

    interviewee = f"Agente de la garita {uuid.uuid4().hex[:6]}"
    summary = f"Niega haber recibido celulares. {uuid.uuid4().hex[:8]}"
    interview = _open(investigator.locator(f"form[action='/staff/investigation/cases/{case.public_id}/interviews/']"))
    interview.locator("input[name=held_on]").fill(f"{today:%Y-%m-%d}")
    interview.locator("input[name=interviewee]").fill(interviewee)
    interview.locator("textarea[name=summary]").fill(summary)
    _post(investigator, interview, on_case)
    expect(investigator.locator("#interviews .interview-summary")).to_have_text(summary)
    expect(investigator.locator("#interviews .interviewee")).to_have_text(interviewee)
    stored = [bytes(task.what_ct) for task in Task.objects.filter(case=case)]
    assert len(stored) == 2 and not any(colleague_task.encode() in what for what in stored)  # encrypted
    assert summary.encode() not in bytes(Interview.objects.get(case=case).summary_ct)

    # 4. The colleague finds the task under "awaiting my action" and marks it done.
    second = make_context(locale=STAFF_LOCALE).new_page()
    staff_login(second, base, COLLEAGUE)
    second.goto(f"{base}/staff/?mine=action")
    expect(second.locator("#awaiting-action strong")).to_have_text("1")
    row_link = second.locator(f"main a[href='{case_path}']")
    expect(row_link).to_have_count(1)
    with second.expect_navigation():
        row_link.click()
    task_row = second.locator("#plan-tasks li", has_text=colleague_task)
    done = _open(task_row.locator("form[action$='/done/']"))
    done.locator("textarea[name=result]").fill("Video pedido al INPE; llega el viernes.")
    _post(second, done, on_case)
    expect(second.locator("#plan-tasks li", has_text=colleague_task).locator("s")).to_have_count(1)

    # 5. The investigator records the cell search the case prompted (it found phones) ...
    investigator.goto(case_url)
    with investigator.expect_navigation():
        investigator.locator(f"#evidence a[href='/staff/evidence/searches/?case={case.public_id}']").click()
    search_form = investigator.locator("form[action='/staff/evidence/searches/']")
    search_form.locator("select[name=facility]").select_option(label="E.P. Lurigancho (test)")
    search_form.locator("input[name=area]").fill("Pabellón 3")
    search_form.locator("input[name=held_on]").fill(f"{yesterday:%Y-%m-%d}")
    search_form.locator("input[name=phones]").fill("2")
    search_form.locator("input[name=sim_cards]").fill("3")
    _post(investigator, search_form, on_case)
    search = CellSearch.objects.get()
    assert search.prompted_by == case and search.phones_found == 2

    # ... registers the phone it found, with its number, and hands it to the colleague.
    register = _open(investigator.locator(f"form[action='/staff/evidence/cases/{case.public_id}/exhibits/']"))
    register.locator("select[name=kind]").select_option(value="phone")
    register.locator("textarea[name=description]").fill("Samsung negro, pantalla rota, hallado bajo la litera.")
    register.locator("input[name=seized_on]").fill(f"{yesterday:%Y-%m-%d}")
    register.locator("select[name=search]").select_option(value=str(search.public_id))
    exhibit_page = re.compile(re.escape(f"{base}/staff/evidence/exhibits/") + r"[0-9a-f-]{36}/$")
    _post(investigator, register, exhibit_page)
    exhibit = Exhibit.objects.get()
    exhibit_path = f"/staff/evidence/exhibits/{exhibit.public_id}/"
    expect(investigator.locator("#holder")).to_have_text("lima_investigator")

    identifier = investigator.locator(f"form[action='{exhibit_path}identifier/']")
    identifier.locator("select[name=identifier-kind]").select_option(value="phone")
    identifier.locator("input[name=identifier-value]").fill(PHONE)
    _post(investigator, identifier, f"{base}{exhibit_path}")
    expect(investigator.locator("#identifiers li")).to_contain_text(PHONE)

    transfer = investigator.locator(f"form[action='{exhibit_path}transfer/']")
    transfer.locator("select[name=transfer-to_member]").select_option(label=COLLEAGUE)
    transfer.locator("input[name=transfer-password]").fill(PASSWORD)
    transfer.locator("textarea[name=transfer-remarks]").fill("Para el peritaje del equipo.")
    _post(investigator, transfer, f"{base}{exhibit_path}")

    # 6. The exhibit's page: the colleague holds it, the chain verifies, the number leads to the report.
    expect(investigator.locator("#holder")).to_have_text(COLLEAGUE)
    expect(investigator.locator("#custody-verified")).to_be_visible()
    expect(investigator.locator("#custody tbody tr")).to_have_count(2)  # seized, then handed over
    assert list(CustodyEntry.objects.filter(exhibit=exhibit).values_list("signed_by__user__username", flat=True)) == [
        "lima_investigator",
        "lima_investigator",
    ]
    investigator.screenshot(path=str(screenshot_dir / "exhibit_after_transfer.png"), full_page=True)
    with investigator.expect_navigation():
        investigator.locator("#identifiers a[href^='/staff/linking/']").first.click()
    # The number's page lists the report that named it, and the phone seized with it.
    expect(investigator.locator(f"main a[href='{case_path}#tip-{tip.public_id}']")).to_have_count(1)
    expect(investigator.locator(f"main a[href='{exhibit_path}']")).to_have_count(1)

    # 7. The investigator adds the guard concerned and closes the case as substantiated.
    investigator.goto(case_url)
    person = _open(investigator.locator(f"form[action='/staff/outcomes/cases/{case.public_id}/person-add/']"))
    person.locator("select[name=person-role]").select_option(value="staff")
    person.locator("input[name=person-name]").fill("Técnico Juan Quispe Mamani")
    _post(investigator, person, on_case)
    expect(investigator.locator("#persons-concerned tbody tr")).to_have_count(1)
    transition = investigator.locator(f"form[action='{case_path}transition/']")
    transition.locator("select[name=to]").select_option(value=CaseStatus.SUBSTANTIATED)
    transition.locator("textarea[name=reason]").fill(reason)
    _post(investigator, transition, on_case)
    expect(status).to_have_text(as_shown(investigator, CaseStatus.SUBSTANTIATED.label))

    # 8. The supervisor records the proceeding and the suspension, and refers the case to the Fiscalía.
    supervisor.goto(case_url)
    outcome_path = f"/staff/outcomes/cases/{case.public_id}/"
    reference = f"PAD-{uuid.uuid4().hex[:6]}"
    opened = _open(supervisor.locator(f"form[action='{outcome_path}proceeding-open/']"))
    opened.locator("select[name=proceeding-person]").select_option(index=1)
    opened.locator("input[name=proceeding-reference]").fill(reference)
    _post(supervisor, opened, on_case)
    proceeding = Proceeding.objects.get(case=case)
    update = _open(supervisor.locator(f"form[action='{outcome_path}proceeding-update/']"))
    update.locator("select[name=proceeding_update-proceeding]").select_option(value=str(proceeding.public_id))
    update.locator("select[name=proceeding_update-stage]").select_option(value="concluded")
    update.locator("select[name=proceeding_update-sanction]").select_option(value=Sanction.SUSPENSION)
    update.locator("input[name=proceeding_update-suspension_days]").fill("30")
    _post(supervisor, update, on_case)
    expect(supervisor.locator("#proceedings tbody tr")).to_contain_text(reference)
    expect(supervisor.locator("#proceedings tbody tr")).to_contain_text(as_shown(supervisor, Sanction.SUSPENSION.label))
    proceeding.refresh_from_db()
    assert proceeding.sanction == Sanction.SUSPENSION and proceeding.suspension_days == 30

    referral_form = _open(supervisor.locator(f"form[action='{outcome_path}referral-send/']"))
    referral_form.locator("select[name=referral-authority]").select_option(value=Authority.FISCALIA)
    referral_form.locator("input[name=referral-reference]").fill("Carpeta fiscal 123-2026")
    _post(supervisor, referral_form, on_case)
    expect(supervisor.locator("#referrals tbody tr")).to_have_count(1)
    assert Referral.objects.get(case=case).authority == Authority.FISCALIA

    # 9. The referral file, the acknowledgement left out; the page shows the downloaded bytes' SHA-256.
    with supervisor.expect_navigation():
        supervisor.locator(f"a[href='{outcome_path}referral-file/']").click()
    acknowledgement = Message.objects.get(tip=tip)
    left_out = message_key(acknowledgement.public_id)
    file_form = supervisor.locator("#referral-file-form")
    file_form.locator(f"input[name='{left_out}']").uncheck()
    with supervisor.expect_download() as download_info:
        file_form.locator("button[type=submit]").click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    digest = hashlib.sha256(pdf).hexdigest()
    supervisor.reload()
    expect(supervisor.locator("#referral-exports code")).to_have_text(digest)
    export = ReferralExport.objects.get(case=case)
    assert export.sha256 == digest and left_out in export.redactions
    # In the file: the report; not the acknowledgement left out (compared without spaces: lines wrap).
    document = pdfium.PdfDocument(pdf)
    text = "".join("".join(page.get_textpage().get_text_range() for page in document).split())
    document.close()
    with translation.override("es"):
        acknowledgement_text = translation.gettext(ACKNOWLEDGEMENT_TEXT)
    assert canary in text and "".join(acknowledgement_text.split()) not in text

    # 10. The whistleblower comes back with the receipt and sees the outcome, never the reason.
    public.goto(f"{base}/followup/")
    public.fill("input[name=receipt]", receipt)
    submit(public, "/followup/")
    public.wait_for_url(f"{base}/followup/")
    expect(public.locator("#status")).to_have_text("Fundada")
    assert "INTERNAL-REASON" not in public.content()
    assert reference not in public.content()


def test_the_public_figures_page_shows_small_counts_as_fewer_than_five_without_javascript(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    fresh_cache: None,
    public_page: Page,
) -> None:
    public_page.goto(f"{live_server.url}/results/")
    assert public_page.locator("html").get_attribute("lang") == "es"
    figures = public_page.locator("#results-figures tbody td")
    expect(figures.first).to_have_text("menos de 5")
    assert set(figures.all_inner_texts()) == {"menos de 5"}
    expect(public_page.locator("script")).to_have_count(0)
