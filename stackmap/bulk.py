"""What bulk operations (an import, the analysis) share: the cyclic garbage collector paused
around them, what a one-shot process holds to its end, and when a read takes a whole table."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_one_shot = False
_kept: list[object] = []

# Past this many keys (tools, names), reading a whole table beats long IN lists: the store's
# reads and the driver-level ones (stackmap.rows) alike.
IN_LIST_LIMIT = 500


def one_shot_process(one_shot: bool = True) -> None:
    """Say whether this process runs one command and ends (the `stackmap` script's commands,
    but not the TUI nor a test run): what a bulk operation builds is then kept out of the
    collector's reach for good (see bulk_work)."""
    global _one_shot
    _one_shot = one_shot


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector for one bulk operation.

    An import or an analysis of 20,000 tools allocates hundreds of thousands of objects that
    stay alive until it ends; the collector's repeated full passes over them cost a quarter of
    the time and free nothing. Nothing in them builds reference cycles that need collecting
    before they end, and the collector resumes (and catches up) afterwards.

    Catching up is one pass over everything the operation made, as soon as the collector is
    back (0.1 s after a 20,000-tool snapshot, as much again after its analysis). A process
    that ends with its command skips it: those objects are frozen (never scanned again; they
    are still freed when no longer used, and a cycle among them lasts only until the process
    ends, moments later).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if _one_shot:
                gc.freeze()
            gc.enable()


def keep(*objects: object) -> None:
    """Hold what a one-shot process's command built until the process ends.

    Such a process ends as soon as its command returns, without the interpreter's teardown
    (see `stackmap.cli.main`); what the command built would still be freed object by object
    as its variables go out of scope on the way there: a tenth of a second for a 20,000-tool
    analysis, spent on memory the system takes back moments later anyway. Hold only values,
    never what must be closed (a catalog is closed by its command's context). Elsewhere (the
    TUI, the tests) nothing is held.
    """
    if _one_shot:
        _kept.extend(objects)
