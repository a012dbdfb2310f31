"""Spike detection as pure functions: exact tails, a flagged spike, quiet weeks, and an overdispersed baseline."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from trends.spikes import (
    ALPHA,
    MIN_OBSERVED,
    NEGATIVE_BINOMIAL,
    POISSON,
    is_overdispersed,
    negative_binomial_upper_tail,
    poisson_upper_tail,
    spike_test,
)


def poisson_tail_by_definition(k: int, mean: float) -> float:
    """P(X >= k) as e^-mean times the sum of mean^i / i!, the sum in exact fractions (slow, obviously right)."""
    exact = sum(Fraction(mean) ** i / math.factorial(i) for i in range(k, k + 200))
    return math.exp(-mean) * float(exact)


@pytest.mark.parametrize(("k", "mean"), [(0, 2.0), (1, 0.5), (3, 2.0), (5, 1.0), (10, 2.5), (20, 4.0), (4, 6.0)])
def test_the_poisson_tail_matches_its_definition(k: int, mean: float) -> None:
    assert poisson_upper_tail(k, mean) == pytest.approx(poisson_tail_by_definition(k, mean), rel=1e-9, abs=1e-300)


def test_the_poisson_tail_keeps_its_precision_far_out() -> None:
    # 1 - CDF would round this to 0; the upper sum keeps it (P(X >= 40 | 2) is about 2e-36).
    tail = poisson_upper_tail(40, 2.0)
    assert 0 < tail < 1e-30
    assert tail == pytest.approx(poisson_tail_by_definition(40, 2.0), rel=1e-9)


def test_a_zero_mean_makes_any_count_impossible() -> None:
    assert poisson_upper_tail(1, 0.0) == 0.0
    assert poisson_upper_tail(0, 0.0) == 1.0


def test_the_negative_binomial_tail_matches_its_definition() -> None:
    mean, variance = 3.0, 9.0
    r = mean * mean / (variance - mean)  # 1.5
    p = r / (r + mean)

    def pmf(i: int) -> float:
        return math.exp(math.lgamma(i + r) - math.lgamma(r) - math.lgamma(i + 1)) * p**r * (1 - p) ** i

    assert sum(pmf(i) for i in range(3000)) == pytest.approx(1.0)
    assert sum(i * pmf(i) for i in range(3000)) == pytest.approx(mean)
    for k in (0, 2, 5, 12, 30):
        tail = negative_binomial_upper_tail(k, mean, variance)
        assert tail == pytest.approx(sum(pmf(i) for i in range(k, k + 3000)), rel=1e-9)
        assert tail == pytest.approx(1 - sum(pmf(i) for i in range(k)), abs=1e-12)


def test_the_negative_binomial_tail_is_wider_than_the_poisson_tail() -> None:
    assert negative_binomial_upper_tail(10, 3.0, 9.0) > poisson_upper_tail(10, 3.0)


def test_a_steady_baseline_is_not_overdispersed() -> None:
    assert not is_overdispersed([2, 3, 2, 1, 3, 2, 2, 3, 1, 2, 2, 3])


def test_a_bursty_baseline_is_overdispersed() -> None:
    assert is_overdispersed([0, 0, 9, 0, 1, 0, 0, 8, 0, 0, 1, 0])


def test_a_week_far_above_a_steady_baseline_is_a_spike() -> None:
    result = spike_test(12, [2, 3, 2, 1, 3, 2, 2, 3, 1, 2, 2, 3])

    assert result.method == POISSON
    assert result.expected == pytest.approx(26 / 12)
    assert result.baseline_total == 26
    assert result.p_value < ALPHA
    assert result.is_spike


def test_an_ordinary_week_is_not_a_spike() -> None:
    result = spike_test(4, [2, 3, 2, 1, 3, 2, 2, 3, 1, 2, 2, 3])

    assert result.p_value > ALPHA
    assert not result.is_spike


def test_few_tips_are_never_a_spike_however_unlikely() -> None:
    result = spike_test(MIN_OBSERVED - 1, [0] * 12)

    assert result.p_value == 0.0
    assert not result.is_spike


def test_five_tips_after_twelve_quiet_weeks_are_a_spike() -> None:
    assert spike_test(MIN_OBSERVED, [0] * 12).is_spike


def test_an_overdispersed_baseline_raises_the_bar() -> None:
    bursty = [0, 0, 9, 0, 1, 0, 0, 8, 0, 0, 1, 0]  # mean 1.58, but weeks of 8 and 9 happen

    result = spike_test(9, bursty)

    assert result.method == NEGATIVE_BINOMIAL
    assert not result.is_spike
    # A Poisson with the same mean would have flagged it.
    assert poisson_upper_tail(9, sum(bursty) / 12) < ALPHA


def test_a_big_enough_week_is_a_spike_even_against_a_bursty_baseline() -> None:
    assert spike_test(40, [0, 0, 9, 0, 1, 0, 0, 8, 0, 0, 1, 0]).is_spike


def test_the_baseline_is_twelve_weeks() -> None:
    with pytest.raises(ValueError):
        spike_test(5, [1, 2, 3])
