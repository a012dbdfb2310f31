"""The managers' dashboard, its CSV exports, dismissing a spike alert, and the public figures page.

The staff pages are for managers (the whole country) and supervisors (their units); 404
for every other role. The public figures page needs no account and shows the country's
quarterly figures only (trends/public.py). Nothing here links to a case or a tip, and
nothing reads one: the pages are built from the roll-ups (trends/selectors.py) and the
cell searches' counts.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import StaffMember
from accounts.security import staff_required
from tipline.models import Category
from trends import charts
from trends.forms import TrendFilterForm
from trends.models import SpikeAlert
from trends.public import public_figures
from trends.selectors import EXPORT_NAMES, Dashboard, TrendScope, trend_dashboard, trend_scope_for
from trends.services import alert_dismiss, trend_export_record
from trends.suppression import threshold
from trends.tables import table_csv

# The newest open alerts are listed with a dismiss button; the CSV export has them all.
ALERTS_ON_PAGE = 50


def _scope_or_404(member: StaffMember) -> TrendScope:
    scope = trend_scope_for(member=member)
    if scope is None:
        raise Http404
    return scope


def _dashboard(request: HttpRequest, scope: TrendScope) -> tuple[TrendFilterForm, Dashboard]:
    today = timezone.localdate()
    form = TrendFilterForm(request.GET or None, today=today)
    return form, trend_dashboard(scope=scope, filters=form.filters(), today=today)


def _charts(dashboard: Dashboard) -> dict[str, SafeString]:
    below = _("fewer than %(threshold)d") % {"threshold": threshold()}
    weekly = dashboard.weekly
    return {
        "weekly": charts.line_chart(
            "chart-weekly",
            title=_("Tips per week"),
            weeks=weekly.weeks,
            lines=[charts.Line(label=str(series.label), values=series.values) for series in weekly.series],
            suppressed_label=below,
            y_label=_("Tips"),
            x_label=_("Week of (Monday)"),
        ),
        "facilities": charts.bar_chart(
            "chart-facilities",
            title=_("Tips by facility"),
            bars=[charts.Bar(label=row.facility.name, value=row.tips) for row in dashboard.ranking],
        ),
        "facilities_rate": charts.bar_chart(
            "chart-facilities-rate",
            title=_("Tips per 1,000 inmates"),
            bars=[
                charts.Bar(
                    label=row.facility.name,
                    value=row.tips,
                    note=_("%(rate)s per 1,000") % {"rate": row.per_thousand} if row.per_thousand is not None else "",
                    measure=float(row.per_thousand) if row.per_thousand is not None else 0.0,
                )
                for row in dashboard.ranking_by_rate
            ],
        ),
        "channels": charts.bar_chart(
            "chart-channels",
            title=_("How the contraband gets in"),
            bars=[
                charts.Bar(label=str(row.label), value=row.tips, note=f"{row.share} %" if row.share is not None else "")
                for row in dashboard.channels
            ],
        ),
        "heatmap": _heatmap_chart(dashboard),
        "compliance": charts.stacked_bars(
            "chart-compliance",
            title=_("Deadlines"),
            rows=[
                (
                    str(row.label),
                    [
                        charts.Segment(_("met on time"), row.on_time),
                        charts.Segment(_("met late"), row.late),
                        charts.Segment(_("open, overdue"), row.overdue),
                        charts.Segment(_("open, not yet due"), row.not_yet_due),
                    ],
                )
                for row in dashboard.compliance
            ],
        ),
    }


def _heatmap_chart(dashboard: Dashboard) -> SafeString:
    heat = dashboard.heatmap
    if heat.by_month:
        return charts.heatmap(
            "chart-heatmap",
            title=_("Tips by facility and month"),
            columns=[date_format(month, "M Y") for month in heat.periods],
            rows=[(facility.name, values) for facility, values in heat.rows],
            description=_(
                "One row per facility, one column per month, the latest first; every cell shows its number of tips."
            ),
            cell_w=64,
        )
    return charts.heatmap(
        "chart-heatmap",
        title=_("Tips by facility and week"),
        columns=[date_format(week, "j M") for week in heat.periods],
        rows=[(facility.name, values) for facility, values in heat.rows],
        description=_(
            "One row per facility, one column per week, the latest first; every cell shows its number of tips."
        ),
    )


@staff_required
@require_GET
def dashboard(request: HttpRequest, member: StaffMember) -> HttpResponse:
    scope = _scope_or_404(member)
    form, data = _dashboard(request, scope)
    query = request.GET.urlencode()
    return render(
        request,
        "trends/dashboard.html",
        {
            "member": member,
            "form": form,
            "dashboard": data,
            # Template-friendly keys: "outcomes-by-category" is read as tables.outcomes_by_category.
            "tables": {name.replace("-", "_"): table for name, table in data.tables().items()},
            "charts": _charts(data),
            "query": query,
            "alerts_shown": data.alerts[:ALERTS_ON_PAGE],
            "alerts_more": max(0, len(data.alerts) - ALERTS_ON_PAGE),
            "threshold": threshold(),
            "channel_mix_label": Category(data.channel_mix.category).label,
        },
    )


@require_GET
def public_results(request: HttpRequest) -> HttpResponse:
    """Show the public what reports led to, nationwide, by quarter (trends/public.py); no staff account needed."""
    quarters = public_figures(today=timezone.localdate())
    rows = [
        (_("Reports received"), [quarter.reports for quarter in quarters]),
        (_("Cases substantiated"), [quarter.substantiated for quarter in quarters]),
        (_("Sanctions imposed"), [quarter.sanctions for quarter in quarters]),
        (_("Phones seized in searches prompted by reports"), [quarter.phones_seized for quarter in quarters]),
    ]
    return render(request, "trends/results.html", {"quarters": quarters, "rows": rows, "threshold": threshold()})


@staff_required
@require_GET
def export(request: HttpRequest, member: StaffMember, name: str) -> HttpResponse:
    scope = _scope_or_404(member)
    if name not in EXPORT_NAMES:
        raise Http404
    _form, data = _dashboard(request, scope)
    table = data.tables().get(name)
    if table is None:
        raise Http404
    filters = data.filters
    trend_export_record(name=name, filters=filters, actor=member)
    response = HttpResponse(table_csv(table).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    filename = f"trends-{name}-{filters.week_from.isoformat()}-{filters.week_to.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def alert_dismiss_view(request: HttpRequest, member: StaffMember, alert_id: int) -> HttpResponse:
    scope = _scope_or_404(member)
    alert = get_object_or_404(scope.alerts(SpikeAlert.objects.all()), pk=alert_id)
    if alert.status == SpikeAlert.Status.OPEN:
        alert_dismiss(alert=alert, actor=member)
        messages.success(request, _("The alert was dismissed."))
    # Back to the same filters: only the filter fields are carried over.
    sent = QueryDict(request.POST.get("query", ""))
    kept = QueryDict(mutable=True)
    for key in TrendFilterForm.base_fields:
        if key in sent:
            kept[key] = sent[key]
    target = redirect("trends:dashboard")
    if kept:
        target["Location"] += "?" + kept.urlencode()
    return target
