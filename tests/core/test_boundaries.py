"""Imports inside functions only where a listed exception gives the reason.

import-linter (`make lint`) holds the layers on every import, in functions too; this test
keeps imports where a reader expects them, at the top, so a cycle cannot hide behind a
function-level import (issue 13: four did). A new one fails until it is listed here with
its reason, or moved to the top."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import networkx

import kindred

SRC = Path(kindred.__file__).parent

# (module path under src/kindred, function) -> why the import waits for the call
ALLOWED = {
    ("__main__.py", "main"): "`kindred allocate` runs the engine without loading Django",
    ("core/apps.py", "ready"): "system checks register once the app registry is ready",
    ("people/apps.py", "ready"): "system checks register once the app registry is ready",
    ("people/exports.py", "xlsx_cell"): "openpyxl (136 ms to import) only for a spreadsheet",
    ("people/exports.py", "write_xlsx"): "openpyxl (136 ms to import) only for a spreadsheet",
    ("people/imports/reading.py", "_xlsx_records"): "openpyxl only for an .xlsx upload",
    ("people/imports/reading.py", "column_letter"): "openpyxl only for an .xlsx upload",
    ("people/imports/reading.py", "date_value"): "openpyxl only for an .xlsx upload",
}


def function_imports() -> set[tuple[str, str]]:
    found = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                isinstance(node, ast.Import | ast.ImportFrom) for node in ast.walk(fn)
            ):
                found.add((path.relative_to(SRC).as_posix(), fn.name))
    return found


def test_imports_inside_functions_are_the_listed_exceptions():
    found = function_imports()
    assert found - ALLOWED.keys() == set(), "import at the top, or list it with a reason"
    assert ALLOWED.keys() - found == set(), "a listed exception is gone: remove it"


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """The groups of modules that import each other round, each sorted (networkx)."""
    graph = networkx.DiGraph([(a, b) for a, targets in edges.items() for b in targets])
    graph.add_nodes_from(edges)
    return sorted(sorted(c) for c in networkx.strongly_connected_components(graph) if len(c) > 1)


def test_no_module_imports_itself_back_through_others():
    """No import cycle between modules, whether the imports sit at the top or in functions
    (a package re-exporting its own submodules is not one)."""
    graph = grimp.build_graph("kindred")

    def related(a: str, b: str) -> bool:
        return a.startswith(b + ".") or b.startswith(a + ".")

    edges = {
        m: [n for n in graph.find_modules_directly_imported_by(m) if not related(m, n)]
        for m in graph.modules
    }
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
