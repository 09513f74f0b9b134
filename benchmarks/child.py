"""Run one measurement in a fresh Python process, so its peak memory (max RSS) is its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def in_child(module: str, *args: object) -> dict[str, Any]:
    """Run `python -m module args…`, which prints one JSON object, and return that object.

    Raises RuntimeError with the child's last error line when it fails.
    """
    result = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        raise RuntimeError(lines[-1])
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def peak_mb() -> float:
    """This process's own peak memory in MB.

    Linux's VmHWM belongs to the process's memory map, which exec replaces; ru_maxrss is kept
    across fork and exec, so a child would report its parent's size whenever that was larger.
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
