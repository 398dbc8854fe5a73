"""The shape of the code: imports point one way (no import cycle between modules) and no file
grows past 400 lines.

The import graph is read with ``ast`` from every ``import`` in ``sunshine/``: at the top of a
module, inside functions (the usual way to hide a cycle) and under ``TYPE_CHECKING``. An
edge goes to the module named, or to the module a ``from package import name`` names when
``name`` is a module itself. Importing a submodule also runs its parent packages'
``__init__``; those implicit edges are left out, as they are what lets a package re-export
its parts.

The rule is at the module level, not the domain level: domains still use each other's models
both ways (``access`` and ``auth``, ``members`` and ``reportin`` …), which is fine as long as
no two modules need each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sunshine"
MAX_LINES = 400


def _sources() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.relative_to(ROOT).parts:
            yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of ``sunshine`` and the modules of ``sunshine`` it imports."""
    paths = {_module_name(path): path for path in _sources()}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                for alias in node.names:
                    named = f"{source}.{alias.name}"
                    targets.add(named if named in paths else source)
        graph[module] = {target for target in targets if target in paths and target != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_modules_import_each_other() -> None:
    graph = import_graph()
    assert "sunshine.members.service" in graph and "sunshine.reportin.service" in graph
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import() -> None:
    graph = import_graph()
    graph["sunshine.members.service"].add("sunshine.reportin.service")  # the cycle there was
    assert ["sunshine.members.service", "sunshine.reportin.service"] in cycles(graph)


def test_no_file_is_longer_than_400_lines() -> None:
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in _sources()
    }
    assert {path: n for path, n in lengths.items() if n > MAX_LINES} == {}
