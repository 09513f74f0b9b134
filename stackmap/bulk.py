"""Pausing the cyclic garbage collector around one bulk operation (an import, the analysis)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector for one bulk operation.

    An import or an analysis of 20,000 tools allocates hundreds of thousands of objects that
    stay alive until it ends; the collector's repeated full passes over them cost a quarter of
    the time and free nothing. Nothing in them builds reference cycles that need collecting
    before they end, and the collector resumes (and catches up) afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
