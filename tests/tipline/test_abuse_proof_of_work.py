"""The optional proof of work: a valid solution has its own lane of the budget, a wrong one counts as none,
and a browser without JavaScript is served all the same."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import LazySettings

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import (
    FakeClock,
    form_token,
    hidden_inputs,
    public_client,
    receipt_from,
    report_data,
    use_fake_clock,
)
from tipline import abuse, proof_of_work
from tipline.models import Tip

pytestmark = pytest.mark.django_db

BITS = 8  # cheap for the suite; the mechanism is the same at 18
SCRIPT = Path(__file__).resolve().parents[2] / "static" / "tipline" / "proof-of-work.js"


@pytest.fixture
def full_bucket(monkeypatch: pytest.MonkeyPatch, settings: LazySettings, fresh_cache: None) -> FakeClock:
    """A budget of two reports a minute split in two lanes of one; the common one already taken."""
    settings.TIPLINE_POW_DIFFICULTY_BITS = BITS
    settings.TIPLINE_POW_LANE_PERCENT = 50
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 2
    settings.TIPLINE_NEW_TIPS_BURST = 2
    clock = use_fake_clock(monkeypatch)
    assert abuse.admit_new_tip().admission is abuse.Admission.AT_ONCE
    return clock


def solved_report(facility: Facility, **overrides: object) -> dict[str, object]:
    data = report_data(facility, **overrides)
    data[abuse.POW_FIELD] = proof_of_work.solve(str(data[abuse.TOKEN_FIELD]), bits=BITS)
    return data


def test_a_report_with_a_valid_solution_goes_through_its_own_lane(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], full_bucket: FakeClock
) -> None:
    response = public_client().post("/report/", solved_report(facilities["lurigancho"]))
    assert response.status_code == 200
    receipt_from(response.content.decode())
    assert abuse.counters_today()["new_tip_paid_with_work"] == 1


def test_a_report_without_javascript_draws_from_the_common_lane(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], full_bucket: FakeClock
) -> None:
    client = public_client()
    page = client.get("/report/").content.decode()
    assert f'data-pow-bits="{BITS}"' in page
    hidden = hidden_inputs(page)
    assert hidden[abuse.POW_FIELD] == ""  # what a browser without JavaScript sends back
    assert client.post("/report/", {**report_data(facilities["lurigancho"]), **hidden}).status_code == 503
    full_bucket.advance(60)
    page = client.get("/report/").content.decode()
    assert client.post("/report/", {**report_data(facilities["lurigancho"]), **hidden_inputs(page)}).status_code == 200


@pytest.mark.parametrize(
    "solution",
    [
        pytest.param("wrong", id="not-a-number"),
        pytest.param("another token's", id="other-token"),
        pytest.param("9" * 40, id="too-long"),
        pytest.param("", id="empty"),
    ],
)
def test_an_invalid_solution_is_treated_as_no_solution(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], full_bucket: FakeClock, solution: str
) -> None:
    data = report_data(facilities["lurigancho"], description="Texto que no se pierde.")
    if solution == "another token's":
        solution = proof_of_work.solve(form_token(), bits=BITS)
        if proof_of_work.solution_valid(token=str(data[abuse.TOKEN_FIELD]), solution=solution):
            pytest.skip("the other token's solution happens to solve this one too")
    data[abuse.POW_FIELD] = solution
    response = public_client().post("/report/", data)
    assert response.status_code == 503
    assert "Texto que no se pierde." in response.content.decode()
    assert Tip.objects.count() == 0


def test_a_solution_is_worth_one_report(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], full_bucket: FakeClock
) -> None:
    data = solved_report(facilities["lurigancho"])
    client = public_client()
    assert client.post("/report/", data).status_code == 200
    assert client.post("/report/", data).status_code == 400  # the token and its solution were used
    assert Tip.objects.count() == 1


def test_the_paid_lane_is_capped_too(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], full_bucket: FakeClock
) -> None:
    assert public_client().post("/report/", solved_report(facilities["lurigancho"])).status_code == 200
    # The lane of solved reports (half of the one budget) is empty now: the next one queues like any.
    assert public_client().post("/report/", solved_report(facilities["lurigancho"])).status_code == 503


@pytest.mark.parametrize(("paid_per_second", "plain_per_second"), [(2, 2), (5, 0), (0, 5), (1, 4)])
def test_reports_with_and_without_work_together_stay_within_the_documented_cap(
    monkeypatch: pytest.MonkeyPatch,
    settings: LazySettings,
    fresh_cache: None,
    paid_per_second: int,
    plain_per_second: int,
) -> None:
    """The documented cap: at most BURST + PER_MINUTE x minutes new reports by any time, work or not."""
    settings.TIPLINE_POW_DIFFICULTY_BITS = BITS
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 30
    settings.TIPLINE_NEW_TIPS_BURST = 60
    clock = use_fake_clock(monkeypatch)
    start = clock.now
    admitted: list[float] = []  # seconds after the start at which each report was let through
    for _second in range(92):
        for paid in [True] * paid_per_second + [False] * plain_per_second:
            if not abuse.admit_new_tip(paid_with_work=paid).refused:
                admitted.append(clock.now - start)
        clock.advance(1)
    for t in range(93):
        cap = 60 + 30 * t / 60
        assert sum(1 for at in admitted if at <= t) <= cap, f"more than {cap:.0f} reports by second {t}"
    # The budget is used, not wasted: solved reports fall back to the common lane, so with them about
    # the whole 106 goes through; reports without work alone get the common lane, half of it.
    assert sum(1 for at in admitted if at <= 92) >= (100 if paid_per_second else 50)


def test_switched_off_no_script_is_served_and_solutions_skip_nothing(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], full_bucket: FakeClock, settings: LazySettings
) -> None:
    data = solved_report(facilities["lurigancho"])
    settings.TIPLINE_POW_DIFFICULTY_BITS = 0
    page = public_client().get("/report/").content.decode()
    assert "proof-of-work.js" not in page and abuse.POW_FIELD not in page
    assert public_client().post("/report/", data).status_code == 503


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the browser script")
def test_the_browser_script_finds_solutions_the_server_accepts(settings: LazySettings) -> None:
    settings.TIPLINE_POW_DIFFICULTY_BITS = 12
    tokens = [form_token() for _ in range(3)] + ["x" * 55, "y" * 120]  # across SHA-256 block boundaries
    program = (
        f"const pow = require({json.dumps(str(SCRIPT))});"
        f"const tokens = {json.dumps(tokens)};"
        "console.log(JSON.stringify(tokens.map((t) => pow.solve(t, 12, 0, 10000000))));"
    )
    result = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=60, check=True)
    solutions = json.loads(result.stdout)
    for token, solution in zip(tokens, solutions, strict=True):
        assert proof_of_work.solution_valid(token=token, solution=solution)
        assert solution == proof_of_work.solve(token, bits=12), "both find the smallest counter"
