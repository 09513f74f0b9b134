"""The layering holds: the core never loads a UI library, and the contracts are kept."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["stackmap.inventory", "stackmap.demo", "stackmap.importers.spreadsheet", "stackmap.writer"]


@pytest.mark.parametrize("module", CORE)
def test_importing_the_core_loads_no_ui_library(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "loaded = sorted(m for m in ('typer', 'textual', 'rich', 'click') if m in sys.modules)\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


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
