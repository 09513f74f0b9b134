"""Work beside the process (stackmap.forked): its result comes from a forked copy, and
whatever goes wrong there, the result or the error is what running the work here gives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from stackmap.forked import beside, can_fork, resident_size

needs_fork = pytest.mark.skipif(
    not can_fork(), reason="no fork here (not Linux, or other threads running)"
)


@needs_fork
def test_the_work_runs_in_a_copy_of_the_process() -> None:
    table = {"tools": list(range(1000))}  # built here, read there without being sent

    with beside(lambda: (os.getpid(), sum(table["tools"]))) as result:
        pid, total = result()
    assert pid != os.getpid()
    assert total == sum(range(1000))


@needs_fork
def test_the_copy_works_while_this_process_goes_on(tmp_path: Path) -> None:
    started = tmp_path / "started"

    def work() -> str:
        started.write_text("yes")
        return "done"

    with beside(work) as result:
        deadline = time.monotonic() + 10
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert started.exists()  # before the result was asked for
        assert result() == "done"


def test_without_fork_the_work_runs_here() -> None:
    with beside(os.getpid, fork=False) as result:
        assert result() == os.getpid()


@needs_fork
def test_another_thread_running_keeps_the_work_here() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
        with beside(os.getpid) as result:
            assert result() == os.getpid()
    finally:
        stop.set()
        thread.join()


@needs_fork
def test_an_error_in_the_copy_is_raised_here_by_the_work_run_again() -> None:
    runs_here: list[int] = []

    def work() -> int:
        runs_here.append(os.getpid())  # lost in the copy, kept here
        raise ValueError("a finding could not be worked out")

    with pytest.raises(ValueError, match="could not be worked out"), beside(work) as result:
        result()
    assert runs_here == [os.getpid()]


@needs_fork
def test_a_copy_killed_by_a_signal_leaves_the_work_to_this_process() -> None:
    here = os.getpid()

    def work() -> str:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        return "worked out here"

    with beside(work) as result:
        assert result() == "worked out here"


@needs_fork
def test_a_copy_that_cannot_be_made_leaves_the_work_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    with beside(os.getpid) as result:
        assert result() == os.getpid()


@needs_fork
def test_a_result_that_cannot_be_sent_back_is_worked_out_here() -> None:
    here = os.getpid()

    def work() -> object:
        return threading.Lock() if os.getpid() != here else "here"  # a lock cannot be pickled

    with beside(work) as result:
        assert result() == "here"


@needs_fork
def test_leaving_the_block_early_stops_the_copy(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"

    def work() -> None:
        # Whole or not at all: the copy may be killed between creating a file and filling it.
        pid_file.with_suffix(".part").write_text(str(os.getpid()))
        pid_file.with_suffix(".part").rename(pid_file)
        time.sleep(60)

    started = time.monotonic()
    with pytest.raises(RuntimeError), beside(work):
        while not pid_file.exists():
            time.sleep(0.01)
        raise RuntimeError("the judging failed")
    assert time.monotonic() - started < 30
    pid = int(pid_file.read_text())
    assert not Path(f"/proc/{pid}").exists()  # killed and reaped: not even a zombie


@needs_fork
def test_what_was_printed_before_is_printed_once() -> None:
    # Output buffered when the process forks is the original's to write: the copy ends
    # without flushing it.
    script = (
        "import sys\n"
        "from stackmap.forked import beside\n"
        "sys.stdout.write('before ')\n"
        "with beside(lambda: 42) as result:\n"
        "    print(result())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout == "before 42\n"


@needs_fork
def test_ctrl_c_ends_the_copy_quietly() -> None:
    # Ctrl-C reaches the whole process group. The original handles it (here: catches it and
    # goes on a moment, leaving the copy time to misbehave); the copy ends, printing nothing
    # and running none of the original's code.
    script = (
        "import os, signal, sys, time\n"
        "from stackmap.forked import beside\n"
        "with beside(lambda: time.sleep(60)) as result:\n"
        "    time.sleep(0.5)\n"
        "    try:\n"
        "        os.killpg(0, signal.SIGINT)\n"
        "        time.sleep(5)\n"
        "    except KeyboardInterrupt:\n"
        "        time.sleep(1)\n"
        "        print('interrupted', file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "interrupted\n")


def test_resident_size_is_this_process_s_memory() -> None:
    size = resident_size()
    if sys.platform.startswith("linux"):
        assert size is not None and 10 * 2**20 < size < 8 * 2**30
    block = bytearray(64 * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    if size is not None:
        grown = resident_size()
        assert grown is not None and grown - size > 48 * 2**20
    del block


def test_fork_is_only_used_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not can_fork()
