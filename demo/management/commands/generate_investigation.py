"""Add the synthetic investigation to the cases of an existing generated database (see docs/benchmarks.md)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.investigation_writer import BackfillPlan, backfill


class Command(BaseCommand):
    help = (
        "Add to every case that has none its synthetic investigation: tasks, interviews, persons concerned, "
        "proceedings and sanctions, referrals, national platform codes, cell searches with the phones they "
        "seized (exhibits, chain of custody, the numbers' pseudonyms), questions and replies; and, once, the "
        "routine searches no tip prompted. Each case's rows are a pure function of --seed and the case id and "
        "its clear metadata. Every encrypted field is sealed under the case key, opened with the escrow private "
        "key. A case that already has its rows is skipped, so running it again adds nothing. Rows are "
        "bulk-inserted: no signals, no audit entries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=1, help="the seed the tips were generated with (their phone pool)"
        )
        parser.add_argument("--batch", type=int, default=1000, help="case ids per insert transaction")
        parser.add_argument("--workers", type=int, default=2, help="processes (PostgreSQL only; SQLite uses one)")
        parser.add_argument(
            "--escrow-private-key", type=Path, required=True, help="the escrow private key file: opens the case keys"
        )
        parser.add_argument(
            "--end-date", type=datetime.date.fromisoformat, default=None, help="the data set's last day (default today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1 or options["workers"] < 1:
            raise CommandError("--batch and --workers must be >= 1")
        try:
            escrow_private_key = options["escrow_private_key"].read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read the escrow private key: {exc}") from exc
        plan = BackfillPlan(
            seed=options["seed"],
            escrow_private_key=escrow_private_key,
            batch=options["batch"],
            workers=options["workers"],
            end_date=options["end_date"],
        )
        last = [0.0]

        def progress(done: int, seconds: float) -> None:
            if seconds - last[0] >= 30:
                last[0] = seconds
                self.stdout.write(f"  {done:>9,} cases  {seconds:8.1f} s")

        try:
            result = backfill(plan, progress=progress if options["verbosity"] >= 1 else None)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Added the investigation of {result.cases:,} cases in {result.seconds:.1f} s, "
            f"and {result.routine_searches:,} routine searches, seed {plan.seed}."
        )
