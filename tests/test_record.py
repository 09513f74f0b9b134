"""Records (stackmap.record): read-only to the type checker, fast and value-like at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from stackmap.record import record


@record
class _Point:
    x: int
    y: int = 0


def test_a_record_is_a_value() -> None:
    assert _Point(1) == _Point(1, 0) and _Point(1) != _Point(2)
    assert len({_Point(1), _Point(1, 0), _Point(2)}) == 2
    assert not hasattr(_Point(1), "__dict__")  # slotted: no stray attributes


def test_mypy_refuses_to_assign_to_a_record(tmp_path: Path) -> None:
    # The guarantee a frozen dataclass gave at run time is the type checker's to give.
    source = tmp_path / "assigns.py"
    source.write_text(
        "from stackmap.views import ContractView\n"
        "from stackmap.analysis.stack import LinkFacts\n"
        "def f(c: ContractView, link: LinkFacts) -> None:\n"
        "    c.notes = 'x'\n"
        "    link.status = 'broken'\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent", str(source)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 1, result.stdout
    assert result.stdout.count("read-only") == 2, result.stdout
