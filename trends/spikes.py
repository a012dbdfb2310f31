"""Spike detection: is this week's count unusually high for this facility and category?

Pure functions of integers; the reasoning is in docs/patterns.md, "Spikes". The test
compares the week's count with the facility's own baseline, the 12 weeks before:

- the baseline's mean is the expected count;
- if the baseline is overdispersed (Fisher's index-of-dispersion test, 5% level),
  the tail is a negative binomial's with the baseline's mean and variance, otherwise
  a Poisson's;
- the week is a spike when P(X >= observed) < 0.01 and at least 5 tips were observed.

Tails are summed in log space with `math.lgamma`, from the observed count upwards
(never as 1 - CDF, which loses everything below 1e-16), so the p-values are exact to
double precision without scipy.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

BASELINE_WEEKS = 12
ALPHA = 0.01
MIN_OBSERVED = 5
# Upper 5% point of the chi-square distribution with BASELINE_WEEKS - 1 = 11 degrees of freedom.
DISPERSION_CRITICAL_VALUE = 19.675
DISPERSION_DEGREES_OF_FREEDOM = 11

POISSON = "poisson"
NEGATIVE_BINOMIAL = "negative_binomial"

# The tail sum stops once what is left is below this fraction of the sum so far.
_RELATIVE_PRECISION = 1e-17
_MAX_TERMS = 1_000_000


@dataclass(frozen=True)
class SpikeTest:
    """The result of testing one week's count against its baseline."""

    observed: int
    baseline_total: int
    expected: float
    p_value: float
    method: str

    @property
    def is_spike(self) -> bool:
        return self.observed >= MIN_OBSERVED and self.p_value < ALPHA


def _upper_tail(first_log_term: float, ratio: Callable[[int], float], k: int) -> float:
    """Sum the terms from k upwards: exp(first_log_term), then each times ratio(i) for i = k, k+1, ...

    Only called where the terms decrease from k on, so once `ratio(i)` is below 1 the
    rest is bounded by a geometric series and the sum stops when that bound is negligible.
    """
    term = math.exp(first_log_term)
    total = term
    i = k
    for _ in range(_MAX_TERMS):
        q = ratio(i)
        term *= q
        total += term
        i += 1
        if term == 0.0 or (q < 1.0 and term * q / (1.0 - q) <= total * _RELATIVE_PRECISION):
            break
    return min(1.0, total)


def poisson_upper_tail(k: int, mean: float) -> float:
    """Return P(X >= k) for X ~ Poisson(mean)."""
    if k <= 0:
        return 1.0
    if mean <= 0.0:
        return 0.0
    if k <= mean:
        # The tail is large here: the complement of the (few) lower terms is precise enough.
        lower = sum(math.exp(i * math.log(mean) - mean - math.lgamma(i + 1)) for i in range(k))
        return max(0.0, min(1.0, 1.0 - lower))
    log_first = k * math.log(mean) - mean - math.lgamma(k + 1)
    return _upper_tail(log_first, lambda i: mean / (i + 1), k)


def negative_binomial_upper_tail(k: int, mean: float, variance: float) -> float:
    """Return P(X >= k) for a negative binomial with this mean and variance (variance > mean > 0).

    Parametrised by its size r = mean^2 / (variance - mean) and success probability
    p = r / (r + mean), so that P(X = i) = C(i + r - 1, i) p^r (1 - p)^i.
    """
    if k <= 0:
        return 1.0
    if not 0.0 < mean < variance:
        raise ValueError("a negative binomial needs variance > mean > 0")
    r = mean * mean / (variance - mean)
    p = r / (r + mean)
    log_p, log_q = math.log(p), math.log1p(-p)

    def log_pmf(i: int) -> float:
        return math.lgamma(i + r) - math.lgamma(r) - math.lgamma(i + 1) + r * log_p + i * log_q

    if k <= mean:
        lower = sum(math.exp(log_pmf(i)) for i in range(k))
        return max(0.0, min(1.0, 1.0 - lower))
    # The mode is below the mean, so the terms decrease from k on.
    return _upper_tail(log_pmf(k), lambda i: (i + r) / (i + 1) * (1.0 - p), k)


def is_overdispersed(baseline: Sequence[int]) -> bool:
    """Return whether the counts vary more than a Poisson's would (index-of-dispersion test at 5%)."""
    if len(baseline) != BASELINE_WEEKS:
        raise ValueError(f"the baseline is {BASELINE_WEEKS} weeks")
    mean = statistics.fmean(baseline)
    if mean <= 0.0:
        return False
    statistic = sum((count - mean) ** 2 for count in baseline) / mean
    return statistic > DISPERSION_CRITICAL_VALUE


def spike_test(observed: int, baseline: Sequence[int]) -> SpikeTest:
    """Test a week's count against the 12 weeks before it (oldest first)."""
    if len(baseline) != BASELINE_WEEKS:
        raise ValueError(f"the baseline is {BASELINE_WEEKS} weeks")
    total = sum(baseline)
    mean = total / BASELINE_WEEKS
    if is_overdispersed(baseline):
        variance = statistics.variance(baseline)
        return SpikeTest(
            observed=observed,
            baseline_total=total,
            expected=mean,
            p_value=negative_binomial_upper_tail(observed, mean, variance),
            method=NEGATIVE_BINOMIAL,
        )
    return SpikeTest(
        observed=observed,
        baseline_total=total,
        expected=mean,
        p_value=poisson_upper_tail(observed, mean),
        method=POISSON,
    )
