"""List (the default, a dry run) or delete now the closed cases past their unit's retention schedule.

`manage.py retention` changes nothing: it prints each case that would be deleted today
(public id, unit, status, closing day, due day, rule), how many, and the cases a legal
hold keeps. `manage.py retention --apply` deletes those cases now, as the nightly task
does. `--today YYYY-MM-DD` counts as if it were that day (a restore drill, a rehearsal).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cases.permissions import CaseActionRefused
from retention.services import DueCase, case_erase, cases_due_for_erasure, cases_held


class Command(BaseCommand):
    help = "List the closed cases past their retention schedule (dry run, the default), or delete them with --apply."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="List what would be deleted (the default).")
        mode.add_argument("--apply", action="store_true", help="Delete the cases listed, now.")
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, metavar="YYYY-MM-DD")

    def _row(self, due: DueCase) -> str:
        case = due.case
        return (
            f"{case.public_id}  {case.unit.slug:<16} {case.status:<16} closed {case.closed_on}  "
            f"due {due.due_on}  rule {due.rule}"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today: datetime.date = options["today"] or timezone.localdate()
        apply: bool = options["apply"]
        due = cases_due_for_erasure(today=today)
        self.stdout.write(f"Retention on {today} ({'deleting' if apply else 'dry run: nothing is deleted'})")
        deleted = 0
        for item in due:
            if apply:
                try:
                    case_erase(case=item.case, today=today)
                except CaseActionRefused as refused:
                    self.stdout.write(f"  kept     {self._row(item)}  ({refused})")
                    continue
                deleted += 1
            self.stdout.write(f"  {'deleted ' if apply else 'would go'} {self._row(item)}")
        held = list(cases_held())
        for case in held:
            self.stdout.write(
                f"  held     {case.public_id}  {case.unit.slug:<16} {case.status:<16} closed {case.closed_on}"
            )
        if apply:
            self.stdout.write(f"{deleted} case(s) deleted; {len(held)} kept by a legal hold.")
        else:
            self.stdout.write(f"{len(due)} case(s) would be deleted; {len(held)} kept by a legal hold.")
