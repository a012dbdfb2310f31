"""Generate synthetic tips at scale through the real envelope (benchmarks; see docs/benchmarks.md)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.writer import Plan, generate


class Command(BaseCommand):
    help = (
        "Generate N invented tips in Spanish, each with its case, sealed through the real envelope: a random "
        "data key per tip sealed (HPKE) to the routed unit's key pair and to escrow, every field encrypted "
        "with the associated data of tipline.services, a case key sealed the same way. For speed, a synthetic "
        "tip has NO receipt: Argon2id is skipped, lookup_id is random and the receipt copy of the data key is "
        "wrapped under a random key that is thrown away, so /followup/ cannot open it. Rows are bulk-inserted: "
        "no signals, no audit entries, no roll-up updates (rebuild the roll-ups afterwards). With "
        "--escrow-private-key and the linking app installed, the entities each tip names are recorded as "
        "mentions with keyed pseudonyms. The same --seed gives the same clear metadata."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="how many tips to add")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same clear metadata")
        parser.add_argument(
            "--start-index",
            type=int,
            default=0,
            help="index of the first tip: grow a data set made with the same seed (e.g. 100000 after 100k)",
        )
        parser.add_argument("--batch", type=int, default=1000, help="tips per insert transaction")
        parser.add_argument("--workers", type=int, default=2, help="processes (PostgreSQL only; SQLite uses one)")
        parser.add_argument(
            "--escrow-private-key",
            type=Path,
            default=None,
            help="the escrow private key file: opens the linking index key to record entity mentions",
        )
        parser.add_argument(
            "--end-date", type=datetime.date.fromisoformat, default=None, help="last day received (default today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 0 or options["batch"] < 1 or options["workers"] < 1:
            raise CommandError("--count must be >= 0, --batch and --workers >= 1")
        escrow_file: Path | None = options["escrow_private_key"]
        try:
            escrow_private_key = escrow_file.read_bytes() if escrow_file else None
        except OSError as exc:
            raise CommandError(f"cannot read the escrow private key: {exc}") from exc
        plan = Plan(
            count=options["count"],
            seed=options["seed"],
            start_index=options["start_index"],
            batch=options["batch"],
            workers=options["workers"],
            end_date=options["end_date"],
            escrow_private_key=escrow_private_key,
        )
        step = max(plan.batch, plan.count // 20)
        last = [0]

        def progress(done: int, seconds: float) -> None:
            if done - last[0] >= step or done == plan.count:
                last[0] = done
                self.stdout.write(f"  {done:>9,} tips  {seconds:8.1f} s  {done / seconds:7.0f} tips/s")

        try:
            result = generate(plan, progress=progress if options["verbosity"] >= 1 else None)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Generated {result.count:,} tips in {result.seconds:.1f} s ({result.rate:.0f} tips/s), "
            f"seed {plan.seed}, indexes {plan.start_index}..{plan.start_index + plan.count - 1}."
        )
