"""Helpers for tests that run stackmap in other processes: start an import, see whether a
writer holds the catalog's lock, wait for it to be released."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa


def start_import(url: str, path: Path, output: Path) -> subprocess.Popen[bytes]:
    """Start `stackmap import --json` in a new process, its stdout and stderr to files
    beside output (a pipe nobody reads would fill and stall it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "stackmap", "--db", url, "import", str(path), "--json"],
        stdout=output.with_suffix(".out").open("wb"),
        stderr=output.with_suffix(".err").open("wb"),
        env=catalog_env(url),
    )


def catalog_env(url: str) -> dict[str, str]:
    """The environment for a stackmap process writing to url: on PostgreSQL its connections
    carry a name of this catalog's own (libpq reads PGAPPNAME), so that `writer_active` sees
    its lock and not one another test holds on another schema of the same server at the
    same moment (the writers' advisory lock has one key for every schema)."""
    return {**os.environ, "PGAPPNAME": _application(url)}


def _application(url: str) -> str:
    return "stackmap-test-" + hashlib.sha256(url.encode()).hexdigest()[:16]


def writer_active(url: str) -> bool:
    """Whether some process is inside a write transaction on the catalog right now."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        probe = sqlite3.connect(str(parsed.database), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True  # "database is locked": a writer holds it
        finally:
            probe.close()  # closing rolls back the probe's own empty transaction
        return False
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            held = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid() "
                    "AND a.application_name = :application"
                ),
                {"application": _application(url)},
            ).scalar()
        return bool(held)
    finally:
        engine.dispose()


def wait_until(predicate: object, timeout: float, step: float = 0.005) -> bool:
    """Poll predicate() until it is true or the timeout passes; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(step)
    return bool(predicate())  # type: ignore[operator]
