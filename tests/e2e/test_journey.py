"""The main journey in a real browser (Debian's chromium via Playwright).

Whistleblower (JavaScript off): landing -> report form (one invalid submission,
then a valid one with a file) -> receipt. Investigator (separate browser context):
login -> queue of cases -> the case page (the tip's description, its file
downloaded) -> a question from the case's message form. Whistleblower: follow-up
with the receipt -> reads the question -> replies. Investigator: sees the reply
on the case page and on the tip's page. Plus the no-JS language switch on the
landing page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import StaffMember
from cases.statuses import CaseStatus
from org.models import Facility
from tests.e2e.helpers import RECEIPT_RE, case_action, html_lang, staff_login, submit
from tipline.models import Message, Tip

pytestmark = pytest.mark.e2e

ATTACHMENT_NAME = "pabellon3.txt"
# What the report keeps and shows instead of the name the file was sent under.
STORED_NAME = "evidencia-1.txt"
ATTACHMENT_BYTES = b"e2e evidence notes " + uuid.uuid4().hex.encode()
# A language the site does not offer, so LocaleMiddleware falls back to LANGUAGE_CODE (es).
UNOFFERED_LOCALE = "qu-PE"


def test_report_followup_and_staff_journey(
    transactional_db: None,
    live_server,  # type: ignore[no-untyped-def]
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    public_page: Page,
    staff_page: Page,
    staff_context: BrowserContext,
    screenshot_dir: Path,
) -> None:
    base = live_server.url
    canary = f"CANARY-{uuid.uuid4().hex}"
    description = f"Un técnico del pabellón 3 recibe celulares de visitas los domingos. {canary}"
    contact = f"Mi contacto seguro: buzón {uuid.uuid4().hex[:8]}"
    question = f"¿Qué día de la semana ocurre? {uuid.uuid4().hex[:8]}"
    reply = f"Los domingos, en la mañana. {uuid.uuid4().hex[:8]}"
    attachment = {"name": ATTACHMENT_NAME, "mimeType": "text/plain", "buffer": ATTACHMENT_BYTES}

    # 1. The whistleblower (no JavaScript) goes from the landing page to the report form.
    public = public_page
    response = public.goto(f"{base}/")
    assert response is not None and response.ok
    assert html_lang(public) == "es"
    public.locator("main a[href='/report/']").click()
    public.wait_for_url(f"{base}/report/")

    def fill_report(description_text: str) -> None:
        public.select_option("select[name=facility]", label="E.P. Lurigancho (test)")
        public.check("input[name=category][value=phones]")
        public.select_option("select[name=smuggling_channel]", value="visitors")
        public.select_option("select[name=when_period]", value="date")
        public.fill("input[name=occurred_on]", "2026-11-01")
        public.fill("textarea[name=description]", description_text)
        public.check("input[name=staff_involved][value=no]")
        public.fill("textarea[name=contact]", contact)
        public.set_input_files("input[name=attachments]", files=[attachment])

    # First an invalid submission: no description. The form comes back with an error
    # and everything typed is kept; the file must be selected again.
    fill_report("")
    submit(public, "/report/")
    expect(public.locator(".alert-danger")).to_be_visible()
    expect(public.locator("textarea[name=description]")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(public.locator("textarea[name=contact]")).to_have_value(contact)
    expect(public.locator("input[name=occurred_on]")).to_have_value("2026-11-01")
    expect(public.locator("select[name=facility] option:checked")).to_have_text("E.P. Lurigancho (test)")
    expect(public.locator("input[name=category][value=phones]")).to_be_checked()
    expect(public.locator("select[name=smuggling_channel]")).to_have_value("visitors")
    expect(public.locator("input[name=staff_involved][value=no]")).to_be_checked()
    # Files are never kept across an invalid submission, and the page says so.
    expect(public.locator(".alert-danger p")).to_have_count(2)
    assert Tip.objects.count() == 0

    public.fill("textarea[name=description]", description)
    public.set_input_files("input[name=attachments]", files=[attachment])
    with public.expect_request(lambda r: r.method == "POST" and r.url == f"{base}/report/") as post_info:
        submit(public, "/report/")
    # Under Referrer-Policy: no-referrer the browser sends Origin: null and no Referer;
    # the app's CSRF middleware must accept that (with the token) for the POST to work.
    post_headers = post_info.value.all_headers()
    assert post_headers.get("origin") == "null", post_headers
    assert "referer" not in post_headers, post_headers

    # 2. The receipt page shows the 16-digit tracking code.
    receipt_element = public.locator("#receipt")
    expect(receipt_element).to_have_text(re.compile(r"\d{4} \d{4} \d{4} \d{4}"))
    receipt = receipt_element.inner_text().strip()
    assert RECEIPT_RE.match(receipt), receipt
    public.screenshot(path=str(screenshot_dir / "receipt.png"), full_page=True)
    tip = Tip.objects.get()
    assert tip.unit.slug == "lima"
    assert tip.attachments.count() == 1

    # 3. The Lima investigator logs in, finds the case in the queue and reads the tip in it.
    case = tip.case_link.case
    case_path = f"/staff/cases/{case.public_id}/"
    staff = staff_page
    staff_login(staff, base, "lima_investigator")
    # The session and vault cookies survive over plain http://localhost (chromium treats
    # localhost as secure), so no cookie settings are overridden for these tests.
    cookies = {c["name"] for c in staff_context.cookies()}
    assert {settings.SESSION_COOKIE_NAME, settings.VAULT_COOKIE_NAME} <= cookies, cookies
    case_links = staff.locator("main a[href^='/staff/cases/']")
    expect(case_links).to_have_count(1)
    expect(case_links).to_have_attribute("href", case_path)
    expect(staff.locator("main tbody tr").first).to_contain_text("E.P. Lurigancho (test)")
    case_links.first.click()
    staff.wait_for_url(f"{base}{case_path}")
    description_box = staff.locator("main .description")
    expect(description_box).to_have_count(1)
    expect(description_box).to_contain_text(canary)
    tip_section = staff.locator("main section", has=staff.locator(".description"))
    # The contact is a reserved identity: the unit sees its code, never the contact (tests/e2e/test_disclosure_browser.py).
    expect(tip_section).not_to_contain_text(contact)
    expect(tip_section.locator(".identity-code")).to_have_text(tip.reserved_identities.get().code)

    attachment_link = staff.locator(f"main a[href^='/staff/tips/{tip.public_id}/files/']", has_text=STORED_NAME)
    expect(attachment_link).to_have_count(1)
    with staff.expect_download() as download_info:
        attachment_link.click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == STORED_NAME
    assert Path(download.path()).read_bytes() == ATTACHMENT_BYTES

    # The question goes from the case page's message form, addressed to the tip's whistleblower.
    message_form = staff.locator(f"form[action='{case_path}message/']")
    expect(message_form.locator("select[name=tip] option")).to_have_count(1)
    message_form.locator("select[name=tip]").select_option(value=str(tip.public_id))
    message_form.locator("textarea[name=body]").fill(question)
    expect(message_form.locator("input[name=is_feedback]")).not_to_be_checked()
    case_action(staff, case_path, "message")
    expect(staff.locator(".thread-message.from-staff")).to_contain_text(question)
    staff.screenshot(path=str(screenshot_dir / "staff_case.png"), full_page=True)

    # 4. The whistleblower comes back with the receipt, reads the question and replies.
    public.goto(f"{base}/followup/")
    public.fill("input[name=receipt]", receipt)
    submit(public, "/followup/")
    public.wait_for_url(f"{base}/followup/")
    with translation.override(html_lang(public)):
        received = str(CaseStatus.RECEIVED.label)
    expect(public.locator("#status")).to_have_text(received)
    expect(public.locator("main")).to_contain_text(canary)
    expect(public.locator(".thread-message.from-staff")).to_contain_text(question)
    public.fill("textarea[name=body]", reply)
    with public.expect_navigation():
        public.locator("button[name=action][value=reply]").click()
    public.wait_for_url(f"{base}/followup/")
    expect(public.locator(".thread-message:not(.from-staff)")).to_contain_text(reply)
    assert Message.objects.filter(tip=tip).count() == 2

    # 5. The investigator reloads the case and sees the reply; the tip's own page shows it too.
    staff.reload()
    expect(staff.locator(".thread-message:not(.from-staff)")).to_contain_text(reply)
    staff.goto(f"{base}/staff/tips/{tip.public_id}/")
    expect(staff.locator("#description")).to_contain_text(canary)
    expect(staff.locator(".thread-message.from-staff")).to_contain_text(question)
    expect(staff.locator(".thread-message:not(.from-staff)")).to_contain_text(reply)


def test_language_switch_without_javascript(
    live_server,  # type: ignore[no-untyped-def]
    make_context: Callable[..., BrowserContext],
) -> None:
    """Spanish is the default; the no-JS language buttons switch to English and back."""
    page = make_context(java_script_enabled=False, locale=UNOFFERED_LOCALE).new_page()
    page.goto(f"{live_server.url}/")
    assert html_lang(page) == "es"
    report_link = page.locator("main a[href='/report/']")

    with page.expect_navigation():
        page.locator("form.lang-switch button[name=language][value=en]").click()
    page.wait_for_url(f"{live_server.url}/")
    assert html_lang(page) == "en"
    expect(report_link).to_have_text("Make a report")

    # The choice sticks (language cookie) on the next page.
    page.goto(f"{live_server.url}/report/")
    assert html_lang(page) == "en"

    with page.expect_navigation():
        page.locator("form.lang-switch button[name=language][value=es]").click()
    page.wait_for_url(f"{live_server.url}/report/")
    assert html_lang(page) == "es"


def test_landing_text_is_spanish_by_default(
    live_server,  # type: ignore[no-untyped-def]
    make_context: Callable[..., BrowserContext],
) -> None:
    """The default landing page is in Spanish text, not only lang="es" (needs the compiled catalogue)."""
    page = make_context(java_script_enabled=False, locale=UNOFFERED_LOCALE).new_page()
    page.goto(f"{live_server.url}/")
    assert html_lang(page) == "es"
    with translation.override("es"):
        spanish = translation.gettext("Make a report")
    assert spanish != "Make a report", "locale/es/LC_MESSAGES/django.mo is missing or lacks this string"
    expect(page.locator("main a[href='/report/']")).to_have_text(spanish)
