"""How many generated inputs each fuzz test gets, and the Hypothesis settings they all share.

`make test` runs the fuzz tests with a small budget so the suite stays fast; `make fuzz`
(python -m fuzz.run) sets FUZZ_SCALE=full for the real numbers. Every run is
derandomized: the same code and the same budget generate the same inputs, so a
failure seen in CI can be replayed on any machine.
"""

from __future__ import annotations

import os
from enum import StrEnum

from hypothesis import HealthCheck, settings

SCALE_VARIABLE = "FUZZ_SCALE"


class Target(StrEnum):
    """What a fuzz test exercises; each kind has its own budget."""

    PUBLIC = "public"
    STAFF = "staff"
    ENVELOPE = "envelope"


# Examples per test: (make test, make fuzz). The public views get at least 10,000 generated
# requests each in `make fuzz`, the staff forms 1,000, the envelope parsers 5,000 mutations.
BUDGETS: dict[Target, tuple[int, int]] = {
    Target.PUBLIC: (120, 10_000),
    Target.STAFF: (40, 1_000),
    Target.ENVELOPE: (150, 5_000),
}


def is_full_run() -> bool:
    """Return whether this is the `make fuzz` run rather than the quick one in `make test`."""
    return os.environ.get(SCALE_VARIABLE, "") == "full"


def examples(target: Target, share: float = 1.0) -> int:
    """Return the number of examples for a test of this kind (FUZZ_<TARGET>_EXAMPLES overrides the budget).

    `share` scales it for a test that covers a part of a view (two tests share the
    10,000 requests of /followup/) or several forms at once (the case actions).
    """
    override = os.environ.get(f"FUZZ_{target.name}_EXAMPLES", "")
    quick, full = BUDGETS[target]
    budget = int(override) if override else (full if is_full_run() else quick)
    return max(1, round(budget * share))


def fuzz_settings(target: Target, share: float = 1.0) -> settings:
    """Return the Hypothesis settings of a fuzz test: derandomized, no deadline, no example database.

    The fixtures (database rows, logged-in clients) are built once per test and shared by
    its examples on purpose: building a staff session per example would cost more than the
    example itself, and every check compares the state before and after each request.
    """
    return settings(
        max_examples=examples(target, share),
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        # One minimal failing example is enough, and much quicker to find than all of them.
        report_multiple_bugs=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )
