"""Writes of the trends app: roll-up cells rewritten from their source rows, spike alerts, dismissals.

A cell is a facility and an ISO week. Refreshing it deletes its roll-up rows and
writes them again from the tips (or cases) of that facility received that week, so a
refresh is idempotent, and running it twice, late or out of order gives the same rows.
The nightly rebuild is the same rewrite for every week of every facility: it gives
identical rows by construction (tests/trends/test_incremental_equals_rebuild.py).

Each facility is rewritten in its own transaction under a lock of its own (a
PostgreSQL advisory lock; SQLite serialises writers anyway), so an incremental
refresh and the rebuild never interleave on one facility, and the dashboard never
reads a half-written facility. Locks are taken one facility at a time, in id order,
so two refreshes cannot deadlock.

The repeatedly named pseudonyms are not cells: they are counted by the change, from
the mentions the linking app indexes or unindexes, in the transaction that writes them
(pseudonym_tallies_add and pseudonym_tallies_remove), and recounted by the rebuild.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import StaffMember
from audit.models import AuditAction
from audit.services import audit_record
from cases.models import Case
from cases.statuses import outcome_of
from org.models import Facility, Unit
from outcomes.models import IMPOSED_SANCTIONS, Proceeding
from tipline.models import Message, Tip
from trends import spikes
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
from trends.weeks import WEEK, week_end, week_of

if TYPE_CHECKING:
    from trends.selectors import TrendFilters  # the selectors import this module

Cell = tuple[int, datetime.date]  # (facility id, Monday of the week)

# pg_advisory_xact_lock(key1, key2): key1 names this lock space, key2 is the facility id.
_ADVISORY_LOCK_SPACE = 0x7472656E  # "tren"
_BATCH = 2000


def cell_of(facility_id: int, day: datetime.date) -> Cell:
    """Return the cell (facility, ISO week) a row received on `day` at that facility belongs to."""
    return (facility_id, week_of(day))


def _by_facility(cells: Iterable[Cell]) -> dict[int, list[datetime.date]]:
    weeks: dict[int, set[datetime.date]] = defaultdict(set)
    for facility_id, week in cells:
        weeks[facility_id].add(week_of(week))
    return {facility_id: sorted(weeks[facility_id]) for facility_id in sorted(weeks)}


def _lock_facility(facility_id: int) -> None:
    """Hold the facility's roll-up lock until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_LOCK_SPACE, facility_id])


def _received_in(weeks: list[datetime.date] | None) -> Q:
    """Match rows received in these weeks (None: any week)."""
    query = Q()
    for week in weeks or ():
        query |= Q(received_on__range=(week, week_end(week)))
    return query


def _today() -> datetime.date:
    return timezone.localdate()


# --- tips ----------------------------------------------------------------------------------------------


def _write_tip_rows(facility_id: int, weeks: list[datetime.date] | None) -> None:
    """Rewrite the facility's tip roll-ups for these weeks (None: all weeks) from its tips."""
    tips = Tip.objects.filter(facility_id=facility_id)
    old_rows = TipRollup.objects.filter(facility_id=facility_id)
    old_week_rows = TipWeekRollup.objects.filter(facility_id=facility_id)
    if weeks is not None:
        # Every tip has a unit: naming them all lets PostgreSQL range-scan the (unit, received_on) index
        # instead of reading every tip of the facility (tipline has no (facility, received_on) index).
        unit_ids = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
        tips = tips.filter(_received_in(weeks), unit_id__in=unit_ids)
        old_rows = old_rows.filter(week__in=weeks)
        old_week_rows = old_week_rows.filter(week__in=weeks)

    cells: Counter[tuple[int, str, str, str, datetime.date]] = Counter()
    for unit_id, category, smuggling, intake, received_on in tips.order_by().values_list(
        "unit_id", "category", "smuggling_channel", "intake_channel", "received_on"
    ):
        cells[(unit_id, category, smuggling, intake, week_of(received_on))] += 1
    by_week: Counter[tuple[int, str, datetime.date]] = Counter()
    for (unit_id, category, _smuggling, _intake, week), count in cells.items():
        by_week[(unit_id, category, week)] += count

    old_rows.delete()
    old_week_rows.delete()
    TipRollup.objects.bulk_create(
        [
            TipRollup(
                facility_id=facility_id,
                unit_id=unit_id,
                category=category,
                smuggling_channel=smuggling,
                intake_channel=intake,
                week=week,
                tips=count,
            )
            for (unit_id, category, smuggling, intake, week), count in sorted(cells.items())
        ],
        batch_size=_BATCH,
    )
    TipWeekRollup.objects.bulk_create(
        [
            TipWeekRollup(facility_id=facility_id, unit_id=unit_id, category=category, week=week, tips=count)
            for (unit_id, category, week), count in sorted(by_week.items())
        ],
        batch_size=_BATCH,
    )


# --- cases ---------------------------------------------------------------------------------------------


# Time-to-close histogram: (largest number of days, field). The last bucket takes everything longer.
CLOSE_BUCKETS = (
    (7, "closed_within_7"),
    (30, "closed_within_30"),
    (90, "closed_within_90"),
    (180, "closed_within_180"),
    (None, "closed_after_180"),
)


@dataclass
class _CaseCounts:
    cases: int = 0
    closed: int = 0
    # One count per closing status's outcome (cases/statuses.py); tests/cases/test_status_vocabulary.py
    # checks that every outcome has its field here and in trends.CaseRollup.
    substantiated: int = 0
    unsubstantiated: int = 0
    referred: int = 0
    not_actionable: int = 0
    close_days_sum: int = 0
    closed_within_7: int = 0
    closed_within_30: int = 0
    closed_within_90: int = 0
    closed_within_180: int = 0
    closed_after_180: int = 0
    acknowledged_on_time: int = 0
    acknowledged_late: int = 0
    feedback_on_time: int = 0
    feedback_late: int = 0
    sanctions: int = 0
    came_back: int = 0


CASE_MEASURES = tuple(f.name for f in fields(_CaseCounts))


def _deadline_outcome(
    done_on: datetime.date | None, due: datetime.date, *, closed_on: datetime.date | None, is_closed: bool
) -> str | None:
    """Return "on_time", "late", or None while the deadline is open.

    Closing a case answers the whistleblower (they read the outcome), so a deadline
    not met before closing counts as met on the closing day; a closed case without a
    closing date (only possible by editing the database) counts as late.
    """
    if done_on is None and is_closed:
        done_on = closed_on
        if done_on is None:
            return "late"
    if done_on is None:
        return None
    return "on_time" if done_on <= due else "late"


def _write_case_rows(facility_id: int, weeks: list[datetime.date] | None) -> None:
    """Rewrite the facility's case roll-ups for these weeks (None: all weeks) from its cases."""
    cases = Case.objects.filter(facility_id=facility_id)
    old_rows = CaseRollup.objects.filter(facility_id=facility_id)
    old_open = OpenDeadlineRollup.objects.filter(facility_id=facility_id)
    old_timings = CaseTimingRollup.objects.filter(facility_id=facility_id)
    if weeks is not None:
        cases = cases.filter(_received_in(weeks))
        old_rows = old_rows.filter(week__in=weeks)
        old_open = old_open.filter(week__in=weeks)
        old_timings = old_timings.filter(week__in=weeks)
    # Per case, through the indexes on the foreign keys: imposed sanctions, and a whistleblower's reply.
    sanctions = (
        Proceeding.objects.filter(case=OuterRef("pk"), sanction__in=sorted(IMPOSED_SANCTIONS))
        .order_by()
        .values("case")
        .annotate(n=Count("id"))
        .values("n")
    )
    replied = Message.objects.filter(tip__case_link__case=OuterRef("pk"), author_kind=Message.Author.WHISTLEBLOWER)
    cases = cases.annotate(sanctions=Coalesce(Subquery(sanctions), 0), came_back=Exists(replied))
    timings: Counter[tuple[int, str, datetime.date, str, int]] = Counter()

    cells: dict[tuple[int, str, str, datetime.date], _CaseCounts] = defaultdict(_CaseCounts)
    open_deadlines: Counter[tuple[int, str, datetime.date, str, datetime.date]] = Counter()
    for row in cases.order_by().values_list(
        "unit_id",
        "category",
        "smuggling_channel",
        "received_on",
        "status",
        "closed_on",
        "acknowledged_on",
        "acknowledge_due",
        "feedback_given_on",
        "feedback_due",
        "sanctions",
        "came_back",
    ):
        (
            unit_id,
            category,
            smuggling,
            received_on,
            status,
            closed_on,
            acknowledged_on,
            ack_due,
            fed_back_on,
            fb_due,
            sanctioned,
            came_back,
        ) = row
        week = week_of(received_on)
        counts = cells[(unit_id, category, smuggling, week)]
        counts.cases += 1
        counts.sanctions += sanctioned
        counts.came_back += int(came_back)
        if acknowledged_on is not None:
            timings[
                (
                    unit_id,
                    category,
                    week,
                    CaseTimingRollup.Event.ACKNOWLEDGED,
                    max(0, (acknowledged_on - received_on).days),
                )
            ] += 1
        # A status closes the case exactly when it counts as an outcome (cases/statuses.py).
        case_outcome = outcome_of(status)
        is_closed = case_outcome is not None
        if case_outcome is not None:
            counts.closed += 1
            setattr(counts, case_outcome, getattr(counts, case_outcome) + 1)
            if closed_on is not None:
                days = max(0, (closed_on - received_on).days)
                counts.close_days_sum += days
                timings[(unit_id, category, week, CaseTimingRollup.Event.CLOSED, days)] += 1
                bucket = next(name for limit, name in CLOSE_BUCKETS if limit is None or days <= limit)
                setattr(counts, bucket, getattr(counts, bucket) + 1)
        for deadline, done_on, due in (
            (Deadline.ACKNOWLEDGE, acknowledged_on, ack_due),
            (Deadline.FEEDBACK, fed_back_on, fb_due),
        ):
            outcome = _deadline_outcome(done_on, due, closed_on=closed_on, is_closed=is_closed)
            if outcome is None:
                open_deadlines[(unit_id, category, week, deadline, due)] += 1
            else:
                prefix = "acknowledged" if deadline == Deadline.ACKNOWLEDGE else "feedback"
                name = f"{prefix}_{outcome}"
                setattr(counts, name, getattr(counts, name) + 1)

    old_rows.delete()
    old_open.delete()
    old_timings.delete()
    CaseTimingRollup.objects.bulk_create(
        [
            CaseTimingRollup(
                facility_id=facility_id,
                unit_id=unit_id,
                category=category,
                week=week,
                event=event,
                days=days,
                cases=count,
            )
            for (unit_id, category, week, event, days), count in sorted(timings.items())
        ],
        batch_size=_BATCH,
    )
    CaseRollup.objects.bulk_create(
        [
            CaseRollup(
                facility_id=facility_id,
                unit_id=unit_id,
                category=category,
                smuggling_channel=smuggling,
                week=week,
                **{name: getattr(counts, name) for name in CASE_MEASURES},
            )
            for (unit_id, category, smuggling, week), counts in sorted(cells.items())
        ],
        batch_size=_BATCH,
    )
    OpenDeadlineRollup.objects.bulk_create(
        [
            OpenDeadlineRollup(
                facility_id=facility_id,
                unit_id=unit_id,
                category=category,
                week=week,
                deadline=deadline,
                due_on=due_on,
                open=count,
            )
            for (unit_id, category, week, deadline, due_on), count in sorted(open_deadlines.items())
        ],
        batch_size=_BATCH,
    )


# --- spikes --------------------------------------------------------------------------------------------


def _refresh_spikes(facility_id: int, since: datetime.date | None) -> None:
    """Re-test every week of the facility from `since` on (None: all weeks), and rewrite its alerts.

    A change in week w moves the baseline of the 12 weeks after it, and may move the
    facility's first week (below), so every later week is tested again; the tests
    read only the small weekly roll-up. A week is tested only once the facility has
    12 full weeks of history before it: on the day the line opens every count would
    look like a spike against an empty baseline.

    Only the tips routed to the unit of the facility's region are counted: that
    unit's supervisors and morning summary see the facility's alerts, and a tip
    sent elsewhere (to the national unit because local staff are involved) must
    not show there, even as one more in a count.
    """
    regional_unit_id = Facility.objects.filter(pk=facility_id).values_list("region__unit_id", flat=True).first()
    rows = TipWeekRollup.objects.filter(facility_id=facility_id)
    # A facility deleted since its refresh was queued has no rows left, and no unit.
    rows = rows.filter(unit_id=regional_unit_id) if regional_unit_id is not None else rows.none()
    bounds = rows.aggregate(first=Min("week"), last=Max("week"))
    first_week, last_week = bounds["first"], bounds["last"]
    alerts = SpikeAlert.objects.filter(facility_id=facility_id)
    if since is not None:
        alerts = alerts.filter(week__gte=since)
    existing = {(alert.category, alert.week): alert for alert in alerts}

    found: dict[tuple[str, datetime.date], spikes.SpikeTest] = {}
    if first_week is not None and last_week is not None:
        earliest_testable = first_week + spikes.BASELINE_WEEKS * WEEK
        start = max(earliest_testable, since) if since is not None else earliest_testable
        if start <= last_week:
            counts: dict[str, dict[datetime.date, int]] = defaultdict(dict)
            for category, week, tips in (
                rows.filter(week__gte=start - spikes.BASELINE_WEEKS * WEEK)
                .values("category", "week")
                .annotate(tips=Sum("tips"))
                .values_list("category", "week", "tips")
                .order_by()
            ):
                counts[category][week] = tips
            for category, by_week in counts.items():
                for week, observed in by_week.items():
                    if week < start or observed < spikes.MIN_OBSERVED:
                        continue
                    baseline = [by_week.get(week - i * WEEK, 0) for i in range(spikes.BASELINE_WEEKS, 0, -1)]
                    test = spikes.spike_test(observed, baseline)
                    if test.is_spike:
                        found[(category, week)] = test

    today = _today()
    for key, test in sorted(found.items()):
        numbers = {
            "observed": test.observed,
            "baseline_total": test.baseline_total,
            "expected": test.expected,
            "p_value": test.p_value,
            "method": test.method,
        }
        alert = existing.pop(key, None)
        if alert is None:
            SpikeAlert.objects.create(
                facility_id=facility_id, category=key[0], week=key[1], created_on=today, **numbers
            )
        elif any(getattr(alert, name) != value for name, value in numbers.items()):
            for name, value in numbers.items():
                setattr(alert, name, value)
            alert.save(update_fields=list(numbers))
    # No longer a spike: an open alert goes; a dismissed one stays, as the record of a decision.
    stale = [alert.pk for alert in existing.values() if alert.status == SpikeAlert.Status.OPEN]
    if stale:
        SpikeAlert.objects.filter(pk__in=stale).delete()


# --- entry points --------------------------------------------------------------------------------------


def tip_cells_refresh(*, cells: Iterable[Cell]) -> int:
    """Rewrite the tip roll-ups of these cells from the tips, and re-test spikes from the earliest; return facilities done."""
    by_facility = _by_facility(cells)
    for facility_id, weeks in by_facility.items():
        with transaction.atomic():
            _lock_facility(facility_id)
            _write_tip_rows(facility_id, weeks)
            _refresh_spikes(facility_id, since=weeks[0])
    return len(by_facility)


def case_cells_refresh(*, cells: Iterable[Cell]) -> int:
    """Rewrite the case roll-ups of these cells from the cases; return how many facilities were done."""
    by_facility = _by_facility(cells)
    for facility_id, weeks in by_facility.items():
        with transaction.atomic():
            _lock_facility(facility_id)
            _write_case_rows(facility_id, weeks)
    return len(by_facility)


def facility_rollups_rebuild(*, facility_id: int) -> None:
    """Rewrite every roll-up row and alert of one facility from its tips and cases."""
    with transaction.atomic():
        _lock_facility(facility_id)
        _write_tip_rows(facility_id, None)
        _write_case_rows(facility_id, None)
        _refresh_spikes(facility_id, since=None)


@dataclass(frozen=True)
class RebuildResult:
    facilities: int
    tip_rows: int
    case_rows: int
    alerts: int


def rollups_rebuild() -> RebuildResult:
    """Rewrite every roll-up from the source rows, facility by facility, and recount the repeated pseudonyms.

    Gives the same rows as the incremental refreshes would; run nightly as a safety
    net (a refresh lost with a broker outage, rows written with bulk_create).
    """
    facility_ids = list(Facility.objects.order_by("pk").values_list("pk", flat=True))
    for facility_id in facility_ids:
        facility_rollups_rebuild(facility_id=facility_id)
    pseudonym_counts_refresh()
    return RebuildResult(
        facilities=len(facility_ids),
        tip_rows=TipRollup.objects.count(),
        case_rows=CaseRollup.objects.count(),
        alerts=SpikeAlert.objects.count(),
    )


# --- repeatedly named pseudonyms ----------------------------------------------------------------------

# (pseudonym, kind, facility id) of one tip's mention, as linking/signals.py sends them.
MentionRow = tuple[bytes, str, int]


def _repeated(tips: int, facilities: int) -> bool:
    """Whether a pseudonym counts as repeatedly named: in at least two tips at two or more facilities."""
    return tips >= 2 and facilities >= 2


def _locked_tally(pseudonym: bytes, kind: str, *, create: bool) -> PseudonymTally | None:
    """Return the pseudonym's tally locked until the transaction ends, created at 0 tips if asked and missing.

    The locked tally row is what serialises every change of one pseudonym's counts. A row
    created by another transaction at the same moment makes the insert fail once the
    other commits: then it is there to lock.
    """
    while True:
        tally = PseudonymTally.objects.select_for_update().filter(pseudonym=pseudonym).first()
        if tally is not None or not create:
            return tally
        try:
            with transaction.atomic():
                return PseudonymTally.objects.create(pseudonym=pseudonym, kind=kind, tips=0)
        except IntegrityError:
            continue


def _tallies_change(rows: Iterable[MentionRow], sign: int) -> dict[str, int]:
    """Add (sign 1) or remove (sign -1) these mentions from the tallies; return the change of repeated per kind.

    Locks are taken per pseudonym in byte order: its tally row, then its facility rows
    in facility order. Counts never go below zero: removing what was never tallied (a
    mention older than the tallies) changes nothing, and the nightly rebuild recounts.
    """
    by_pseudonym: dict[bytes, tuple[str, Counter[int]]] = {}
    for pseudonym, kind, facility_id in rows:
        key = bytes(pseudonym)
        by_pseudonym.setdefault(key, (kind, Counter()))[1][facility_id] += 1

    change: Counter[str] = Counter()
    for pseudonym in sorted(by_pseudonym):
        kind, named = by_pseudonym[pseudonym]
        tally = _locked_tally(pseudonym, kind, create=sign > 0)
        if tally is None:
            continue
        facility_tips = dict(
            PseudonymFacilityTally.objects.select_for_update()
            .filter(pseudonym=pseudonym)
            .order_by("facility_id")
            .values_list("facility_id", "tips")
        )
        was = _repeated(tally.tips, len(facility_tips))

        tips_change = 0
        for facility_id in sorted(named):
            old = facility_tips.get(facility_id, 0)
            new = max(old + sign * named[facility_id], 0)
            tips_change += new - old
            facility_rows = PseudonymFacilityTally.objects.filter(pseudonym=pseudonym, facility_id=facility_id)
            if new == 0:
                facility_rows.delete()
                facility_tips.pop(facility_id, None)
            elif old:
                facility_rows.update(tips=F("tips") + (new - old))
                facility_tips[facility_id] = new
            else:
                PseudonymFacilityTally.objects.create(pseudonym=pseudonym, facility_id=facility_id, tips=new)
                facility_tips[facility_id] = new

        tips = max(tally.tips + tips_change, 0)
        if tips == 0:
            tally.delete()
        else:
            PseudonymTally.objects.filter(pk=tally.pk).update(tips=F("tips") + (tips - tally.tips))
        change[tally.kind] += _repeated(tips, len(facility_tips)) - was
    return {kind: number for kind, number in change.items() if number}


def _rollup_change(change: dict[str, int]) -> None:
    """Add these numbers to the repeated pseudonyms per kind, locking the kinds' rows in kind order."""
    for kind in sorted(change):
        while True:
            rollup = PseudonymRollup.objects.select_for_update().filter(kind=kind).first()
            if rollup is None:
                if change[kind] <= 0:
                    break  # not counted yet (tallies older than the rollup): the nightly rebuild recounts
                try:
                    with transaction.atomic():
                        PseudonymRollup.objects.create(kind=kind, pseudonyms=change[kind])
                except IntegrityError:
                    continue  # created by another transaction at the same moment: add to it
                break
            number = max(rollup.pseudonyms + change[kind], 0)
            if number == 0:
                rollup.delete()
            else:
                PseudonymRollup.objects.filter(pk=rollup.pk).update(
                    pseudonyms=F("pseudonyms") + (number - rollup.pseudonyms)
                )
            break


def pseudonym_tallies_add(*, rows: Iterable[MentionRow]) -> dict[str, int]:
    """Count these mentions that just got a pseudonym, and the repeated pseudonyms they make; return the change per kind.

    Work and locks grow with the rows, not with the mentions stored: the pseudonyms'
    tally rows in a stable order (pseudonym, then facility), then the changed kinds'
    roll-up rows. Run it in the transaction that writes the mentions.
    """
    with transaction.atomic():
        change = _tallies_change(rows, 1)
        _rollup_change(change)
    return change


def pseudonym_tallies_remove(*, rows: Iterable[MentionRow]) -> dict[str, int]:
    """Uncount these mentions (deleted, or losing their pseudonym); return the change of repeated pseudonyms per kind.

    The converse of pseudonym_tallies_add, with the same locks in the same order.
    """
    with transaction.atomic():
        change = _tallies_change(rows, -1)
        _rollup_change(change)
    return change


# Set-based recounts; a mention is one tip naming one pseudonym (unique together), so COUNT(*) counts tips.
_TALLIES_FROM_MENTIONS = """
    INSERT INTO {tally} (pseudonym, kind, tips)
    SELECT pseudonym, MIN(kind), COUNT(*) FROM {mention} WHERE pseudonym IS NOT NULL GROUP BY pseudonym
"""
_FACILITY_TALLIES_FROM_MENTIONS = """
    INSERT INTO {facility_tally} (pseudonym, facility_id, tips)
    SELECT mention.pseudonym, tip.facility_id, COUNT(*)
    FROM {mention} mention JOIN {tip} tip ON tip.id = mention.tip_id
    WHERE mention.pseudonym IS NOT NULL
    GROUP BY mention.pseudonym, tip.facility_id
"""


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _tallies_rebuild(mention_model: Any) -> None:
    """Write the tallies from the mentions (the tallies are empty)."""
    tables = {
        "tally": _table(PseudonymTally),
        "facility_tally": _table(PseudonymFacilityTally),
        "mention": _table(mention_model),
        "tip": _table(Tip),
    }
    with connection.cursor() as cursor:
        cursor.execute(_TALLIES_FROM_MENTIONS.format(**tables))
        cursor.execute(_FACILITY_TALLIES_FROM_MENTIONS.format(**tables))


def pseudonym_counts_refresh() -> dict[str, int]:
    """Rebuild the pseudonym tallies and the repeated pseudonyms per kind from the mentions; return the counts.

    One transaction, set-based: what pseudonym_tallies_add and pseudonym_tallies_remove
    keep by the change, recounted (the nightly safety net, and after an index key
    rotation rewrote the pseudonyms). On PostgreSQL the tallies are locked against
    writers first, so a change waits and then applies to the rebuilt counts. Reads the
    linking app's mentions when it is installed; stores numbers only.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {_table(PseudonymTally)}, {_table(PseudonymFacilityTally)} IN EXCLUSIVE MODE"
                )
        PseudonymFacilityTally.objects.all().delete()
        PseudonymTally.objects.all().delete()
        if apps.is_installed("linking"):
            _tallies_rebuild(apps.get_model("linking", "EntityMention"))
        at_facilities = (
            PseudonymFacilityTally.objects.order_by()
            .values("pseudonym")
            .annotate(facilities=Count("pk"))
            .filter(facilities__gte=2)
            .values("pseudonym")
        )
        counts = dict(
            PseudonymTally.objects.filter(tips__gte=2, pseudonym__in=at_facilities)
            .order_by()
            .values("kind")
            .annotate(pseudonyms=Count("pk"))
            .values_list("kind", "pseudonyms")
        )
        PseudonymRollup.objects.exclude(kind__in=list(counts)).delete()
        for kind, number in sorted(counts.items()):
            PseudonymRollup.objects.update_or_create(kind=kind, defaults={"pseudonyms": number})
    return counts


def alert_dismiss(*, alert: SpikeAlert, actor: StaffMember) -> SpikeAlert:
    """Mark a spike alert as looked at: it leaves the dashboard's open alerts and the digest."""
    alert.status = SpikeAlert.Status.DISMISSED
    alert.dismissed_by = actor
    alert.dismissed_on = _today()
    unit_id = Unit.objects.filter(regions__facilities=alert.facility_id).values_list("pk", flat=True).first()
    with transaction.atomic():
        alert.save(update_fields=["status", "dismissed_by", "dismissed_on"])
        audit_record(
            actor=actor.user,
            action=AuditAction.SETTINGS_CHANGED,
            target_type="spike_alert",
            target_id=alert.pk,
            unit_id=unit_id,
            details={"spike_alert": "dismissed"},
        )
    return alert


def trend_export_record(*, name: str, filters: TrendFilters, actor: StaffMember) -> None:
    """Record that the actor downloaded one of the dashboard's tables (its name and filters, never its rows).

    An export is a read, done on a GET; like opening a tip, it is recorded.
    """
    audit_record(
        actor=actor.user,
        action=AuditAction.EXPORT,
        target_type="trends",
        target_id=name,
        details=filters.as_details(),
    )
