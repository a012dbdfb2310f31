"""Fixtures for the browser tests: Debian's chromium driven by Playwright, never a downloaded browser.

The public side runs with JavaScript disabled (the site must work without it);
the staff side gets an ordinary context. Screenshots go to var/screenshots/
(git-ignored) so CI can keep them as artifacts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

# Playwright's sync API runs an asyncio loop on the main thread; Django would then
# refuse ORM calls made from the test body (SynchronousOnlyOperation). The test
# code is synchronous, so this is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Short enough that a broken page fails fast, long enough for a loaded CI machine.
DEFAULT_TIMEOUT_MS = 15_000
# A Peruvian whistleblower's browser.
PUBLIC_LOCALE = "es-PE"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium); never `playwright install`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _context(browser: Browser, **kwargs: object) -> BrowserContext:
    context = browser.new_context(accept_downloads=True, **kwargs)  # type: ignore[arg-type]
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context


@pytest.fixture
def public_context(browser: Browser) -> Iterator[BrowserContext]:
    """A whistleblower's browser: JavaScript off, Spanish (Peru) preferred."""
    context = _context(browser, java_script_enabled=False, locale=PUBLIC_LOCALE)
    yield context
    context.close()


@pytest.fixture
def public_page(public_context: BrowserContext) -> Page:
    return public_context.new_page()


@pytest.fixture
def staff_context(browser: Browser) -> Iterator[BrowserContext]:
    """An investigator's browser, separate from the whistleblower's (no shared cookies)."""
    context = _context(browser, locale=PUBLIC_LOCALE)
    yield context
    context.close()


@pytest.fixture
def staff_page(staff_context: BrowserContext) -> Page:
    return staff_context.new_page()


@pytest.fixture
def screenshot_dir() -> Path:
    path = Path(django_settings.BASE_DIR) / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
