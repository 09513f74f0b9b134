"""Records (stackmap.record): read-only to the type checker, fast and value-like at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from stackmap.record import record, written


@record
class _Point:
    x: int
    y: int = 0


@written
class _Line:
    x: int
    y: int = 0


@pytest.mark.parametrize("kind", [_Point, _Line])
def test_a_record_is_a_value(kind: type[_Point] | type[_Line]) -> None:
    assert kind(1) == kind(1, 0) and kind(1) != kind(2)
    assert len({kind(1), kind(1, 0), kind(2)}) == 2
    assert orjson.loads(orjson.dumps([kind(1, 2)])) == [{"x": 1, "y": 2}]


def test_a_record_is_slotted_and_a_written_one_is_not() -> None:
    assert not hasattr(_Point(1), "__dict__")  # the least memory for what is kept
    assert _Line(1).__dict__ == {"x": 1, "y": 0}  # what orjson reads fastest


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
