"""Keep the roll-ups current: every saved or deleted tip or case queues the refresh of its cell after commit.

A cell is (facility, ISO week received). Saves that cannot change a roll-up (an
assignment, a priority, the sealed keys) are skipped by their `update_fields`. When a
save may move a row to another cell (its facility or day received changed), the old
cell is read before the save and refreshed too.

Queryset `update()` sends no signal: code that changes these fields that way (the
tips' status, copied from their case, is not in any roll-up) must queue the refresh
itself with `trends.tasks.queue_cell_refresh`, as the tests do.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from cases.models import Case, CaseTip
from outcomes.models import Proceeding
from tipline.models import Message, Tip
from trends.services import Cell, cell_of
from trends.tasks import queue_cell_refresh

# Fields whose change can change a roll-up; those that place the row in a cell.
TIP_ROLLUP_FIELDS = frozenset(
    {"facility", "facility_id", "unit", "unit_id", "category", "smuggling_channel", "intake_channel", "received_on"}
)
CASE_ROLLUP_FIELDS = frozenset(
    {
        "facility",
        "facility_id",
        "unit",
        "unit_id",
        "category",
        "smuggling_channel",
        "status",
        "received_on",
        "closed_on",
        "acknowledge_due",
        "acknowledged_on",
        "feedback_due",
        "feedback_given_on",
    }
)
CELL_FIELDS = frozenset({"facility", "facility_id", "received_on"})
_OLD_CELL = "_trends_old_cell"


def _matters(update_fields: frozenset[str] | None, relevant: frozenset[str]) -> bool:
    return update_fields is None or bool(set(update_fields) & relevant)


def _remember_old_cell(model: type[Tip] | type[Case], instance: Tip | Case, update_fields: Any) -> None:
    if instance.pk is None or not _matters(update_fields, CELL_FIELDS):
        return
    old = model.objects.filter(pk=instance.pk).values_list("facility_id", "received_on").first()
    if old is not None:
        setattr(instance, _OLD_CELL, cell_of(*old))


def _cells(instance: Tip | Case) -> set[Cell]:
    cells = {cell_of(instance.facility_id, instance.received_on)}
    old = instance.__dict__.pop(_OLD_CELL, None)
    if old is not None:
        cells.add(old)
    return cells


@receiver(pre_save, sender=Tip, dispatch_uid="trends-tip-old-cell")
def remember_tip_cell(
    sender: type[Tip], instance: Tip, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if not raw:
        _remember_old_cell(Tip, instance, update_fields)


@receiver(post_save, sender=Tip, dispatch_uid="trends-tip-saved")
def tip_saved(sender: type[Tip], instance: Tip, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if not raw and _matters(update_fields, TIP_ROLLUP_FIELDS):
        queue_cell_refresh(tip_cells=_cells(instance))


@receiver(post_delete, sender=Tip, dispatch_uid="trends-tip-deleted")
def tip_deleted(sender: type[Tip], instance: Tip, **kwargs: Any) -> None:
    queue_cell_refresh(tip_cells={cell_of(instance.facility_id, instance.received_on)})


@receiver(pre_save, sender=Case, dispatch_uid="trends-case-old-cell")
def remember_case_cell(
    sender: type[Case], instance: Case, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if not raw:
        _remember_old_cell(Case, instance, update_fields)


@receiver(post_save, sender=Case, dispatch_uid="trends-case-saved")
def case_saved(sender: type[Case], instance: Case, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if raw or not _matters(update_fields, CASE_ROLLUP_FIELDS):
        return
    cells = _cells(instance)
    # A case moved to another cell takes its tips along in practice (load_demo backdates the case with
    # save() and its tips with update(), which sends no signal): refresh the tip side of both cells too.
    queue_cell_refresh(case_cells=cells, tip_cells=cells if len(cells) > 1 else ())


@receiver(post_delete, sender=Case, dispatch_uid="trends-case-deleted")
def case_deleted(sender: type[Case], instance: Case, **kwargs: Any) -> None:
    queue_cell_refresh(case_cells={cell_of(instance.facility_id, instance.received_on)})


def _case_cell(case_id: int | None) -> set[Cell]:
    if case_id is None:
        return set()
    cell = Case.objects.filter(pk=case_id).values_list("facility_id", "received_on").first()
    return {cell_of(*cell)} if cell is not None else set()


@receiver(post_save, sender=Proceeding, dispatch_uid="trends-proceeding-saved")
@receiver(post_delete, sender=Proceeding, dispatch_uid="trends-proceeding-deleted")
def proceeding_changed(sender: type[Proceeding], instance: Proceeding, raw: bool = False, **kwargs: Any) -> None:
    """A sanction imposed or withdrawn changes its case's cell (CaseRollup.sanctions)."""
    if not raw:
        queue_cell_refresh(case_cells=_case_cell(instance.case_id))


@receiver(post_save, sender=Message, dispatch_uid="trends-message-saved")
def message_saved(
    sender: type[Message], instance: Message, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """A whistleblower's reply may make their case one whose whistleblower came back (CaseRollup.came_back)."""
    if raw or not created or instance.author_kind != Message.Author.WHISTLEBLOWER:
        return
    case_id = CaseTip.objects.filter(tip_id=instance.tip_id).values_list("case_id", flat=True).first()
    queue_cell_refresh(case_cells=_case_cell(case_id))


def connect_linking_receivers() -> None:
    """Keep the pseudonym tallies by the change as the linking app indexes and unindexes mentions (if installed).

    The signals come inside the transaction that writes the mentions, so the counts
    commit or roll back with them. They carry (pseudonym, kind, facility id) rows only.
    """
    from django.apps import apps

    if not apps.is_installed("linking"):
        return
    from linking.signals import mentions_indexed, mentions_unindexed, pseudonyms_rekeyed
    from trends.services import pseudonym_counts_refresh, pseudonym_tallies_add, pseudonym_tallies_remove

    def indexed(sender: Any, rows: list[tuple[bytes, str, int]], **kwargs: Any) -> None:
        pseudonym_tallies_add(rows=rows)

    def unindexed(sender: Any, rows: list[tuple[bytes, str, int]], **kwargs: Any) -> None:
        pseudonym_tallies_remove(rows=rows)

    def rekeyed(sender: Any, **kwargs: Any) -> None:
        pseudonym_counts_refresh()

    mentions_indexed.connect(indexed, weak=False, dispatch_uid="trends-mentions-indexed")
    mentions_unindexed.connect(unindexed, weak=False, dispatch_uid="trends-mentions-unindexed")
    pseudonyms_rekeyed.connect(rekeyed, weak=False, dispatch_uid="trends-pseudonyms-rekeyed")
