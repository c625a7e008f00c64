"""No import cycle in podid.sandbox longer than two modules, read from the import graph import-linter builds.

Every import counts, those under ``TYPE_CHECKING`` too: a type-only import back up the layers still ties the
modules' meanings together. A knot is a set of modules each of which reaches all the others by imports (a strongly
connected component); a knot of three or more modules holds, or is on the way to, a cycle longer than two, so
the test fails on any. Two modules importing each other (a model and its index) stay allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import grimp
import pytest

PACKAGE = "podid.sandbox"
CORE = "podid.sandbox.core"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("podid", cache_dir=None)


def knots(modules: Iterable[str], imports: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(imports(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, successors = work[-1]
            successor = next(successors, None)
            if successor is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif successor not in index:
                index[successor] = low[successor] = len(index)
                stack.append(successor)
                on_stack.add(successor)
                work.append((successor, iter(sorted(imports(successor)))))
            elif successor in on_stack:
                low[module] = min(low[module], index[successor])
    return found


def sandbox_knots(graph: grimp.ImportGraph) -> list[list[str]]:
    modules = {module for module in graph.modules if module == PACKAGE or module.startswith(PACKAGE + ".")}

    def imports(module: str) -> set[str]:
        return graph.find_modules_directly_imported_by(module) & modules

    return knots(modules, imports)


def describe(graph: grimp.ImportGraph, knot: list[str]) -> str:
    """The knot's modules, and one cycle through its first module as the imports run."""
    first = knot[0]
    back = min(
        (
            chain
            for other in graph.find_modules_directly_imported_by(first) & set(knot)
            if (chain := graph.find_shortest_chain(importer=other, imported=first)) is not None
        ),
        key=len,
    )
    return f"{len(knot)} modules: {', '.join(knot)}\n  e.g. {' -> '.join((first, *back))}"


def test_no_import_cycle_longer_than_two_modules(graph: grimp.ImportGraph) -> None:
    longer = [describe(graph, knot) for knot in sandbox_knots(graph) if len(knot) > 2]
    assert not longer, "import cycles longer than two modules:\n" + "\n".join(longer)


def test_core_imports_nothing_else_of_the_sandbox(graph: grimp.ImportGraph) -> None:
    """The contract in pyproject.toml names today's modules; this holds for modules added later too."""
    core = graph.find_descendants(CORE) | {CORE}
    outside = sorted(
        f"{module} -> {imported}"
        for module in core
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith(PACKAGE + ".") and imported not in core
    )
    assert not outside, outside


def test_knots_finds_a_cycle_of_three_and_allows_a_pair() -> None:
    edges = {"a": {"b"}, "b": {"c", "a"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert sorted(knots(edges, lambda module: edges.get(module, set()))) == [["a", "b", "c"], ["d", "e"]]
