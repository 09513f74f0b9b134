"""Two people import different files into one catalog at the same moment: both imports land,
nothing is duplicated or lost, and each has its own history batch — on SQLite (WAL, busy
timeout) and on a real PostgreSQL server (writers queue on an advisory lock)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from catalogs import SAMPLES
from processes import start_import

from benchmarks.generate import SyntheticStack, synthetic_stack, write_workbook
from stackmap import db
from stackmap.domain import name_key
from stackmap.errors import DatabaseBusyError
from stackmap.inventory import Inventory
from stackmap.models import Change, ImportBatch, Tool, Vendor
from stackmap.reference import Reference

pytestmark = pytest.mark.slow  # real processes or a real browser: make check skips it

TOOLS = 2000


@pytest.fixture(params=["sqlite-file", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.mark.parametrize("seeds", [(1, 2), (3, 4)], ids=["round-1", "round-2"])
def test_two_imports_at_once_both_land_with_nothing_duplicated_or_lost(
    catalog_url: str, tmp_path: Path, seeds: tuple[int, int]
) -> None:
    db.open_database(catalog_url).dispose()
    stacks: list[SyntheticStack] = []
    paths = []
    for seed in seeds:
        stack = synthetic_stack(TOOLS, TOOLS * 2, seed=seed)
        stacks.append(stack)
        paths.append(write_workbook(tmp_path / f"team-{seed}.xlsx", stack))
    wanted = {name_key(t.name) for stack in stacks for t in stack.tools}
    shared = {name_key(t.name) for t in stacks[0].tools} & {
        name_key(t.name) for t in stacks[1].tools
    }
    # Both files name some of the same tools, and the same vendors and owners: the race
    # that would create one twice is real.
    assert shared

    processes = [start_import(catalog_url, path, tmp_path / path.stem) for path in paths]
    for process, path in zip(processes, paths, strict=True):
        assert process.wait(timeout=600) == 0, (tmp_path / f"{path.stem}.err").read_text()
    results = [json.loads((tmp_path / f"{p.stem}.out").read_text()) for p in paths]

    engine = db.make_engine(catalog_url)
    try:
        with engine.connect() as conn:
            keys = list(conn.execute(sa.select(Tool.key)).scalars())  # type: ignore[call-overload]
            vendors = list(conn.execute(sa.select(Vendor.key)).scalars())  # type: ignore[call-overload]
            batches = conn.execute(
                sa.select(ImportBatch.id, ImportBatch.file_name)  # type: ignore[call-overload]
            ).all()
            changes_per_batch: dict[int | None, int] = dict(
                conn.execute(
                    sa.select(Change.batch_id, sa.func.count()).group_by(Change.batch_id)  # type: ignore[call-overload]
                ).all()
            )
    finally:
        engine.dispose()
    assert len(keys) == len(set(keys)) == len(wanted)
    assert set(keys) == wanted
    assert len(vendors) == len(set(vendors))
    assert sum(r["counts"]["tools_created"] for r in results) == len(wanted)
    # The second writer found the first one's tools and updated or kept them.
    assert sum(r["counts"]["tools_created"] for r in results) < 2 * TOOLS
    assert sorted(name for _, name in batches) == sorted(p.name for p in paths)
    for batch_id, _ in batches:
        assert changes_per_batch.get(batch_id, 0) > TOOLS // 2


def _hold_writer_lock(url: str, seconds: float) -> threading.Thread:
    """Hold the writers' lock from another connection for a while, as a long import would."""
    ready = threading.Event()

    def hold() -> None:
        engine = db.make_engine(url)
        try:
            # The tests on PostgreSQL share one server, whose writers' lock is one for all of
            # them: another test's import may hold it a moment longer than the short busy
            # timeout these tests set, so the holder keeps trying until it has it.
            for _ in range(100):
                try:
                    with db.writer(engine).begin():
                        ready.set()
                        time.sleep(seconds)
                    return
                except (DatabaseBusyError, sa.exc.OperationalError):
                    time.sleep(0.1)
        finally:
            engine.dispose()

    thread = threading.Thread(target=hold)
    thread.start()
    assert ready.wait(10)
    return thread


def test_a_locked_catalog_is_waited_for_and_retried(
    catalog_url: str, reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(db.ENV_BUSY, "0.3")  # three tries of 0.3 s with pauses: about 1.5 s
    inventory = Inventory(db.open_database(catalog_url), reference, actor="tester")
    try:
        plan = inventory.plan_import(SAMPLES / "team-audit.xlsx")
        holder = _hold_writer_lock(catalog_url, 0.7)
        started = time.monotonic()
        inventory.apply_import(plan)  # the first try times out; a later one gets the lock
        waited = time.monotonic() - started
        holder.join()
        assert waited >= 0.5  # it did wait for the other writer
        assert inventory.counts()["import_batches"] == 1
    finally:
        inventory.close()


def test_a_catalog_locked_too_long_is_one_line_and_changes_nothing(
    catalog_url: str, reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Made first with the usual patience: making a catalog migrates it as a writer, and on
    # PostgreSQL the writers' lock is the database's, which the tests running beside this one
    # (each in a schema of its own) take too. Then opened again with the wait shortened.
    db.open_database(catalog_url).dispose()
    monkeypatch.setenv(db.ENV_BUSY, "0.1")
    inventory = Inventory(db.open_database(catalog_url), reference, actor="tester")
    try:
        plan = inventory.plan_import(SAMPLES / "team-audit.xlsx")
        holder = _hold_writer_lock(catalog_url, 3)
        with pytest.raises(DatabaseBusyError, match="locked by another stackmap process"):
            inventory.apply_import(plan)
        holder.join()
        assert sum(inventory.counts().values()) == 0
    finally:
        inventory.close()
