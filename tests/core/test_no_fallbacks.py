"""No self-disabling fallbacks between the project's own modules.

A part of Kindred that quietly turns itself off when another part is missing hides the
missing part: `try: from .eligibility import require / except ImportError: return` let
walk-in handouts through unchecked, and a test skipped "until eligibility.require exists"
kept passing. Project code imports project code plainly, so a missing or renamed function
fails at import time, loudly; tests never skip on whether project code exists.

The source is read as Python (ast), not as text, so a rule is found however the code is
laid out, and strings or comments that merely mention a pattern are not."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
TESTS = ROOT / "tests"
PROJECT = ("kindred",)

# Exceptions that only a missing module, name or page of the project itself raises here.
MISSING = {"ImportError", "ModuleNotFoundError", "NoReverseMatch"}
# Functions that look code up by a dotted name at run time.
LOOKUPS = {"import_module", "import_string", "__import__", "find_spec", "importorskip"}
SKIPS = {"skip", "skipif", "xfail", "importorskip"}


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _name(node: ast.AST) -> str:
    """The last part of a name or dotted attribute (`pytest.mark.skipif` -> "skipif")."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _caught(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return set()
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {_name(t) for t in types}


def _is_project(module: str | None, level: int = 0) -> bool:
    return level > 0 or (module or "").split(".")[0] in PROJECT


def _project_names(tree: ast.AST) -> set[str]:
    """Every name an import of project code binds anywhere in `tree`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_project(alias.name):
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and _is_project(node.module, node.level):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def _names_project_code(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and (
        isinstance(node.value, str) and node.value.split(".")[0] in PROJECT
    )


def source_fallbacks(source: str, path: str = "<source>") -> Iterator[str]:
    """Where `source` (a module of src/) would carry on without a part of the project:
    catching ImportError/ModuleNotFoundError/NoReverseMatch, looking project code up by a
    dotted name at run time, or `getattr(module, "name", default)` / `hasattr(module,
    "name")` on a project module."""
    tree = ast.parse(source, path)
    project = _project_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and _caught(node) & MISSING:
            caught = ", ".join(sorted(_caught(node) & MISSING))
            yield f"{path}:{node.lineno}: except {caught}"
        elif isinstance(node, ast.Call):
            function = _name(node.func)
            if function in LOOKUPS and node.args and _names_project_code(node.args[0]):
                yield f"{path}:{node.lineno}: {function}({node.args[0].value!r})"
            elif (
                function in ("getattr", "hasattr")
                and isinstance(node.func, ast.Name)
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in project
                and (function == "hasattr" or len(node.args) == 3)
            ):
                yield f"{path}:{node.lineno}: {ast.unparse(node)}"


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _depends_on_project(nodes: list[ast.AST], tree: ast.Module) -> bool:
    """Whether the expressions in `nodes` (a skip's condition) look at project code: a name
    imported from it, an import of it, or a dotted name of it; module-level functions they
    call are followed."""
    project = _project_names(tree)
    functions = {
        n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    todo, seen = list(nodes), set()
    while todo:
        for node in ast.walk(todo.pop()):
            if isinstance(node, ast.Name) and node.id in project:
                return True
            if isinstance(node, ast.Import | ast.ImportFrom) and _project_names(node):
                return True
            if _names_project_code(node):
                return True
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                called = functions.get(node.func.id)
                if called is not None and called.name not in seen:
                    seen.add(called.name)
                    todo.append(called)
    return False


def _conditions(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> tuple[list[ast.AST], bool]:
    """The tests of the `if`s around `node`, and whether it is in an `except ImportError`."""
    tests: list[ast.AST] = []
    in_import_handler = False
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If | ast.IfExp | ast.While):
            tests.append(node.test)
        elif isinstance(node, ast.ExceptHandler) and _caught(node) & MISSING:
            in_import_handler = True
    return tests, in_import_handler


def conditional_skips(source: str, path: str = "<source>") -> Iterator[str]:
    """Where a test in `source` would skip (or xfail) depending on whether project code
    exists: `importorskip("kindred…")`, a skipif/xfail whose condition looks at project code,
    or `pytest.skip()` under such an `if` or in an `except ImportError`."""
    tree = ast.parse(source, path)
    parents = _parents(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _name(node.func) not in SKIPS:
            continue
        function = _name(node.func)
        where = f"{path}:{node.lineno}: {ast.unparse(node.func)}"
        if function == "importorskip":
            if node.args and _names_project_code(node.args[0]):
                yield where
            continue
        if function in ("skipif", "xfail"):
            condition = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "condition")]
            if condition and _depends_on_project(condition, tree):
                yield where
            continue
        tests, in_import_handler = _conditions(node, parents)
        if in_import_handler or (tests and _depends_on_project(tests, tree)):
            yield where


def test_no_source_module_carries_on_without_a_part_of_the_project():
    found = [
        problem
        for path in _python_files(SRC)
        for problem in source_fallbacks(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert not found, "Import project code plainly; fallbacks found:\n" + "\n".join(found)


def test_no_test_skips_on_whether_project_code_exists():
    found = [
        problem
        for path in _python_files(TESTS)
        for problem in conditional_skips(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert not found, "Tests must not skip on project code; found:\n" + "\n".join(found)


# The checks themselves find what they are meant to find --------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    from .requests import refresh_status\nexcept ImportError:\n    pass\n",
        "try:\n    import kindred.x\nexcept (ValueError, ModuleNotFoundError):\n    pass\n",
        "def f():\n    try:\n        return reverse('aid:x')\n    except NoReverseMatch:\n"
        "        return None\n",
        "from . import eligibility\nrequire = getattr(eligibility, 'require', None)\n",
        "from kindred.aid.services import eligibility as el\nok = hasattr(el, 'require')\n",
        "import importlib\nmodule = importlib.import_module('kindred.aid.services')\n",
        "from django.utils.module_loading import import_string\n"
        "job = import_string('kindred.privacy.tasks.enqueue_due_purges')\n",
    ],
)
def test_source_fallbacks_are_found(source):
    assert list(source_fallbacks(source))


@pytest.mark.parametrize(
    "source",
    [
        "from django.conf import settings\nsecure = getattr(settings, 'X', False)\n",
        "def f(rule):\n    return getattr(rule, 'sentence', None)\n",
        "from . import models\nvalue = getattr(models.Thing(), 'name', None)\n",
        "from .models import Rule\nfields = [getattr(Rule, f) for f in ('a', 'b')]\n",
        "try:\n    x = int(s)\nexcept ValueError:\n    x = None\n",
        "backend = import_string(settings.SMS_BACKEND)\n",
        "# except ImportError: a comment is not code\n",
    ],
)
def test_plain_code_is_not_a_fallback(source):
    assert not list(source_fallbacks(source))


@pytest.mark.parametrize(
    "source",
    [
        # The skip this module was written after (tests/aid/test_requests_services.py).
        "import pytest\n\n\ndef _eligibility_ready() -> bool:\n"
        "    from kindred.aid.services import eligibility\n\n"
        "    return hasattr(eligibility, 'require')\n\n\n"
        "@pytest.mark.skipif(not _eligibility_ready(), reason='not written yet')\n"
        "def test_it():\n    pass\n",
        "import pytest\nfrom kindred.aid.services import eligibility\n\n\n"
        "@pytest.mark.skipif(not hasattr(eligibility, 'require'), reason='later')\n"
        "def test_it():\n    pass\n",
        "import pytest\n\nrequire = pytest.importorskip('kindred.aid.services.eligibility')\n",
        "import pytest\nfrom kindred.aid import services\n\n\ndef test_it():\n"
        "    if not hasattr(services, 'approve'):\n        pytest.skip('not yet')\n",
        "import pytest\n\n\ndef test_it():\n    try:\n"
        "        from kindred.aid.services.eligibility import require\n"
        "    except ImportError:\n        pytest.skip('not yet')\n",
        "import pytest\nfrom kindred.aid import services\n\n"
        "pytestmark = pytest.mark.xfail(not hasattr(services, 'x'), reason='later')\n",
    ],
)
def test_skips_on_project_code_are_found(source):
    assert list(conditional_skips(source))


@pytest.mark.parametrize(
    "source",
    [
        "import pytest\nfrom django.db import connection\n\n\ndef test_it():\n"
        "    if connection.vendor != 'postgresql':\n        pytest.skip('needs PostgreSQL')\n",
        "import shutil\n\nimport pytest\n\n\ndef test_it():\n"
        "    if not shutil.which('xgettext'):\n        pytest.skip('GNU gettext missing')\n",
        "import pytest\nfrom pathlib import Path\n\n"
        "pytestmark = pytest.mark.skipif(not Path('/usr/bin/chromium').exists(), reason='x')\n",
        "import pytest\n\nplaywright = pytest.importorskip('playwright')\n",
    ],
)
def test_skips_on_the_machine_are_allowed(source):
    assert not list(conditional_skips(source))
