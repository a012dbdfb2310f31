from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class TrendsConfig(AppConfig):
    name = "trends"
    verbose_name = "Trends and patterns"

    def ready(self) -> None:
        from cases.digest import digest_spike_alerts_source
        from trends import receivers
        from trends.selectors import unit_spike_alerts

        receivers.connect_linking_receivers()
        checks.register(check_suppression_threshold)
        # The units' morning summaries list their open spike alerts; cases does not import trends.
        digest_spike_alerts_source(unit_spike_alerts)


def check_suppression_threshold(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse a suppression threshold too small for rounding down to protect suppressed counts."""
    from django.conf import settings

    from trends.suppression import MIN_THRESHOLD

    value = getattr(settings, "TRENDS_SUPPRESSION_THRESHOLD", None)
    if not isinstance(value, int) or value < MIN_THRESHOLD:
        return [
            checks.Error(
                f"TRENDS_SUPPRESSION_THRESHOLD must be an integer of at least {MIN_THRESHOLD}, not {value!r}.",
                hint="See docs/patterns.md, 'Small cells'.",
                id="trends.E001",
            )
        ]
    return []
