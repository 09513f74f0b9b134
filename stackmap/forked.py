"""Work done beside the process's own, on the machine's other core: in a forked copy of it.

The analysis of a large stack is two halves that need nothing of each other (see
`stackmap.analysis.report.Judged` and `Measured`), and pure Python: threads would take turns
on the interpreter's lock, but a forked copy of the process already holds everything the
first half built (the snapshot, the graph) without copying it, and works out the other half
while this process goes on. Only its result comes back, pickled.

The copy costs memory: every object it reads has its reference count written, so the system
copies the page holding it, and a copy ends up holding most of what it was forked from. Its
callers fork only below a size where both together stay small.

The copy is an optimisation, never a second way to be right: where it cannot run (no fork
on this system, other threads running, which a fork would leave half-copied), or it fails
in any way (an exception, a crash, a signal), the work runs here instead, so that its result,
or its error, is exactly what running it here gives.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """Whether work can go to a forked copy of this process now: on Linux (elsewhere a
    forked process may not use the system's libraries safely), with no other thread running
    (the copy would hold their locks, never released)."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "memfd_create")
        and threading.active_count() == 1
    )


def resident_size() -> int | None:
    """This process's resident memory in bytes now, where the system says (Linux)."""
    try:
        return int(Path("/proc/self/statm").read_bytes().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def beside(work: Callable[[], T], *, fork: bool = True) -> Iterator[Callable[[], T]]:
    """Start work in a forked copy of this process and yield a function that returns its
    result, waiting for it if need be; call it once, inside the block. work's result must be
    picklable, and work must change nothing outside itself: what the copy changes is lost.

    fork=False, or where can_fork() is not so, work runs in this process when its result is
    asked for. If the copy cannot be made (no memory, no process left) or fails, work runs
    here. Leaving the block before asking (an error) stops the copy."""
    if not (fork and can_fork()):
        yield work
        return
    try:
        child = _Child(work)
    except OSError:  # no memory or process left for a copy (a container's limits)
        yield work
        return
    try:
        yield child.result
    finally:
        child.stop()


class _Child(Generic[T]):
    """A forked copy of the process running work, its result coming back pickled in a file
    in memory: through a pipe, the copy would wait for this process to read before it could
    end (at 20,000 tools, 25 MB of findings: a tenth of a second more on the way back)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._file = os.fdopen(os.memfd_create("stackmap-beside", os.MFD_CLOEXEC), "w+b")
        try:
            self._pid: int | None = os.fork()
        except OSError:
            self._file.close()
            raise
        if self._pid == 0:  # the copy: never returns
            _run_and_exit(work, self._file)

    def result(self) -> T:
        if self._reap() == 0:
            self._file.seek(0)
            try:
                result: T = pickle.load(self._file)
                return result
            except Exception:  # a torn result: the work is done here instead
                pass
            finally:
                self._file.close()
        return self._work()

    def stop(self) -> None:
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            self._reap()
        self._file.close()

    def _reap(self) -> int:
        """Wait for the copy to end; its exit status (a signal's is negative)."""
        assert self._pid is not None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return os.waitstatus_to_exitcode(status)


def _run_and_exit(work: Callable[[], object], file: BinaryIO) -> None:
    """In the copy: run work, write its pickled result to file and end there, whatever
    happens (an error, Ctrl-C, which reaches the whole process group), without running
    anything of the process's own ending (exit handlers, flushing the output it was forked
    holding, a catalog's close), which belongs to the original."""
    code = 1
    try:
        pickle.dump(work(), file, protocol=pickle.HIGHEST_PROTOCOL)
        file.flush()
        code = 0
    except BaseException:  # the original runs the work again, or is interrupted itself
        pass
    finally:
        os._exit(code)
