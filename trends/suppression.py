"""Small-cell protection: the only way a count leaves the trends app (docs/patterns.md, "Small cells").

Roll-ups hold exact counts; selectors turn every count they hand out into a
`Published` with `publish()`, and rates, shares and means are computed from published
values only. The rule, with T = settings.TRENDS_SUPPRESSION_THRESHOLD (default 5):

- a count below T (zero included) is published as "<T";
- any other count is published rounded down to a multiple of T.

Totals are published by the same rule, independently of their cells. Why rounding
down: published values are then the bucket [kT, kT + T - 1] a count falls in, and
the difference of any two published numbers (a total minus a cell, the country minus
a region, a long period minus a shorter one) pins a suppressed count to no fewer
than T - 1 values, so no suppressed count can be recomputed by subtraction, whatever
filters are combined. Rounding to the nearest multiple does not have this property
("10" minus "<5" would pin 8 - 4 = 4).

Rankings (docs/patterns.md, "Rankings"): the buckets make many facilities tie ("5" is
any of 5 to 9), so `rank` orders rows by their exact counts while the numbers shown
stay the published buckets. Two rows with equal exact counts are put in an order drawn
from a keyed hash of the row and the view, not by name: otherwise an order against the
alphabet would say "strictly more", and strict inequalities between cells of one bucket
narrow a suppressed cell beside them (three facilities at "5" in strict order hold at
least 5 + 6 + 7 = 18 tips; with their region's total "15", i.e. 15 to 19, a fourth
facility's "<5" would be 0 or 1). An order then says only "at least as many", which
every bucket already allows (all equal). Rows under the threshold all come last, by
name, whatever their exact counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from django.conf import settings
from django.utils.crypto import salted_hmac

T = TypeVar("T")

# Below this the bucket argument fails (T = 2 would pin a suppressed 1): enforced by a system check.
MIN_THRESHOLD = 3
RATE_PER = 1000


def threshold() -> int:
    """Return the suppression threshold: counts below it are shown as "<T"."""
    return int(settings.TRENDS_SUPPRESSION_THRESHOLD)


@dataclass(frozen=True, slots=True)
class Published:
    """A count as the dashboard, the exports and the digest show it: rounded down to a multiple of T, or "<T"."""

    value: int | None
    threshold: int

    @property
    def suppressed(self) -> bool:
        return self.value is None

    @property
    def sort_value(self) -> int:
        """Order suppressed counts below every published one."""
        return -1 if self.value is None else self.value

    def __str__(self) -> str:
        return f"<{self.threshold}" if self.value is None else str(self.value)


def publish(count: int) -> Published:
    """Return how a count may be shown: "<T" below the threshold, else rounded down to a multiple of T."""
    t = threshold()
    if count < t:
        return Published(value=None, threshold=t)
    return Published(value=count - count % t, threshold=t)


def rank(items: Iterable[T], *, count: Callable[[T], int], name: Callable[[T], str], view: str) -> list[T]:
    """Return the items largest exact count first, equal counts in a keyed order per view, suppressed ones last by name.

    `view` names what is being ranked (the filters): the same page shows the same order
    on every load, and an order of equal counts tells nothing a visitor can check.
    """
    t = threshold()

    def key(item: T) -> tuple[int, int, str]:
        exact, label = count(item), name(item)
        if exact < t:
            return (1, 0, label)
        return (0, -exact, salted_hmac("trends.suppression.rank", f"{view}|{label}").hexdigest())

    return sorted(items, key=key)


def publish_quantile(histogram: dict[int, int], fraction: float) -> int | None:
    """Return the value below which `fraction` of the observations fall, or None under the threshold.

    `histogram` maps a value (days, say) to how many observations have it. Like a
    mean, a quantile of fewer than T observations could describe one person's case.
    """
    count = sum(histogram.values())
    if count < threshold() or count == 0:
        return None
    rank = max(1, math.ceil(fraction * count))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def publish_rate(count: Published, population: int) -> Decimal | None:
    """Return the published count per 1,000 people (one decimal), or None if suppressed or unknown population."""
    if count.value is None or population <= 0:
        return None
    return _one_decimal(Decimal(count.value) * RATE_PER / Decimal(population))


def publish_share(part: Published, whole: Published) -> Decimal | None:
    """Return part as a percentage of whole (one decimal), from published values; None if either is suppressed."""
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return _one_decimal(Decimal(part.value) * 100 / Decimal(whole.value))


def publish_mean(total: int, count: int) -> Decimal | None:
    """Return total / count (one decimal) when the count is at least the threshold, else None."""
    if count < threshold() or count == 0:
        return None
    return _one_decimal(Decimal(total) / Decimal(count))
