"""An attacker's view of published tables: which true counts are consistent with everything that was shown?

The attacker knows the rule (a count below T is "<T", any other is rounded down to a
multiple of T), the structure (which cells a total adds up) and every published
number from every view they opened. `candidates` tries every assignment of the
cells and returns the values a cell can take in the assignments that reproduce all
published numbers: if a suppressed cell has only one candidate, it was disclosed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

from trends.suppression import Published

Constraint = tuple[frozenset[str], Published]


def interval(published: Published) -> range:
    """Return the true counts that publish as `published`."""
    low = 0 if published.value is None else published.value
    high = published.threshold - 1 if published.value is None else published.value + published.threshold - 1
    return range(low, high + 1)


def candidates(target: str, constraints: Iterable[Constraint]) -> set[int]:
    """Return every value of cell `target` consistent with all the constraints (each a set of cells and its published sum)."""
    constraints = list(constraints)
    cells = sorted({cell for group, _published in constraints for cell in group})
    domains: dict[str, range] = {}
    for group, published in constraints:
        if len(group) == 1:
            (cell,) = group
            shown = interval(published)
            current = domains.get(cell, shown)
            domains[cell] = range(max(current.start, shown.start), min(current.stop, shown.stop))
    missing = [cell for cell in cells if cell not in domains]
    assert not missing, f"every cell must be published on its own somewhere: {missing}"
    found: set[int] = set()
    for values in itertools.product(*(domains[cell] for cell in cells)):
        assignment = dict(zip(cells, values, strict=True))
        if all(sum(assignment[cell] for cell in group) in interval(published) for group, published in constraints):
            found.add(assignment[target])
    return found


def disclosed(constraints: Iterable[Constraint], truth: Mapping[str, int]) -> dict[str, set[int]]:
    """Return the suppressed cells (by the truth) that the constraints pin to fewer than two values."""
    constraints = list(constraints)
    threshold = constraints[0][1].threshold
    pinned = {}
    for cell, value in truth.items():
        if value < threshold:
            found = candidates(cell, constraints)
            assert value in found, f"{cell}: the truth {value} is not among {found}: the constraints are wrong"
            if len(found) < 2:
                pinned[cell] = found
    return pinned
