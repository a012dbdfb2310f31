"""The publication rule: "<T" below the threshold, otherwise rounded down to a multiple of T; derived figures from published values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import LazySettings
from django.core.checks import Error
from hypothesis import given
from hypothesis import strategies as st

from tests.trends.disclosure import interval
from trends.apps import check_suppression_threshold
from trends.suppression import Published, publish, publish_mean, publish_rate, publish_share


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "<5"), (1, "<5"), (4, "<5"), (5, "5"), (9, "5"), (10, "10"), (14, "10"), (123, "120")]
)
def test_counts_are_suppressed_below_five_and_rounded_down_above(count: int, shown: str) -> None:
    assert str(publish(count)) == shown


def test_the_threshold_comes_from_the_settings(settings: LazySettings) -> None:
    settings.TRENDS_SUPPRESSION_THRESHOLD = 10

    assert str(publish(9)) == "<10"
    assert str(publish(27)) == "20"


def test_a_threshold_below_three_is_refused(settings: LazySettings) -> None:
    settings.TRENDS_SUPPRESSION_THRESHOLD = 2

    assert [type(message) for message in check_suppression_threshold()] == [Error]


def test_rates_and_shares_come_from_the_published_counts() -> None:
    assert publish_rate(publish(13), 6500) == Decimal("1.5")  # 10 per 6,500, not 13
    assert publish_rate(publish(4), 6500) is None
    assert publish_share(publish(7), publish(23)) == Decimal("25.0")  # 5 of 20
    assert publish_share(publish(3), publish(23)) is None


def test_a_mean_needs_enough_cases() -> None:
    assert publish_mean(40, 4) is None
    assert publish_mean(50, 5) == Decimal("10.0")


@given(outer=st.integers(0, 400), inner_share=st.floats(0, 1), threshold=st.integers(3, 10))
def test_no_single_subtraction_pins_a_suppressed_count(outer: int, inner_share: float, threshold: int) -> None:
    """Whatever two published totals A (containing) and B (contained) are subtracted, a suppressed A - B keeps T - 1 candidates.

    This is every "narrowing" attack with one subtraction: the country minus a region,
    a total minus all but one cell's total, a 13-week sum minus a 12-week sum.
    """
    inner = round(outer * inner_share)
    difference = outer - inner
    if difference >= threshold:
        return

    def shown(count: int) -> Published:
        if count < threshold:
            return Published(value=None, threshold=threshold)
        return Published(value=count - count % threshold, threshold=threshold)

    a, b, x = interval(shown(outer)), interval(shown(inner)), interval(shown(difference))
    possible = {d for d in range(a.start - (b.stop - 1), a.stop - b.start) if d in x}

    assert difference in possible
    assert len(possible) >= threshold - 1 >= 2


def test_rounding_to_the_nearest_multiple_would_have_leaked() -> None:
    """Why down and not to the nearest: "10" (8 to 12) minus "<5" (0 to 4) would pin a suppressed 4."""
    nearest_ten = range(8, 13)
    suppressed = range(0, 5)
    possible = {a - b for a in nearest_ten for b in suppressed} & set(suppressed)
    assert possible == {4}
    # Rounded down, "5" (5 to 9) minus "<5" leaves 1 to 4.
    assert {a - b for a in interval(publish(8)) for b in interval(publish(4))} & set(suppressed) == {1, 2, 3, 4}
