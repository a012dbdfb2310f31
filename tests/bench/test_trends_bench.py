"""The benchmark's pseudonym measurement (bench/trends_bench.py) runs, records both rows and leaves the counts as they were.

No timing is asserted here; speed is measured by `make bench` (docs/benchmarks.md).
"""

from __future__ import annotations

import pytest

from bench.run import Stage
from bench.trends_bench import MENTIONS_PER_TIP, REFRESH_RUNS, measure_pseudonym_tallies
from org.models import Facility
from trends.selectors import RollupSnapshot, rollups_snapshot
from trends.services import pseudonym_tallies_add

pytestmark = pytest.mark.django_db


def test_the_pseudonym_measurement_leaves_the_counts_as_they_were(
    facilities: dict[str, Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    lurigancho, trujillo = facilities["lurigancho"], facilities["trujillo"]
    pseudonym_tallies_add(rows=[(b"\x01" * 32, "person", lurigancho.pk), (b"\x01" * 32, "person", trujillo.pk)])
    before = rollups_snapshot()
    seen_by_the_rebuild: list[RollupSnapshot] = []
    monkeypatch.setattr(
        "trends.services.pseudonym_counts_refresh", lambda: seen_by_the_rebuild.append(rollups_snapshot())
    )
    stage = Stage(size=0)

    measure_pseudonym_tallies(stage, facility_id=trujillo.pk)

    assert [(timing["name"], timing["n"]) for timing in stage.timings] == [
        ("Update of repeated pseudonyms (after a tip's mentions are recorded)", REFRESH_RUNS),
        ("Rebuild of the tallies (nightly)", 1),
    ]
    assert f"of {MENTIONS_PER_TIP} rows" in stage.timings[0]["note"]
    assert before["pseudonyms"] == [("person", 1)]
    assert seen_by_the_rebuild == [before], "the update's runs were undone before the rebuild ran"
    assert rollups_snapshot() == before
