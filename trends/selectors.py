"""Reads of the trends app: the dashboard, its exports and the digest's alerts, from the roll-ups only.

Nothing here reads a tip or a case: every number comes from the roll-up tables, a
handful of grouped queries per page whatever the number of tips. Every count that
leaves this module is a `Published` (trends/suppression.py): exact counts stay inside.

Who sees what (docs/patterns.md, "Access"): managers the whole country; supervisors
the roll-up rows of their own units (what was routed to them), and the spike alerts
of the facilities in their units' regions.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.db.models import Model, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMember
from accounts.permissions import is_manager, is_supervisor
from org.models import Facility
from tipline.models import Category, IntakeChannel, SmugglingChannel
from trends.breakdowns import CHANNEL_MIX_DEFAULT, ChannelMix, Heatmap, by_name, channel_mix_of, heatmap_of
from trends.indicators import Indicators, case_indicators
from trends.models import (
    CaseRollup,
    CaseTimingRollup,
    Deadline,
    OpenDeadlineRollup,
    PseudonymFacilityTally,
    PseudonymRollup,
    PseudonymTally,
    SpikeAlert,
    TipRollup,
    TipWeekRollup,
)
from trends.searches import SearchResults, search_results
from trends.services import CASE_MEASURES, CLOSE_BUCKETS
from trends.suppression import Published, publish, publish_mean, publish_rate, publish_share, rank
from trends.tables import Table
from trends.weeks import WEEK

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ModelT = TypeVar("ModelT", bound=Model)

# Alerts in the digest: those of the digest's week and the week before.
DIGEST_ALERT_WEEKS = 2


# --- scope and filters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendScope:
    """Whose dashboard: the whole country (unit_ids None) or the rows of some units."""

    unit_ids: frozenset[int] | None
    sees_pseudonyms: bool = False

    @property
    def is_country(self) -> bool:
        return self.unit_ids is None

    def rows(self, queryset: QuerySet[ModelT]) -> QuerySet[ModelT]:
        """Narrow roll-up rows to the units in scope."""
        return queryset if self.unit_ids is None else queryset.filter(unit_id__in=sorted(self.unit_ids))

    def alerts(self, queryset: QuerySet[SpikeAlert]) -> QuerySet[SpikeAlert]:
        """Narrow alerts to the facilities whose region's unit is in scope."""
        if self.unit_ids is None:
            return queryset
        return queryset.filter(facility__region__unit_id__in=sorted(self.unit_ids))


def trend_scope_for(*, member: StaffMember) -> TrendScope | None:
    """Return what this staff member may see of the trends, or None (callers answer 404)."""
    if is_manager(member):
        return TrendScope(unit_ids=None, sees_pseudonyms=True)
    if is_supervisor(member):
        units = frozenset(member.memberships.values_list("unit_id", flat=True))
        return TrendScope(unit_ids=units)
    return None


@dataclass(frozen=True)
class TrendFilters:
    """The weeks (Mondays, both included), region and category the dashboard is narrowed to."""

    week_from: datetime.date
    week_to: datetime.date
    region_id: int | None = None
    category: str = ""
    # The heat map's columns: "week", "month", or "" to let the counts decide (trends.selectors.heatmap_grouping).
    heat: str = ""

    @property
    def weeks(self) -> list[datetime.date]:
        count = (self.week_to - self.week_from) // WEEK + 1
        return [self.week_from + i * WEEK for i in range(max(0, count))]

    @property
    def view(self) -> str:
        """Name what a ranking ranks (period, region, category): the seed of its order of equal counts."""
        return f"{self.week_from}:{self.week_to}:{self.region_id}:{self.category}"

    def as_details(self) -> dict[str, Any]:
        """The filters as non-content metadata, for the audit log of an export."""
        return {
            "week_from": self.week_from.isoformat(),
            "week_to": self.week_to.isoformat(),
            "region": self.region_id,
            "category": self.category,
        }


@dataclass(frozen=True)
class FacilityInfo:
    id: int
    name: str
    region_id: int
    region_name: str
    population: int
    unit_id: int


def _facilities(filters: TrendFilters) -> list[FacilityInfo]:
    facilities = Facility.objects.select_related("region").order_by("name")
    if filters.region_id is not None:
        facilities = facilities.filter(region_id=filters.region_id)
    return [
        FacilityInfo(
            id=facility.pk,
            name=facility.name,
            region_id=facility.region_id,
            region_name=facility.region.name,
            population=facility.population,
            unit_id=facility.region.unit_id,
        )
        for facility in facilities
    ]


def _narrow(
    queryset: QuerySet[ModelT], *, scope: TrendScope, filters: TrendFilters, facility_ids: Sequence[int]
) -> QuerySet[ModelT]:
    """Apply period, region, category and scope to a roll-up (all have week, facility, unit, category)."""
    queryset = scope.rows(queryset.filter(week__range=(filters.week_from, filters.week_to)))
    if filters.region_id is not None:
        queryset = queryset.filter(facility_id__in=facility_ids)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    return queryset.order_by()


# --- the pieces of the dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    label: StrOrPromise
    values: list[Published]


@dataclass(frozen=True)
class WeeklyCounts:
    weeks: list[datetime.date]
    series: list[Series]
    totals: list[Published]


@dataclass(frozen=True)
class RankRow:
    facility: FacilityInfo
    tips: Published
    per_thousand: Decimal | None


@dataclass(frozen=True)
class MixRow:
    label: StrOrPromise
    tips: Published
    share: Decimal | None


@dataclass(frozen=True)
class ComplianceRow:
    label: StrOrPromise
    on_time: Published
    late: Published
    overdue: Published
    not_yet_due: Published
    on_time_share: Decimal | None


@dataclass(frozen=True)
class OutcomeRow:
    label: StrOrPromise
    closed: Published
    substantiated: Published
    unsubstantiated: Published
    referred: Published
    not_actionable: Published
    substantiated_share: Decimal | None


@dataclass(frozen=True)
class CloseRow:
    label: StrOrPromise
    closed: Published
    mean_days: Decimal | None
    buckets: list[Published]


@dataclass(frozen=True)
class AlertRow:
    id: int
    week: datetime.date
    facility_name: str
    category_label: StrOrPromise
    observed: Published
    baseline_total: Published
    expected_per_week: Decimal | None
    p_value_band: str
    method_label: StrOrPromise


@dataclass(frozen=True)
class Dashboard:
    """Everything the managers' dashboard shows, every count already published."""

    filters: TrendFilters
    scope: TrendScope
    total: Published
    total_per_thousand: Decimal | None
    weekly: WeeklyCounts
    ranking: list[RankRow]
    channels: list[MixRow]
    intake: list[MixRow]
    heatmap: Heatmap
    channel_mix: ChannelMix
    compliance: list[ComplianceRow]
    outcomes_by_category: list[OutcomeRow]
    outcomes_by_channel: list[OutcomeRow]
    time_to_close: list[CloseRow]
    alerts: list[AlertRow]
    searches: SearchResults
    indicators: Indicators
    pseudonyms: list[MixRow] | None = field(default=None)

    @property
    def ranking_by_rate(self) -> list[RankRow]:
        return sorted(
            self.ranking,
            key=lambda row: (-(row.per_thousand if row.per_thousand is not None else Decimal(-1)), row.facility.name),
        )

    def tables(self) -> dict[str, Table]:
        """Return every table behind the dashboard's charts, by export name."""
        return {table.name: table for table in _tables(self)}


def _category_label(value: str) -> StrOrPromise:
    return Category(value).label if value in Category.values else value


def _channel_label(value: str) -> StrOrPromise:
    return SmugglingChannel(value).label if value in SmugglingChannel.values else value


def _weekly(
    rows: Iterable[tuple[int, datetime.date, str, int]], filters: TrendFilters
) -> tuple[WeeklyCounts, dict[int, int], dict[tuple[int, datetime.date], int]]:
    """Return the weekly series, and the exact counts by facility and by facility and week (kept in here)."""
    by_week_category: dict[tuple[datetime.date, str], int] = defaultdict(int)
    by_facility: dict[int, int] = defaultdict(int)
    by_cell: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for facility_id, week, category, tips in rows:
        by_week_category[(week, category)] += tips
        by_facility[facility_id] += tips
        by_cell[(facility_id, week)] += tips
    weeks = filters.weeks
    categories = [filters.category] if filters.category else list(Category.values)
    series = [
        Series(
            label=_category_label(category),
            values=[publish(by_week_category.get((week, category), 0)) for week in weeks],
        )
        for category in categories
    ]
    totals = [publish(sum(by_week_category.get((week, category), 0) for category in categories)) for week in weeks]
    return WeeklyCounts(weeks=weeks, series=series, totals=totals), by_facility, by_cell


def _ranking(facilities: list[FacilityInfo], by_facility: dict[int, int], view: str) -> list[RankRow]:
    """Rank by exact counts (suppression.rank), so that facilities showing the same rounded number are still in order."""
    ranked = rank(facilities, count=lambda f: by_facility.get(f.id, 0), name=by_name, view=view)
    rows = []
    for facility in ranked:
        tips = publish(by_facility.get(facility.id, 0))
        rows.append(RankRow(facility=facility, tips=tips, per_thousand=publish_rate(tips, facility.population)))
    return rows


def _mix(counts: dict[str, int], labels: Iterable[tuple[str, StrOrPromise]]) -> list[MixRow]:
    total = publish(sum(counts.values()))
    rows = []
    for value, label in labels:
        tips = publish(counts.get(value, 0))
        rows.append(MixRow(label=label, tips=tips, share=publish_share(tips, total)))
    return rows


def _sum_measures(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for row in rows:
        for name in CASE_MEASURES:
            total[name] += row[name] or 0
    return total


def _outcome_row(label: StrOrPromise, measures: dict[str, int]) -> OutcomeRow:
    closed = publish(measures["closed"])
    substantiated = publish(measures["substantiated"])
    return OutcomeRow(
        label=label,
        closed=closed,
        substantiated=substantiated,
        unsubstantiated=publish(measures["unsubstantiated"]),
        referred=publish(measures["referred"]),
        not_actionable=publish(measures["not_actionable"]),
        substantiated_share=publish_share(substantiated, closed),
    )


def _close_row(label: StrOrPromise, measures: dict[str, int]) -> CloseRow:
    with_date = sum(measures[name] for _limit, name in CLOSE_BUCKETS)
    return CloseRow(
        label=label,
        closed=publish(with_date),
        mean_days=publish_mean(measures["close_days_sum"], with_date),
        buckets=[publish(measures[name]) for _limit, name in CLOSE_BUCKETS],
    )


def _compliance(measures: dict[str, int], open_counts: dict[tuple[str, bool], int]) -> list[ComplianceRow]:
    rows = []
    for deadline, prefix in ((Deadline.ACKNOWLEDGE, "acknowledged"), (Deadline.FEEDBACK, "feedback")):
        on_time_count = measures[f"{prefix}_on_time"]
        late_count = measures[f"{prefix}_late"]
        overdue_count = open_counts.get((deadline, True), 0)
        on_time = publish(on_time_count)
        rows.append(
            ComplianceRow(
                label=deadline.label,
                on_time=on_time,
                late=publish(late_count),
                overdue=publish(overdue_count),
                not_yet_due=publish(open_counts.get((deadline, False), 0)),
                on_time_share=publish_share(on_time, publish(on_time_count + late_count + overdue_count)),
            )
        )
    return rows


def _p_value_band(p_value: float) -> str:
    return "< 0.001" if p_value < 0.001 else "< 0.01"


_ALERT_FIELDS = ("pk", "week", "facility__name", "category", "observed", "baseline_total", "p_value", "method")
METHOD_LABELS = dict(SpikeAlert.Method.choices)


def _alert_row(
    pk: int,
    week: datetime.date,
    facility_name: str,
    category: str,
    observed: int,
    baseline_total: int,
    p_value: float,
    method: str,
) -> AlertRow:
    baseline = publish(baseline_total)
    expected = None
    if baseline.value is not None:
        expected = (Decimal(baseline.value) / 12).quantize(Decimal("0.1"))
    return AlertRow(
        id=pk,
        week=week,
        facility_name=facility_name,
        category_label=_category_label(category),
        observed=publish(observed),
        baseline_total=baseline,
        expected_per_week=expected,
        p_value_band=_p_value_band(p_value),
        method_label=METHOD_LABELS.get(method, method),
    )


def open_alerts(*, scope: TrendScope, filters: TrendFilters, facility_ids: Sequence[int]) -> list[AlertRow]:
    """Return the open spike alerts of the period, region and category, newest week first."""
    alerts = scope.alerts(
        SpikeAlert.objects.filter(status=SpikeAlert.Status.OPEN, week__range=(filters.week_from, filters.week_to))
    )
    if filters.region_id is not None:
        alerts = alerts.filter(facility_id__in=facility_ids)
    if filters.category:
        alerts = alerts.filter(category=filters.category)
    rows = alerts.order_by("-week", "facility__name", "category").values_list(*_ALERT_FIELDS)
    return [_alert_row(*row) for row in rows]


def repeated_pseudonyms() -> list[MixRow]:
    """Return, per kind, how many pseudonyms are named in two or more tips at two or more facilities (published)."""
    labels: dict[str, StrOrPromise] = {}
    if apps.is_installed("linking"):
        from linking.models import EntityKind

        # A time ("at night", "on visiting days") is named everywhere: it says nothing repeated about anyone.
        labels = {value: label for value, label in EntityKind.choices if value != EntityKind.TIME}
    counts = dict(PseudonymRollup.objects.exclude(kind="time").values_list("kind", "pseudonyms"))
    kinds = list(labels) + sorted(set(counts) - set(labels))
    return _mix(counts, [(kind, labels.get(kind, kind)) for kind in kinds])


def trend_dashboard(*, scope: TrendScope, filters: TrendFilters, today: datetime.date) -> Dashboard:
    """Return the dashboard for this scope and these filters; deadlines are overdue if due before `today`."""
    facilities = _facilities(filters)
    facility_ids = [facility.id for facility in facilities]

    def narrow(queryset: QuerySet[ModelT]) -> QuerySet[ModelT]:
        return _narrow(queryset, scope=scope, filters=filters, facility_ids=facility_ids)

    tip_rows = list(
        narrow(TipWeekRollup.objects.all())
        .values("facility_id", "week", "category")
        .annotate(tips=Sum("tips"))
        .values_list("facility_id", "week", "category", "tips")
    )
    weekly, by_facility, by_cell = _weekly(tip_rows, filters)
    if not scope.is_country:
        # A supervisor's facilities: those of their units' regions, and any other their units received tips about.
        assert scope.unit_ids is not None
        facilities = [f for f in facilities if f.unit_id in scope.unit_ids or by_facility.get(f.id)]
    ranking = _ranking(facilities, by_facility, filters.view)
    total = publish(sum(by_facility.values()))
    population = sum(facility.population for facility in facilities)

    channels: dict[str, int] = defaultdict(int)
    intake: dict[str, int] = defaultdict(int)
    mix_category = filters.category or CHANNEL_MIX_DEFAULT
    by_facility_channel: dict[tuple[int, str], int] = defaultdict(int)
    # One read for the channel mix, the intake mix and the first chart (prison by channel for one category).
    for facility_id, category, smuggling, intake_channel, tips in (
        narrow(TipRollup.objects.all())
        .values("facility_id", "category", "smuggling_channel", "intake_channel")
        .annotate(tips=Sum("tips"))
        .values_list("facility_id", "category", "smuggling_channel", "intake_channel", "tips")
    ):
        channels[smuggling] += tips
        intake[intake_channel] += tips
        if category == mix_category:
            by_facility_channel[(facility_id, smuggling)] += tips

    case_rows = list(
        narrow(CaseRollup.objects.all())
        .values("category", "smuggling_channel")
        .annotate(**{name: Sum(name) for name in CASE_MEASURES})
    )
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_channel: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in case_rows:
        by_category[row["category"]].append(row)
        by_channel[row["smuggling_channel"]].append(row)
    all_measures = _sum_measures(case_rows)

    open_counts: dict[tuple[str, bool], int] = {}
    for deadline, overdue, pending in (
        narrow(OpenDeadlineRollup.objects.all())
        .values("deadline")
        .annotate(overdue=Sum("open", filter=Q(due_on__lt=today)), pending=Sum("open", filter=Q(due_on__gte=today)))
        .values_list("deadline", "overdue", "pending")
    ):
        open_counts[(deadline, True)] = overdue or 0
        open_counts[(deadline, False)] = pending or 0

    categories = [filters.category] if filters.category else list(Category.values)
    everything = _("All")
    return Dashboard(
        filters=filters,
        scope=scope,
        total=total,
        total_per_thousand=publish_rate(total, population),
        weekly=weekly,
        ranking=ranking,
        channels=_mix(channels, SmugglingChannel.choices),
        intake=_mix(intake, IntakeChannel.choices),
        heatmap=heatmap_of(ranking, by_cell, filters),
        channel_mix=channel_mix_of(facilities, by_facility_channel, mix_category, f"{filters.view}:mix:{mix_category}"),
        compliance=_compliance(all_measures, open_counts),
        outcomes_by_category=[
            *(_outcome_row(_category_label(c), _sum_measures(by_category.get(c, []))) for c in categories),
            _outcome_row(everything, all_measures),
        ],
        outcomes_by_channel=[
            *(
                _outcome_row(label, _sum_measures(by_channel.get(value, [])))
                for value, label in SmugglingChannel.choices
            ),
            _outcome_row(everything, all_measures),
        ],
        time_to_close=[
            *(_close_row(_category_label(c), _sum_measures(by_category.get(c, []))) for c in categories),
            _close_row(everything, all_measures),
        ],
        alerts=open_alerts(scope=scope, filters=filters, facility_ids=facility_ids),
        searches=search_results(scope=scope, filters=filters, facilities=facilities),
        indicators=case_indicators(narrow=narrow),
        pseudonyms=repeated_pseudonyms() if scope.sees_pseudonyms else None,
    )


# --- tables ------------------------------------------------------------------------------------------


CLOSE_BUCKET_LABELS = [_("0–7 days"), _("8–30 days"), _("31–90 days"), _("91–180 days"), _("over 180 days")]
EXPORT_NAMES = (
    "channel-mix",
    "weekly",
    "facilities",
    "channels",
    "intake",
    "heatmap",
    "compliance",
    "outcomes-by-category",
    "outcomes-by-channel",
    "time-to-close",
    "alerts",
    "searches-by-facility",
    "searches-by-channel",
    "indicators",
    "pseudonyms",
)


def _outcome_table(name: str, title: StrOrPromise, first: StrOrPromise, rows: list[OutcomeRow]) -> Table:
    return Table(
        name=name,
        title=title,
        columns=[
            first,
            _("Closed"),
            _("Substantiated"),
            _("Unsubstantiated"),
            _("Referred"),
            _("Not actionable"),
            _("Substantiated (%)"),
        ],
        rows=[
            [
                row.label,
                row.closed,
                row.substantiated,
                row.unsubstantiated,
                row.referred,
                row.not_actionable,
                row.substantiated_share,
            ]
            for row in rows
        ],
    )


def _tables(dashboard: Dashboard) -> list[Table]:
    weekly = dashboard.weekly
    mix = dashboard.channel_mix
    tables = [
        Table(
            name="channel-mix",
            title=_("%(category)s: tips by facility and smuggling channel")
            % {"category": _category_label(mix.category)},
            columns=[_("Facility"), *(label for _value, label in mix.channels), _("All channels")],
            rows=[[facility.name, *cells, total] for facility, cells, total in mix.rows],
        ),
        Table(
            name="weekly",
            title=_("Tips per week"),
            columns=[_("Week of"), *(series.label for series in weekly.series), _("All")],
            rows=[
                [week, *(series.values[i] for series in weekly.series), weekly.totals[i]]
                for i, week in enumerate(weekly.weeks)
            ],
        ),
        Table(
            name="facilities",
            title=_("Tips by facility"),
            columns=[_("Facility"), _("Region"), _("Tips"), _("Population"), _("Tips per 1,000 inmates")],
            rows=[
                [row.facility.name, row.facility.region_name, row.tips, row.facility.population, row.per_thousand]
                for row in dashboard.ranking
            ],
        ),
        Table(
            name="channels",
            title=_("How the contraband gets in"),
            columns=[_("Smuggling channel"), _("Tips"), _("Share (%)")],
            rows=[[row.label, row.tips, row.share] for row in dashboard.channels],
        ),
        Table(
            name="intake",
            title=_("How the tips arrived"),
            columns=[_("Intake channel"), _("Tips"), _("Share (%)")],
            rows=[[row.label, row.tips, row.share] for row in dashboard.intake],
        ),
        Table(
            name="heatmap",
            title=_("Tips by facility and month") if dashboard.heatmap.by_month else _("Tips by facility and week"),
            columns=[
                _("Facility"),
                *(
                    period.strftime("%Y-%m") if dashboard.heatmap.by_month else period
                    for period in dashboard.heatmap.periods
                ),
            ],
            rows=[[facility.name, *values] for facility, values in dashboard.heatmap.rows],
        ),
        Table(
            name="compliance",
            title=_("Deadlines"),
            columns=[
                _("Deadline"),
                _("Met on time"),
                _("Met late"),
                _("Open, overdue"),
                _("Open, not yet due"),
                _("On time (%)"),
            ],
            rows=[
                [row.label, row.on_time, row.late, row.overdue, row.not_yet_due, row.on_time_share]
                for row in dashboard.compliance
            ],
        ),
        _outcome_table(
            "outcomes-by-category", _("Outcomes by category"), _("Category"), dashboard.outcomes_by_category
        ),
        _outcome_table(
            "outcomes-by-channel",
            _("Outcomes by smuggling channel"),
            _("Smuggling channel"),
            dashboard.outcomes_by_channel,
        ),
        Table(
            name="time-to-close",
            title=_("Time to close"),
            columns=[_("Category"), _("Closed"), _("Mean days"), *CLOSE_BUCKET_LABELS],
            rows=[[row.label, row.closed, row.mean_days, *row.buckets] for row in dashboard.time_to_close],
        ),
        Table(
            name="alerts",
            title=_("Open spike alerts"),
            columns=[
                _("Week of"),
                _("Facility"),
                _("Category"),
                _("Tips that week"),
                _("Tips in the 12 weeks before"),
                _("Usual tips per week"),
                _("p-value"),
                _("Test"),
            ],
            rows=[
                [
                    row.week,
                    row.facility_name,
                    row.category_label,
                    row.observed,
                    row.baseline_total,
                    row.expected_per_week,
                    row.p_value_band,
                    row.method_label,
                ]
                for row in dashboard.alerts
            ],
        ),
    ]
    tables.extend(dashboard.searches.tables())
    tables.append(dashboard.indicators.table())
    if dashboard.pseudonyms is not None:
        tables.append(
            Table(
                name="pseudonyms",
                title=_("Repeatedly named (two or more tips, two or more facilities)"),
                columns=[_("Kind"), _("Pseudonyms"), _("Share (%)")],
                rows=[[row.label, row.tips, row.share] for row in dashboard.pseudonyms],
            )
        )
    return tables


# --- the digest ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestAlert:
    """An open spike alert as the unit's morning summary tells it: facility, category and counts."""

    facility_name: str
    category_label: StrOrPromise
    week: datetime.date
    observed: Published
    baseline_total: Published


def unit_spike_alerts(*, unit_id: int, day: datetime.date) -> tuple[DigestAlert, ...]:
    """Return the open spike alerts of this week and last at the facilities of the unit's regions."""
    since = day - datetime.timedelta(days=day.weekday()) - (DIGEST_ALERT_WEEKS - 1) * WEEK
    alerts = (
        SpikeAlert.objects.filter(
            status=SpikeAlert.Status.OPEN, week__gte=since, week__lte=day, facility__region__unit_id=unit_id
        )
        .select_related("facility")
        .order_by("-week", "facility__name", "category")
    )
    return tuple(
        DigestAlert(
            facility_name=alert.facility.name,
            category_label=_category_label(alert.category),
            week=alert.week,
            observed=publish(alert.observed),
            baseline_total=publish(alert.baseline_total),
        )
        for alert in alerts
    )


# --- the whole roll-up state, for checking that incremental updates equal a rebuild --------------------

RollupSnapshot = dict[str, list[tuple[Any, ...]]]


def rollups_snapshot() -> RollupSnapshot:
    """Return every roll-up row and spike alert as sorted tuples without ids (what the dashboard reads).

    Used by the tests and by `make chaos` to compare the roll-ups kept current by the
    workers with what a full rebuild writes.
    """

    def rows(model: Any, *names: str) -> list[tuple[Any, ...]]:
        return sorted(model.objects.values_list(*names))

    case_fields = [f.name for f in CaseRollup._meta.concrete_fields if f.name not in ("id", "facility", "unit")]
    return {
        "tips": rows(
            TipRollup, "facility_id", "week", "unit_id", "category", "smuggling_channel", "intake_channel", "tips"
        ),
        "tip_weeks": rows(TipWeekRollup, "facility_id", "week", "unit_id", "category", "tips"),
        "cases": rows(CaseRollup, "facility_id", "unit_id", *case_fields),
        "case_timings": rows(CaseTimingRollup, "facility_id", "week", "unit_id", "category", "event", "days", "cases"),
        "open_deadlines": rows(
            OpenDeadlineRollup, "facility_id", "week", "unit_id", "category", "deadline", "due_on", "open"
        ),
        "alerts": rows(
            SpikeAlert,
            "facility_id",
            "category",
            "week",
            "observed",
            "baseline_total",
            "expected",
            "p_value",
            "method",
            "status",
        ),
        "pseudonyms": rows(PseudonymRollup, "kind", "pseudonyms"),
        # Compared, never shown: the numbers the repeated pseudonyms are kept current from.
        "pseudonym_tallies": sorted(
            (bytes(pseudonym), kind, tips)
            for pseudonym, kind, tips in PseudonymTally.objects.values_list("pseudonym", "kind", "tips")
        ),
        "pseudonym_facility_tallies": sorted(
            (bytes(pseudonym), facility_id, tips)
            for pseudonym, facility_id, tips in PseudonymFacilityTally.objects.values_list(
                "pseudonym", "facility_id", "tips"
            )
        ),
    }
