"""The apps import one another in one direction only, and none imports the tooling.

The graph is read from the code itself: every module under each app folder is parsed
with `ast` (imports inside functions and `if TYPE_CHECKING:` blocks count too, since a
lazy import is still a dependency), and each import of another app becomes an edge.
The failure message prints every edge, so a new cycle shows where to cut.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The Django apps (the envelope included): none of them may form a cycle.
APPS = (
    "envelope",
    "org",
    "audit",
    "tipline",
    "accounts",
    "cases",
    "approvals",
    "linking",
    "investigation",
    "evidence",
    "outcomes",
    "protection",
    "identity",
    "retention",
    "trends",
    "demo",
)
TOOLING = ("bench", "backups", "chaos", "scale", "fuzz", "evaluation")


def _modules(package: str) -> Iterator[Path]:
    folder = BASE_DIR / package
    if folder.is_dir():
        yield from sorted(folder.rglob("*.py"))


def _imported(path: Path, package: str) -> Iterator[str]:
    """Yield the top-level name of every absolute (or package-relative) import in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # `from . import x` stays inside the package it is in
                yield package
            elif node.module:
                yield node.module.split(".")[0]


def app_graph() -> dict[str, set[str]]:
    """Return, for every package in APPS and TOOLING that exists, the other ones it imports."""
    known = set(APPS) | set(TOOLING)
    graph: dict[str, set[str]] = {}
    for package in (*APPS, *TOOLING):
        if not (BASE_DIR / package).is_dir():
            continue
        edges = graph.setdefault(package, set())
        for path in _modules(package):
            edges.update(name for name in _imported(path, package) if name in known and name != package)
    return graph


def _edges(graph: dict[str, set[str]]) -> str:
    return "\n".join(f"  {source} -> {target}" for source in sorted(graph) for target in sorted(graph[source]))


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one cycle of the graph as a path that ends where it starts, or None."""
    state: dict[str, str] = {}  # "visiting" or "done"
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "visiting"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "visiting":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _app_part(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {app: targets & set(APPS) for app, targets in graph.items() if app in APPS}


def test_app_graph_has_no_cycle() -> None:
    graph = _app_part(app_graph())
    cycle = _cycle(graph)
    assert cycle is None, f"import cycle {' -> '.join(cycle)}; app edges:\n{_edges(graph)}"


def test_the_envelope_imports_no_app_and_org_only_the_envelope() -> None:
    """DESIGN.md section 3: the envelope and org sit at the bottom; neither imports the public app."""
    graph = _app_part(app_graph())
    assert graph["envelope"] == set(), f"envelope imports {sorted(graph['envelope'])}"
    assert graph["org"] <= {"envelope"}, f"org imports {sorted(graph['org'])}"


def test_no_app_imports_the_tooling() -> None:
    graph = app_graph()
    offending = {app: targets & set(TOOLING) for app, targets in graph.items() if app in APPS}
    offending = {app: targets for app, targets in offending.items() if targets}
    assert not offending, f"apps importing tooling:\n{_edges(offending)}\napp edges:\n{_edges(_app_part(graph))}"


def test_the_audit_log_imports_no_app() -> None:
    """Every app writes the audit log, so it sits at the bottom of the graph."""
    graph = _app_part(app_graph())
    assert graph["audit"] == set(), f"audit imports {sorted(graph['audit'])}; app edges:\n{_edges(graph)}"


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
