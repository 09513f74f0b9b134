"""The layering holds: the core never loads a UI library, and the contracts are kept."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI = ("typer", "textual", "rich", "click")
DATABASE = ("sqlalchemy", "sqlmodel", "alembic")
# Which libraries each part of stackmap must not load on import, checked in a fresh interpreter
# (what a process really pays), module by module as pkgutil finds them, so a new module is
# covered the day it is added. Order matters: the first prefix that matches is the rule.
RULES: list[tuple[str, tuple[str, ...]]] = [
    ("stackmap.export.map", (*UI, *DATABASE)),
    ("stackmap.export", (*UI, *DATABASE, "pyvis")),
    ("stackmap.analysis", (*UI, *DATABASE, "pyvis", "openpyxl")),
    ("stackmap.importers", (*UI, *DATABASE, "pyvis", "openpyxl")),
    ("stackmap.domain", (*UI, *DATABASE, "pyvis", "openpyxl", "pydantic")),
    ("stackmap.text", (*UI, *DATABASE, "pyvis", "openpyxl", "pydantic")),
    ("stackmap.schemas", (*UI, *DATABASE, "pyvis", "openpyxl")),
    ("stackmap.terms", (*UI, *DATABASE, "pyvis", "openpyxl")),
    ("stackmap.views", (*UI, *DATABASE, "pyvis", "openpyxl")),
    ("stackmap.reference", (*UI, *DATABASE, "pyvis", "openpyxl")),
    # The read path of the read-only commands (stackmap.reader falls back to SQLAlchemy only
    # when it must migrate or the catalog is not an embedded one).
    ("stackmap.connect", (*UI, *DATABASE, "pyvis", "openpyxl", "pydantic")),
    ("stackmap.rows", (*UI, *DATABASE, "pyvis", "openpyxl", "pydantic")),
    ("stackmap.facts", (*UI, *DATABASE, "pyvis", "openpyxl")),
    ("stackmap.reads", (*UI, *DATABASE, "pyvis", "openpyxl", "pydantic")),
    ("stackmap.reader", (*UI, *DATABASE, "pyvis", "openpyxl", "pydantic")),
    ("stackmap.dumpfiles", (*UI, *DATABASE, "pyvis", "openpyxl", "pydantic")),
    ("stackmap.publish", (*UI, *DATABASE, "pyvis", "openpyxl")),
    ("stackmap.tui", ("alembic", "pyvis", "openpyxl")),
    ("stackmap.cli", ("textual", "alembic", "pyvis", "openpyxl")),
    ("stackmap.render", ("textual", "alembic", "pyvis", "openpyxl")),
    ("stackmap.__main__", ()),
    ("stackmap.migrations", ()),
    ("stackmap", (*UI, "alembic", "pyvis")),  # the store and the application API
]


def _rule(module: str) -> tuple[str, ...]:
    return next(
        forbidden
        for prefix, forbidden in RULES
        if module == prefix or module.startswith(prefix + ".")
    )


def _modules() -> list[str]:
    import pkgutil

    import stackmap

    return sorted(
        m.name
        for m in pkgutil.walk_packages(stackmap.__path__, "stackmap.")
        if _rule(m.name) and "migrations" not in m.name
    )


def test_the_rules_cover_the_parts_that_must_stay_light() -> None:
    modules = _modules()
    assert "stackmap.analysis.overlap" in modules and "stackmap.importers.spreadsheet" in modules
    assert "stackmap.export.workbook" in modules and "stackmap.domain" in modules


def _loaded(modules: list[str], watched: tuple[str, ...]) -> list[str]:
    """Which of `watched` a fresh interpreter has loaded after importing `modules`."""
    code = (
        f"import sys\nfor m in {modules!r}: __import__(m)\n"
        f"print(' '.join(w for w in {watched!r} if w in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_no_module_loads_a_library_its_layer_must_not() -> None:
    # Modules under one rule are imported together in one fresh interpreter (a process is what
    # the user pays for); only when a group loads something forbidden is it split module by
    # module, so the failure names the culprit.
    groups: dict[tuple[str, ...], list[str]] = {}
    for module in _modules():
        groups.setdefault(_rule(module), []).append(module)
    found = []
    for forbidden, modules in groups.items():
        if forbidden and _loaded(modules, forbidden):
            found += [
                f"{m} loads {', '.join(bad)}" for m in modules if (bad := _loaded([m], forbidden))
            ]
    assert found == [], "\n".join(found)


def test_the_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sdist_ships_everything_the_tests_import() -> None:
    # The tests import helpers from the repository's own top-level folders (benchmarks' stack
    # generator, scripts' corpus maker): a source distribution without them cannot run them.
    import ast
    import tomllib

    included = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"][
            "build"
        ]["targets"]["sdist"]["include"]
    )
    local = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    needed: set[str] = set()
    for test in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(test.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                needed.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                needed.update(alias.name.split(".")[0] for alias in node.names)
    assert needed & local <= included, sorted((needed & local) - included)
    assert "benchmarks" in needed  # the check sees what it is about


def test_importing_the_tui_loads_no_file_reader_or_writer() -> None:
    # What `stackmap tui` and the read commands load: the readers and writers come when used.
    code = (
        "import sys, stackmap.cli, stackmap.tui.app\n"
        "heavy = ('openpyxl', 'pyvis', 'rapidfuzz', 'numpy', 'alembic', 'IPython')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
