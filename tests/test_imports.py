"""Import rules between and inside packages, read from the source (AST), not by importing:
``schemes/`` never reaches into ``lab/``, and ``reports/`` has no import cycle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: A string naming something inside ``lab`` by dotted path (drf-spectacular's
#: ``target_class``, a settings value): a dependency, even if no import states it.
LAB_PATH = re.compile(r"lab(\.\w+)+")


def module_name(path: Path) -> str:
    """``reports/render/html.py`` -> ``reports.render.html`` (packages drop ``__init__``)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, anywhere in it (functions too), with its line."""
    package = (
        module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    )
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return out


def sources(package: str) -> list[Path]:
    """The package's Python files."""
    return sorted((ROOT / package).rglob("*.py"))


def test_schemes_import_nothing_from_lab():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in sources("schemes")
        for line, name in imported(path)
        if name == "lab" or name.startswith("lab.")
    ]
    assert found == []


def test_schemes_name_nothing_in_lab_by_dotted_path():
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for path in sources("schemes")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and LAB_PATH.fullmatch(node.value)
    ]
    assert found == []


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (submodule imports resolved)."""
    modules = {module_name(p): p for p in sources(package)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {target for _, target in imported(path) if target in modules}
        graph[name] = targets - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk, as the path that closes it."""
    found, state = [], dict.fromkeys(graph, "new")

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state[nxt] == "open":
                found.append([*trail[trail.index(nxt) :], nxt])
            elif state[nxt] == "new":
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if state[node] == "new":
            visit(node, [node])
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("package", ["reports", "schemes"])
def test_no_import_cycle_inside(package):
    graph = import_graph(package)
    assert len(graph) > 3, graph  # the walk found the package's modules
    assert cycles(graph) == []
