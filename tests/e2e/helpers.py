"""Small steps the browser tests share: submitting one form, logging staff in, reading the page language.

Everything here finds elements by form action, field name, id or URL, never by
visible text: the pages are translated (Spanish by default), and the staff
pages' translation changes while these tests are written.
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.functional import Promise
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, totp_code

RECEIPT_RE = re.compile(r"^\d{4} \d{4} \d{4} \d{4}$")


def submit(page: Page, form_action: str) -> None:
    """Submit the page's form posting to `form_action` (not the language switch) and wait for the response."""
    with page.expect_navigation():
        page.locator(f"form[action='{form_action}'] button[type=submit]").first.click()


def html_lang(page: Page) -> str:
    return page.locator("html").get_attribute("lang") or ""


def as_shown(page: Page, text: str | Promise) -> str:
    """Return `text` (a lazy label or a msgid) translated into the language the page is shown in."""
    with translation.override(html_lang(page)):
        return str(translation.gettext(text) if isinstance(text, str) else text)


def staff_login(page: Page, base: str, username: str) -> None:
    """Log in through the real login page (password and TOTP code) and land on the queue."""
    page.goto(f"{base}/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=otp_token]", totp_code(username))
    submit(page, "/staff/login/")
    page.wait_for_url(f"{base}/staff/")


def case_action(page: Page, case_path: str, action: str) -> None:
    """Submit the case page's form for `action` (it redirects back to the case) and check it succeeded."""
    submit(page, f"{case_path}{action}/")
    page.wait_for_url(re.compile(re.escape(case_path) + "$"))
    # Success and error flashes share role=status; only the success one has this class.
    expect(page.locator("main .alert[role=status]")).to_have_class(re.compile(r"\balert-success\b"))
