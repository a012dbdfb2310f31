"""Rankings by exact counts that say no more than the rounded numbers beside them (trends.suppression.rank)."""

from __future__ import annotations

from trends.suppression import rank


def _ranked(counts: dict[str, int], view: str) -> list[str]:
    return rank(list(counts), count=counts.__getitem__, name=str, view=view)


def test_larger_exact_counts_come_first_even_in_the_same_bucket() -> None:
    for view in ("a", "b", "c"):
        assert _ranked({"Ancón": 6, "Tacna": 9, "Callao": 12}, view) == ["Callao", "Tacna", "Ancón"]


def test_counts_under_the_threshold_come_last_by_name_whatever_they_are() -> None:
    assert _ranked({"Tacna": 4, "Ancón": 1, "Callao": 0, "Puno": 5}, "a") == ["Puno", "Ancón", "Callao", "Tacna"]


def test_equal_counts_are_not_in_alphabetical_order_so_an_order_never_proves_strictly_more() -> None:
    """Were ties broken by name, "Tacna before Ancón" would prove Tacna had strictly more (docs/patterns.md)."""
    orders = {tuple(_ranked({"Ancón": 7, "Tacna": 7}, f"view {n}")) for n in range(40)}

    assert orders == {("Ancón", "Tacna"), ("Tacna", "Ancón")}


def test_the_same_view_gives_the_same_order() -> None:
    counts = {name: 7 for name in ("Ancón", "Tacna", "Callao", "Puno", "Cusco")}

    assert _ranked(counts, "weeks 1-12") == _ranked(counts, "weeks 1-12")
