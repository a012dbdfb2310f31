"""Fixtures of the fuzz tests: raised limits, a fresh cache, quiet 4xx logging, and the run's figures."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.conf import LazySettings
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.keys import staff_member_create
from accounts.models import Role, StaffMember
from fuzz.figures import FuzzLog
from tests.conftest import PASSWORD

# Small enough that "too large" is cheap to reach, large enough for the sample images.
FUZZ_MAX_ATTACHMENT_BYTES = 4096
FUZZ_MAX_ATTACHMENTS = 3


@pytest.fixture(autouse=True)
def fuzz_limits(tipline_settings: LazySettings, fresh_cache: None) -> None:
    """Raise the throttles tests/conftest.py leaves low enough to reach, so they do not hide validation.

    The throttles themselves are fuzzed in test_throttles.py with their real, low limits.
    """
    settings = tipline_settings
    settings.TIPLINE_REPLIES_PER_TIP_PER_DAY = 1_000_000
    settings.TIPLINE_ATTACHMENTS_PER_TIP = 1_000_000
    settings.STAFF_LOGIN_MAX_FAILURES = 1_000_000
    settings.TIPLINE_MAX_ATTACHMENT_BYTES = FUZZ_MAX_ATTACHMENT_BYTES
    settings.TIPLINE_MAX_ATTACHMENTS = FUZZ_MAX_ATTACHMENTS


@pytest.fixture(autouse=True)
def quiet_client_errors() -> Iterator[None]:
    """Log 4xx answers (thousands of them, all expected) no more; 5xx are still logged and fail the test.

    Django logs a refused body (too big, too many fields) on django.security at ERROR level,
    although it answers 400: the harness checks every status itself.
    """
    quiet = {"django.request": logging.ERROR, "django.security": logging.CRITICAL, "tipline.abuse": logging.ERROR}
    loggers = [logging.getLogger(name) for name in quiet]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(quiet[logger.name])
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def log() -> Iterator[FuzzLog]:
    """The figures of this test, added to the run's figures (python -m fuzz.run) at its end."""
    figures = FuzzLog()
    yield figures
    figures.flush()


def make_staff(username: str, role: str) -> StaffMember:
    """Create a staff member with the suite's password and an authenticator, as tests/conftest.py does."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return staff_member_create(user=user, role=role, password=PASSWORD)


@pytest.fixture
def operator(cast: dict[str, StaffMember]) -> StaffMember:
    return make_staff("operator", Role.OPERATOR)


@pytest.fixture
def auditor(cast: dict[str, StaffMember]) -> StaffMember:
    return make_staff("auditor", Role.AUDITOR)
