"""A crash in the middle of an import loses nothing: SIGKILL a real `stackmap import` process
while it holds the write transaction, and the catalog is exactly as before — same rows, same
history — on SQLite and PostgreSQL; the same import then succeeds."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from catalogs import SAMPLES
from processes import catalog_env, start_import, wait_until, writer_active

from benchmarks.generate import synthetic_stack, write_workbook
from stackmap import db
from stackmap.dump import dump_catalog
from stackmap.inventory import Inventory
from stackmap.reference import Reference

pytestmark = pytest.mark.slow  # real processes or a real browser: make check skips it


@pytest.fixture(scope="module")
def big_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5,000-tool vendor workbook with 10,000 integrations: a write lasting long enough
    to be killed in the middle."""
    path = tmp_path_factory.mktemp("crash") / "vendor-export.xlsx"
    return write_workbook(path, synthetic_stack(5000, 10000, seed=11))


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def assert_as_before(catalog_url: str, tmp_path: Path) -> None:
    """Once the killed writer's transaction is gone (PostgreSQL rolls back when it sees the
    connection drop), the catalog is sound and its dump is byte for byte the one in before/."""
    assert wait_until(lambda: not writer_active(catalog_url), timeout=30)
    if catalog_url.startswith("sqlite"):
        database = sa.engine.make_url(catalog_url).database
        check = sqlite3.connect(str(database))
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        check.close()
    engine = db.open_database(catalog_url)
    try:
        dump_catalog(engine, tmp_path / "after")
    finally:
        engine.dispose()
    assert files(tmp_path / "after") == files(tmp_path / "before")


@pytest.fixture(params=["sqlite-file", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.25], ids=["at-once", "early", "later"])
def test_killing_an_import_mid_write_leaves_the_catalog_exactly_as_it_was(
    catalog_url: str, big_workbook: Path, reference: Reference, tmp_path: Path, delay: float
) -> None:
    inventory = Inventory(db.open_database(catalog_url), reference, actor="tester")
    inventory.apply_import(inventory.plan_import(SAMPLES / "team-audit.xlsx"))
    dump_catalog(inventory.engine, tmp_path / "before")
    tools_before = inventory.counts()["tools"]
    inventory.close()

    process = start_import(catalog_url, big_workbook, tmp_path / "killed")
    try:
        assert wait_until(lambda: writer_active(catalog_url), timeout=120), (
            "the import never began writing"
        )
        time.sleep(delay)
        assert process.poll() is None and writer_active(catalog_url), (
            "the import finished before it could be killed mid-write"
        )
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert_as_before(catalog_url, tmp_path)

    again = start_import(catalog_url, big_workbook, tmp_path / "again")
    assert again.wait(timeout=300) == 0, (tmp_path / "again.err").read_text()
    result = json.loads((tmp_path / "again.out").read_text())
    inventory = Inventory(db.open_database(catalog_url), reference, actor="tester")
    try:
        counts = inventory.counts()
        assert result["counts"]["tools_created"] == 5000
        assert counts["tools"] == tools_before + 5000
        assert counts["integrations"] > 10000
        assert counts["import_batches"] == 2
    finally:
        inventory.close()


@pytest.fixture(scope="module")
def big_backup(big_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a 5,000-tool catalog: restoring it is a long write."""
    from stackmap.backup import backup_catalog
    from stackmap.reference import load_reference

    folder = tmp_path_factory.mktemp("big-backup")
    inventory = Inventory(
        db.open_database(f"sqlite:///{folder / 'big.db'}"), load_reference(), actor="tester"
    )
    try:
        inventory.apply_import(inventory.plan_import(big_workbook))
        backup_catalog(inventory.engine, folder / "big-backup.db")
    finally:
        inventory.close()
    return folder / "big-backup.db"


def test_killing_a_restore_mid_write_leaves_the_catalog_exactly_as_it_was(
    catalog_url: str, big_backup: Path, reference: Reference, tmp_path: Path
) -> None:
    import subprocess
    import sys

    inventory = Inventory(db.open_database(catalog_url), reference, actor="tester")
    inventory.apply_import(inventory.plan_import(SAMPLES / "team-audit.xlsx"))
    dump_catalog(inventory.engine, tmp_path / "before")
    inventory.close()
    # A restore deletes everything, then writes the backup, in one transaction.
    command = [sys.executable, "-m", "stackmap", "--db", catalog_url, "restore", str(big_backup)]
    with (tmp_path / "restore.err").open("wb") as errors:
        process = subprocess.Popen(
            [*command, "--yes"],
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=catalog_env(catalog_url),
        )
        try:
            assert wait_until(lambda: writer_active(catalog_url), timeout=120)
            assert process.poll() is None
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert_as_before(catalog_url, tmp_path)
    # And the restore, run to the end, replaces the catalog with the backup.
    done = subprocess.run([*command, "--yes"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    inventory = Inventory(db.open_database(catalog_url), reference, actor="tester")
    try:
        assert inventory.counts()["tools"] == 5000
    finally:
        inventory.close()
