"""Hammering the public forms and the staff login with their real, low limits.

The fuzz tests raise every limit so that the validation behind them is reached; here
the limits are low and the requests many: the answers are 429 and the documented 503
(with Retry-After), never another 5xx, and a refused request stores nothing.
"""

from __future__ import annotations

import pytest
from django.conf import LazySettings
from django.test import Client

from accounts.models import StaffMember
from fuzz.figures import FuzzLog
from fuzz.harness import Stored, assert_nothing_stored, fresh_hidden_inputs, send
from org.models import Facility
from tests.conftest import PASSWORD, totp_code
from tests.factories import report_data
from tipline.abuse import TOKEN_FIELD

pytestmark = pytest.mark.django_db

BUSY = frozenset({503})


def test_a_flood_of_reports_is_refused_at_once_with_503_and_nothing_stored(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], log: FuzzLog, settings: LazySettings
) -> None:
    settings.TIPLINE_POW_DIFFICULTY_BITS = 0  # no proof-of-work lane: the whole budget is the common lane
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 1
    settings.TIPLINE_NEW_TIPS_BURST = 3
    client = Client()
    statuses = []
    for _ in range(12):
        hidden = dict(fresh_hidden_inputs(client, log, "/report/", "description"))
        data = {**report_data(facilities["lurigancho"]), TOKEN_FIELD: hidden[TOKEN_FIELD]}
        before = Stored.now()
        response = send(client, log, "POST /report/ (flood)", "POST", "/report/", data=data, allowed_server_errors=BUSY)
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert_nothing_stored(log, "POST /report/ (flood)", before, response)
            assert response["Retry-After"].isdigit()
            assert "Un técnico del pabellón 3" in response.content.decode(), "the refused report's text was not kept"
    assert statuses[:3] == [200, 200, 200]
    assert set(statuses[3:]) == {503}


def test_guessing_a_tracking_code_is_throttled_with_429(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], log: FuzzLog, settings: LazySettings
) -> None:
    # The global receipt limit only paces attempts (tipline/abuse.py); the refusing limit is per code.
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR = 5
    client = Client()
    statuses = []
    for _guess in range(15):
        before = Stored.now()
        response = send(
            client, log, "POST /followup/ (guessing)", "POST", "/followup/", data={"receipt": "1234 5678 9012 3456"}
        )
        assert_nothing_stored(log, "POST /followup/ (guessing)", before, response)
        statuses.append(response.status_code)
    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}


def test_guessing_a_staff_password_locks_the_user_name(
    cast: dict[str, StaffMember], log: FuzzLog, settings: LazySettings
) -> None:
    settings.STAFF_LOGIN_MAX_FAILURES = 3
    client = Client()
    for attempt in range(6):
        data = {"username": "lima_investigator", "password": f"guess {attempt}", "otp_token": "123456"}
        response = send(client, log, "POST /staff/login/ (guessing)", "POST", "/staff/login/", data=data)
        assert response.status_code == 200
    right = {"username": "lima_investigator", "password": PASSWORD, "otp_token": totp_code("lima_investigator")}
    response = send(client, log, "POST /staff/login/ (guessing)", "POST", "/staff/login/", data=right)
    assert response.status_code == 200, "a locked user name logged in"
    assert "_auth_user_id" not in client.session
