"""The case workflow in a real browser (Debian's chromium via Playwright).

The supervisor assigns, the investigator acknowledges and asks a question, the
whistleblower answers, the investigator closes with a reason, the whistleblower
sees the outcome:

whistleblower (JavaScript off) reports and keeps the receipt -> the Lima supervisor
assigns the case to the Lima investigator -> the investigator acknowledges (status
received -> triage), moves it to "under investigation" and asks a question -> the
whistleblower reads the acknowledgement, the question and the status, and replies
-> the investigator sees the reply and closes the case as substantiated, with a
reason -> the whistleblower sees the outcome ("Fundada"), never the reason.

Staff pages are being translated, so they are read by id, name, value and URL;
expected labels are translated the way the page is shown (see helpers.as_shown).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import StaffMember
from cases.models import WHISTLEBLOWER_EVENT_KINDS, CaseEvent
from cases.services import ACKNOWLEDGEMENT_TEXT
from cases.statuses import CaseStatus, whistleblower_explanation
from org.models import Facility
from tests.e2e.conftest import STAFF_LOCALE
from tests.e2e.helpers import RECEIPT_RE, as_shown, case_action, html_lang, staff_login, submit
from tipline.models import Message, Tip

pytestmark = pytest.mark.e2e


def test_supervisor_assigns_investigator_works_and_closes_whistleblower_sees_outcome(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    public_page: Page,
    make_context: Callable[..., BrowserContext],
    screenshot_dir: Path,
) -> None:
    base = live_server.url
    canary = f"CANARY-{uuid.uuid4().hex}"
    description = f"Visitas del pabellón 5 entran droga escondida en la comida. {canary}"
    question = f"¿Puede decirnos el turno del agente? {uuid.uuid4().hex[:8]}"
    reply = f"El turno de noche, los sábados. {uuid.uuid4().hex[:8]}"
    reason = f"INTERNAL-REASON-{uuid.uuid4().hex}: confirmado por registro de visitas."

    # 1. The whistleblower (no JavaScript) reports and keeps the receipt.
    public = public_page
    public.goto(f"{base}/report/")
    public.select_option("select[name=facility]", label="E.P. Lurigancho (test)")
    public.check("input[name=category][value=drugs_weapons]")
    public.select_option("select[name=smuggling_channel]", value="visitors")
    public.select_option("select[name=when_period]", value="date")
    public.fill("input[name=occurred_on]", "2026-11-08")
    public.fill("textarea[name=description]", description)
    public.check("input[name=staff_involved][value=unknown]")
    submit(public, "/report/")
    receipt_element = public.locator("#receipt")
    expect(receipt_element).to_have_text(re.compile(r"\d{4} \d{4} \d{4} \d{4}"))
    receipt = receipt_element.inner_text().strip()
    assert RECEIPT_RE.match(receipt), receipt
    tip = Tip.objects.get()
    case = tip.case_link.case
    assert case.unit.slug == "lima"
    assert case.status == CaseStatus.RECEIVED and case.assignee is None
    case_path = f"/staff/cases/{case.public_id}/"
    case_url = f"{base}{case_path}"

    def open_case_from_queue(page: Page) -> None:
        link = page.locator(f"main a[href='{case_path}']")
        expect(link).to_have_count(1)
        link.click()
        page.wait_for_url(case_url)
        expect(page.locator("main .description")).to_contain_text(canary)

    # 2. The Lima supervisor opens the case from the queue and assigns it to the investigator.
    supervisor = make_context(locale=STAFF_LOCALE).new_page()
    staff_login(supervisor, base, "lima_supervisor")
    open_case_from_queue(supervisor)
    expect(supervisor.locator("#case-status")).to_have_text(as_shown(supervisor, CaseStatus.RECEIVED.label))
    assign_form = supervisor.locator(f"form[action='{case_path}assign/']")
    assign_form.locator("select[name=assignee]").select_option(label="lima_investigator")
    case_action(supervisor, case_path, "assign")
    expect(supervisor.locator("#case-assignee")).to_have_text("lima_investigator")
    case.refresh_from_db()
    assert case.assignee == cast["lima_investigator"]

    # 3. The investigator (own browser) opens the case, acknowledges it, starts the
    #    investigation and asks a question.
    investigator = make_context(locale=STAFF_LOCALE).new_page()
    staff_login(investigator, base, "lima_investigator")
    open_case_from_queue(investigator)
    status_badge = investigator.locator("#case-status")
    received_label = as_shown(investigator, CaseStatus.RECEIVED.label)
    expect(status_badge).to_have_text(received_label)
    # An investigator does not supervise: no Assign form on their page.
    expect(investigator.locator(f"form[action='{case_path}assign/']")).to_have_count(0)

    acknowledge_form = investigator.locator(f"form[action='{case_path}acknowledge/']")
    expect(acknowledge_form.locator("textarea[name=message]")).to_be_empty()
    case_action(investigator, case_path, "acknowledge")
    triage_label = as_shown(investigator, CaseStatus.TRIAGE.label)
    assert triage_label != received_label
    expect(status_badge).to_have_text(triage_label)
    expect(acknowledge_form).to_have_count(0)  # acknowledged once, for good

    transition_form = investigator.locator(f"form[action='{case_path}transition/']")
    transition_form.locator("select[name=to]").select_option(value=CaseStatus.INVESTIGATING)
    case_action(investigator, case_path, "transition")
    expect(status_badge).to_have_text(as_shown(investigator, CaseStatus.INVESTIGATING.label))

    message_form = investigator.locator(f"form[action='{case_path}message/']")
    message_form.locator("select[name=tip]").select_option(value=str(tip.public_id))
    message_form.locator("textarea[name=body]").fill(question)
    case_action(investigator, case_path, "message")
    staff_messages = investigator.locator(".thread-message.from-staff")
    expect(staff_messages).to_have_count(2)  # the acknowledgement, then the question
    expect(staff_messages.last).to_contain_text(question)

    # 4. The whistleblower comes back with the receipt: the acknowledgement, the
    #    question and the status in plain words; then replies.
    public.goto(f"{base}/followup/")
    public.fill("input[name=receipt]", receipt)
    submit(public, "/followup/")
    public.wait_for_url(f"{base}/followup/")
    with translation.override("es"):
        # What the service sends when the acknowledgement message is left empty.
        acknowledgement = translation.gettext(ACKNOWLEDGEMENT_TEXT)
    from_staff = public.locator(".thread-message.from-staff")
    expect(from_staff).to_have_count(2)
    expect(from_staff.first).to_contain_text(acknowledgement)
    expect(from_staff.last).to_contain_text(question)
    expect(public.locator("#status")).to_have_text(as_shown(public, CaseStatus.INVESTIGATING.label))
    expect(public.locator("main")).to_contain_text(
        as_shown(public, whistleblower_explanation(CaseStatus.INVESTIGATING))
    )
    public.fill("textarea[name=body]", reply)
    with public.expect_navigation():
        public.locator("button[name=action][value=reply]").click()
    public.wait_for_url(f"{base}/followup/")
    expect(public.locator(".thread-message:not(.from-staff)")).to_contain_text(reply)
    assert Message.objects.filter(tip=tip).count() == 3

    # 5. The investigator reloads the case, sees the reply, and closes the case with a reason.
    investigator.reload()
    expect(investigator.locator(".thread-message:not(.from-staff)")).to_contain_text(reply)
    investigator.screenshot(path=str(screenshot_dir / "case_before_closing.png"), full_page=True)
    transition_form.locator("select[name=to]").select_option(value=CaseStatus.SUBSTANTIATED)
    transition_form.locator("textarea[name=reason]").fill(reason)
    case_action(investigator, case_path, "transition")
    expect(status_badge).to_have_text(as_shown(investigator, CaseStatus.SUBSTANTIATED.label))
    expect(investigator.locator("#closing-reason")).to_have_text(reason)
    expect(transition_form).to_have_count(0)  # a closed case has nowhere left to go
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBSTANTIATED and case.closed_on is not None
    assert reason.encode() not in bytes(case.closing_reason_ct)  # stored encrypted
    # The staff's steps in order; the whistleblower's (opened, replied) are dated to the day
    # only, for their privacy, so they sort at midnight and are checked apart.
    kinds = list(case.events.values_list("kind", flat=True))
    assert [k for k in kinds if k not in WHISTLEBLOWER_EVENT_KINDS] == [
        CaseEvent.Kind.ASSIGNED,
        CaseEvent.Kind.ACKNOWLEDGED,
        CaseEvent.Kind.STATUS_CHANGED,
        CaseEvent.Kind.QUESTION_SENT,
        CaseEvent.Kind.STATUS_CHANGED,
    ]
    assert sorted(k for k in kinds if k in WHISTLEBLOWER_EVENT_KINDS) == [
        CaseEvent.Kind.OPENED,
        CaseEvent.Kind.REPLY_RECEIVED,
    ]

    # 6. The whistleblower reloads the follow-up page: the outcome, in Spanish, and not the reason.
    public.goto(f"{base}/followup/")
    assert html_lang(public) == "es"
    expect(public.locator("#status")).to_have_text("Fundada")
    expect(public.locator("main")).to_contain_text(
        as_shown(public, whistleblower_explanation(CaseStatus.SUBSTANTIATED))
    )
    assert reason not in public.content()
    assert "INTERNAL-REASON" not in public.content()
    public.screenshot(path=str(screenshot_dir / "followup_after_closing.png"), full_page=True)
