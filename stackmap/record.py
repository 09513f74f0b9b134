"""`record`: a read-only value built in bulk (a contract, a tool's listing line, a position).

A frozen dataclass sets each field through `object.__setattr__` so that assignment can be
refused at run time; that makes its `__init__` about ten times slower than a plain one, and
a 20,000-tool listing builds four such values per tool (65 ms of a 0.45 s `tools --json`).
A record is a plain slotted dataclass at run time, which the interpreter fills at full speed,
and frozen to the type checker (`frozen_default`), which refuses any assignment to it in our
code; it hashes by value as a frozen dataclass does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """Make `cls` a record: a slotted dataclass compared and hashed by value, read-only to mypy."""
    return dataclass(slots=True, unsafe_hash=True)(cls)
