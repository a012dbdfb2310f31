"""The dashboard's filters: region, period and category, read from the query string."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import Region
from tipline.models import Category
from trends.selectors import TrendFilters
from trends.weeks import WEEK, week_of

# The longest period the heat map and the exports are drawn for.
MAX_WEEKS = 104


PERIODS = [
    ("12", _("Last 12 weeks")),
    ("26", _("Last 26 weeks")),
    ("52", _("Last 52 weeks")),
    ("custom", _("From – to")),
]
DEFAULT_PERIOD = "12"
HEAT_GROUPINGS = [
    ("", _("By week, or by month if most weeks would show “fewer than”")),
    ("week", _("By week, latest first")),
    ("month", _("By month, latest first")),
]


class TrendFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("name"), required=False, empty_label=_("All regions")
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *Category.choices], required=False
    )
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False, initial=DEFAULT_PERIOD)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    heat = forms.ChoiceField(label=_("Heat map"), choices=HEAT_GROUPINGS, required=False)

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "custom":
            start, end = data.get("date_from"), data.get("date_to")
            if start is None or end is None:
                raise forms.ValidationError(_("Give both dates of the period."))
            if start > end:
                raise forms.ValidationError(_("The period must start before it ends."))
            if (week_of(end) - week_of(start)) // WEEK + 1 > MAX_WEEKS:
                raise forms.ValidationError(
                    _("Choose at most %(weeks)d weeks.") % {"weeks": MAX_WEEKS}, code="too_long"
                )
        return data

    def filters(self) -> TrendFilters:
        """Return the filters asked for, or the default (the last 12 weeks, everywhere) if the form is not valid."""
        this_week = week_of(self.today)
        if not self.is_bound or not self.is_valid():
            return TrendFilters(week_from=this_week - (int(DEFAULT_PERIOD) - 1) * WEEK, week_to=this_week)
        data = self.cleaned_data
        period = data.get("period") or DEFAULT_PERIOD
        if period == "custom":
            week_from, week_to = week_of(data["date_from"]), week_of(data["date_to"])
        else:
            week_from, week_to = this_week - (int(period) - 1) * WEEK, this_week
        region = data.get("region")
        return TrendFilters(
            week_from=week_from,
            week_to=week_to,
            region_id=region.pk if region is not None else None,
            category=data.get("category") or "",
            heat=data.get("heat") or "",
        )
