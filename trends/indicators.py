"""ISO 37002-style indicators of the cases received in the period: how fast, how often substantiated, what followed.

Read from the roll-ups only, like the rest of the dashboard: time to acknowledge and to
close (median and 90th percentile) from CaseTimingRollup, a histogram of days; the
share acknowledged late, substantiated cases, sanctions imposed and cases whose
whistleblower came back from CaseRollup. Every count leaves as a `Published`, every
ratio is computed from published counts, and a percentile of fewer than T cases is not
shown (trends/suppression.py).

This is the one home of these indicators: outcomes/ records the proceedings and
sanctions they count, trends/receivers.py keeps the roll-ups current.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from trends.models import CaseRollup, CaseTimingRollup
from trends.suppression import Published, publish, publish_quantile, publish_share
from trends.tables import Table

MEDIAN, P90 = 0.5, 0.9


@dataclass(frozen=True)
class Timing:
    """Days from receipt to an event, over the cases that reached it."""

    cases: Published
    median_days: int | None
    p90_days: int | None


@dataclass(frozen=True)
class Indicators:
    acknowledge: Timing
    close: Timing
    acknowledged: Published
    acknowledged_late: Published
    acknowledged_late_share: Decimal | None
    substantiated: Published
    sanctions: Published
    sanctions_per_substantiated: Decimal | None
    cases: Published
    came_back: Published
    came_back_share: Decimal | None

    def table(self) -> Table:
        return Table(
            name="indicators",
            title=_("Indicators (ISO 37002)"),
            columns=[_("Indicator"), _("Value"), _("Out of")],
            rows=[
                [_("Days to acknowledge, median"), self.acknowledge.median_days, self.acknowledge.cases],
                [_("Days to acknowledge, 90th percentile"), self.acknowledge.p90_days, self.acknowledge.cases],
                [_("Days to close, median"), self.close.median_days, self.close.cases],
                [_("Days to close, 90th percentile"), self.close.p90_days, self.close.cases],
                [_("Acknowledged late (%)"), self.acknowledged_late_share, self.acknowledged],
                [_("Sanctions imposed"), self.sanctions, None],
                [_("Sanctions per substantiated case"), self.sanctions_per_substantiated, self.substantiated],
                [_("Whistleblowers who came back to answer (%)"), self.came_back_share, self.cases],
            ],
        )


def _timing(histogram: dict[int, int]) -> Timing:
    return Timing(
        cases=publish(sum(histogram.values())),
        median_days=publish_quantile(histogram, MEDIAN),
        p90_days=publish_quantile(histogram, P90),
    )


def _ratio(part: Published, whole: Published) -> Decimal | None:
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return (Decimal(part.value) / Decimal(whole.value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def case_indicators(*, narrow: Callable[[QuerySet[Any]], QuerySet[Any]]) -> Indicators:
    """Return the indicators of the cases received in the period; `narrow` applies period, region, category, scope."""
    histograms: dict[str, dict[int, int]] = defaultdict(dict)
    for event, days, count in (
        narrow(CaseTimingRollup.objects.all())
        .values("event", "days")
        .annotate(n=Sum("cases"))
        .values_list("event", "days", "n")
    ):
        histograms[event][days] = count
    measures = narrow(CaseRollup.objects.all()).aggregate(
        cases=Sum("cases"),
        on_time=Sum("acknowledged_on_time"),
        late=Sum("acknowledged_late"),
        substantiated=Sum("substantiated"),
        sanctions=Sum("sanctions"),
        came_back=Sum("came_back"),
    )
    exact = {name: value or 0 for name, value in measures.items()}
    acknowledged = publish(exact["on_time"] + exact["late"])
    late = publish(exact["late"])
    substantiated = publish(exact["substantiated"])
    sanctions = publish(exact["sanctions"])
    cases = publish(exact["cases"])
    came_back = publish(exact["came_back"])
    return Indicators(
        acknowledge=_timing(histograms[CaseTimingRollup.Event.ACKNOWLEDGED]),
        close=_timing(histograms[CaseTimingRollup.Event.CLOSED]),
        acknowledged=acknowledged,
        acknowledged_late=late,
        acknowledged_late_share=publish_share(late, acknowledged),
        substantiated=substantiated,
        sanctions=sanctions,
        sanctions_per_substantiated=_ratio(sanctions, substantiated),
        cases=cases,
        came_back=came_back,
        came_back_share=publish_share(came_back, cases),
    )
