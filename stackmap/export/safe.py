"""Make text safe to put in a cell, and write files so a crash never leaves half of one.

A cell starting with = + - @, tab, CR or LF can run as a formula (or a DDE payload) when a
spreadsheet opens the file (OWASP CSV injection); such text is prefixed with an apostrophe.
Control characters that Excel refuses are removed.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: str) -> str:
    """Return text that a spreadsheet shows as text: never a formula, no illegal characters."""
    text = _ILLEGAL.sub("", value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


@contextmanager
def atomic_write(path: Path, mode: str = "w", **kwargs: object) -> Iterator[IO[str]]:
    """Write to a temporary file beside path and move it into place only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    # mkstemp makes the file private (0600); the finished file gets the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    Path(temp).chmod(0o666 & ~umask)
    try:
        with os.fdopen(handle, mode, **kwargs) as stream:  # type: ignore[call-overload]
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
