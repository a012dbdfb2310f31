"""Fixtures for the browser tests: Debian's chromium driven by Playwright, never a downloaded browser.

The public side runs with JavaScript disabled (the site must work without it);
the staff side gets an ordinary context. Screenshots go to var/screenshots/
(git-ignored) so CI can keep them as artifacts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from accounts import security

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
# Staff browsers. The app ignores Accept-Language on purpose (Spanish unless the visitor
# clicks the language switch), so the tests find staff elements by id, name and URL.
STAFF_LOCALE = "en-US"


@pytest.fixture(autouse=True)
def own_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count this test's failed logins apart from every other run's (the cache may be a shared Redis)."""
    monkeypatch.setattr(security, "_THROTTLE_SALT", f"e2e-{uuid.uuid4()}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless chromium per test module.

    While Playwright's sync API is active, an asyncio loop counts as running on the
    main thread, and Django refuses ORM calls from the test body and the fixtures
    (SynchronousOnlyOperation). The tests are plain synchronous code, so Django's
    check is switched off for exactly as long as Playwright runs; module scope
    (not session) makes sure no later, non-browser test runs under that loop or
    with the check off.
    """
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium); never `playwright install`"
        )
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def make_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Return a factory of fresh browser contexts (own cookies), all closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(accept_downloads=True, **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def public_context(make_context: Callable[..., BrowserContext]) -> BrowserContext:
    """A whistleblower's browser: JavaScript off, Spanish (Peru) preferred."""
    return make_context(java_script_enabled=False, locale=PUBLIC_LOCALE)


@pytest.fixture
def public_page(public_context: BrowserContext) -> Page:
    return public_context.new_page()


@pytest.fixture
def staff_context(make_context: Callable[..., BrowserContext]) -> BrowserContext:
    """An investigator's browser, separate from the whistleblower's (no shared cookies)."""
    return make_context(locale=STAFF_LOCALE)


@pytest.fixture
def staff_page(staff_context: BrowserContext) -> Page:
    return staff_context.new_page()


@pytest.fixture
def screenshot_dir() -> Path:
    path = Path(django_settings.BASE_DIR) / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
