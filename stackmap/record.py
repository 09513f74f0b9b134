"""`record`: a read-only value made in bulk (a contract, a listed tool, a link, a finding).

A frozen dataclass sets each field through `object.__setattr__` so that assignment can be
refused at run time, which makes its `__init__` about ten times slower than a plain one's.
The values a 20,000-tool catalog is read into and analysed as number in the hundreds of
thousands (100,000 links alone): made frozen, they were a quarter of the analysis and a
sixth of a JSON listing.

A record is a plain slotted dataclass at run time, which the interpreter fills at full
speed, and frozen to the type checker (`frozen_default`), which refuses any assignment to
one in our code (mypy runs in CI). It compares and hashes by value, as a frozen dataclass
does. Values made a few at a time stay frozen dataclasses.

Two kinds, by what is done with them in bulk. A `record` keeps its fields in slots: the
least memory, for what a catalog is read into and analysed (100,000 links, a contract and a
cost per tool). A `written` record keeps them in an instance dict, which orjson reads two to
three times faster than slots (it asks each slot for its value, where it walks a dict): for
what `--json` writes by the ten thousand, the findings and the listed tools. The 57 MB of
a 20,000-tool analysis's JSON take 0.18 s instead of 0.24 s; at 100,000 tools 0.85 s
instead of 1.2 s, for 33 MB more at the analysis's peak (the dicts orjson makes as it reads
them come on top; the peak stays under the 900 MB it was, the plan being written a run at a
time now, see cli.base._holds_long).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """Make `cls` a record: a slotted dataclass compared and hashed by value, read-only to mypy."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


@dataclass_transform(frozen_default=True)
def written(cls: type[T]) -> type[T]:
    """Make `cls` a record that is written out in bulk: fields in an instance dict, which
    orjson serialises fastest; compared and hashed by value, read-only to mypy."""
    return dataclass(unsafe_hash=True)(cls)
