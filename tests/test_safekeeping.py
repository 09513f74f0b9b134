"""Keeping the catalog safe: dump and load, backup and restore, on SQLite and PostgreSQL.

A dump loaded into an empty catalog and dumped again gives the same files byte for byte; a
backup restored gives the same catalog; a bad dump or backup changes nothing.
"""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
from catalogs import arrange_everything
from typer.testing import CliRunner

from stackmap import db
from stackmap.backup import backup_catalog, restore_catalog
from stackmap.cli import app
from stackmap.dump import PARTS, dump_catalog
from stackmap.errors import InvalidValueError, NotFoundError
from stackmap.inventory import Inventory
from stackmap.load import load_catalog
from stackmap.reference import Reference
from stackmap.schemas import ToolFields

runner = CliRunner()


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def dumped(engine_or_inventory: Inventory, directory: Path) -> dict[str, bytes]:
    dump_catalog(engine_or_inventory.engine, directory)
    return files(directory)


@pytest.fixture
def filled(backend_inventory: Inventory) -> Inventory:
    arrange_everything(backend_inventory)
    return backend_inventory


def _empty(reference: Reference, url: str) -> Inventory:
    return Inventory(db.open_database(url), reference, actor="tester")


def _loads_back_the_same(
    reference: Reference, tmp_path: Path, source: Path, expected: dict[str, bytes]
) -> None:
    """Load source into a fresh catalog and check that dumping it gives the expected files."""
    target = _empty(reference, f"sqlite:///{tmp_path / 't.db'}")
    try:
        load_catalog(target.engine, source)
        assert dumped(target, tmp_path / "again") == expected
    finally:
        target.close()


def test_every_kind_of_record_is_dumped_sorted_and_readable(
    filled: Inventory, tmp_path: Path
) -> None:
    dump = dumped(filled, tmp_path / "dump")
    for part in PARTS:
        assert dump[part.file].strip() not in (b"", b"[]"), part.file
    assert b'"decided_by":"tester"' in dump["decisions.yaml"]
    assert b"renew for 3 years" in dump["decisions.yaml"]
    assert b"disposition" not in dump["tools.yaml"]  # decisions live in their own file
    tools = (tmp_path / "dump" / "tools.yaml").read_text(encoding="utf-8")
    assert "Café" in tools  # text is kept readable, not escaped
    lines = tools.splitlines()
    assert all(line.startswith('- {"id":') for line in lines)  # one record per line
    ids = [int(line.split(":")[1].split(",")[0]) for line in lines]
    assert ids == sorted(ids) and len(ids) == len(filled.tools())


def test_dump_then_load_into_an_empty_catalog_reproduces_it_exactly(
    filled: Inventory, tmp_path: Path, backend_url: str, reference: Reference
) -> None:
    first = dumped(filled, tmp_path / "first")
    filled.close()
    # The same backend, emptied: every table gone and recreated.
    engine = db.make_engine(backend_url)
    db.downgrade(engine, "base")
    engine.dispose()
    target = _empty(reference, backend_url)
    try:
        load_catalog(target.engine, tmp_path / "first")
        assert dumped(target, tmp_path / "second") == first
        # New records after a load get fresh ids: the id sequences moved past the loaded ones.
        target.add_tool(ToolFields(name="Brand new tool"))
        assert target.tool("Brand new tool").summary.name == "Brand new tool"
    finally:
        target.close()


def test_a_sqlite_dump_loads_into_postgresql_identically(
    inventory: Inventory, tmp_path: Path, postgres_schema_url: str, reference: Reference
) -> None:
    arrange_everything(inventory)
    first = dumped(inventory, tmp_path / "sqlite")
    target = _empty(reference, postgres_schema_url)
    try:
        load_catalog(target.engine, tmp_path / "sqlite")
        assert dumped(target, tmp_path / "pg") == first
    finally:
        target.close()


def test_load_refuses_a_catalog_that_is_not_empty(filled: Inventory, tmp_path: Path) -> None:
    before = dumped(filled, tmp_path / "before")
    with pytest.raises(InvalidValueError, match="not empty"):
        load_catalog(filled.engine, tmp_path / "before")
    assert dumped(filled, tmp_path / "after") == before


@pytest.mark.parametrize(
    ("file", "find", "replace", "message"),
    [
        (
            "contracts.yaml",
            '"currency":"USD"',
            '"currency":["USD"]',
            r"contracts.yaml: record \d+, field 'currency': expected text",
        ),
        (
            "contracts.yaml",
            '"annual_cost":"',
            '"annual_cost":"lots',
            r"field 'annual_cost': expected an amount",
        ),
        (
            "tools.yaml",
            '"status":"active"',
            '"status":null',
            r"tools.yaml: record \d+, field 'status': a value is required",
        ),
        ("tools.yaml", '"tags":[]', '"colour":"blue"', r"unknown field 'colour'"),
        ("tools.yaml", '"tags":[]', '"tags":"x"', r"field 'tags': expected a list or a mapping"),
        ("history.yaml", '- {"id":', '- {"id":[', r"history.yaml: line \d+"),
        (
            "integrations.yaml",
            '"source_tool_id":',
            '"source_tool_id":9999',
            r"records contradict each other",
        ),
    ],
)
def test_a_damaged_dump_is_one_line_naming_the_file_and_loads_nothing(
    inventory: Inventory,
    tmp_path: Path,
    reference: Reference,
    file: str,
    find: str,
    replace: str,
    message: str,
) -> None:
    arrange_everything(inventory)
    source = tmp_path / "dump"
    dump_catalog(inventory.engine, source)
    path = source / file
    path.write_text(path.read_text(encoding="utf-8").replace(find, replace, 1), encoding="utf-8")
    target = _empty(reference, f"sqlite:///{tmp_path / 'target.db'}")
    try:
        with pytest.raises(InvalidValueError, match=message) as caught:
            load_catalog(target.engine, source)
        assert "\n" not in str(caught.value)
        assert sum(target.counts().values()) == 0
    finally:
        target.close()


def test_a_directory_that_is_not_a_dump_is_refused(inventory: Inventory, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_catalog(inventory.engine, tmp_path / "missing")
    with pytest.raises(InvalidValueError, match="not a stackmap dump"):
        load_catalog(inventory.engine, tmp_path)


def test_a_sqlite_backup_is_a_consistent_standalone_copy_taken_while_in_use(
    tmp_path: Path, reference: Reference
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    live = _empty(reference, url)
    try:
        arrange_everything(live)
        expected = dumped(live, tmp_path / "live")
        # Another process is in the middle of a write: the backup holds only committed data.
        writer = sqlite3.connect(tmp_path / "live.db", isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM tool_capability")
        result = backup_catalog(live.engine, tmp_path / "copy.db")
        writer.execute("ROLLBACK")
        writer.close()
        assert result.kind == "sqlite"
        copy = sqlite3.connect(tmp_path / "copy.db")
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        copy.close()
        assert not (tmp_path / "copy.db-wal").exists()
        restored = _empty(reference, f"sqlite:///{tmp_path / 'restored.db'}")
        try:
            restore_catalog(restored.engine, tmp_path / "copy.db")
            assert dumped(restored, tmp_path / "restored") == expected
        finally:
            restored.close()
    finally:
        live.close()


def test_a_backup_restores_over_a_different_catalog_on_every_backend(
    filled: Inventory, tmp_path: Path, reference: Reference
) -> None:
    expected = dumped(filled, tmp_path / "expected")
    result = backup_catalog(filled.engine, tmp_path / "backup")
    if filled.engine.dialect.name == "postgresql":
        assert result.kind == "archive"
        assert zipfile.ZipFile(tmp_path / "backup").testzip() is None
    other = _empty(reference, f"sqlite:///{tmp_path / 'other.db'}")
    try:
        other.add_tool(ToolFields(name="Will be replaced"))
        restore_catalog(other.engine, tmp_path / "backup")
        assert dumped(other, tmp_path / "other") == expected
    finally:
        other.close()
    # And back into the original backend, over what it holds now.
    filled.add_tool(ToolFields(name="Added after the backup"))
    restore_catalog(filled.engine, tmp_path / "backup")
    assert dumped(filled, tmp_path / "again") == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some text\n", "not a stackmap backup"),
        (b"PK\x03\x04 truncated", "damaged archive"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "not a usable SQLite database"),
    ],
)
def test_restoring_what_is_not_a_backup_changes_nothing(
    filled: Inventory, tmp_path: Path, content: bytes, message: str
) -> None:
    before = dumped(filled, tmp_path / "before")
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)
    with pytest.raises(InvalidValueError, match=message):
        restore_catalog(filled.engine, bad)
    assert dumped(filled, tmp_path / "after") == before


def test_a_sqlite_database_that_is_not_a_catalog_is_refused(
    inventory: Inventory, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    with pytest.raises(InvalidValueError, match="not a stackmap catalog"):
        restore_catalog(inventory.engine, tmp_path / "other.db")


def test_the_cli_backs_up_asks_before_restoring_and_keeps_the_replaced_catalog(
    tmp_path: Path, reference: Reference
) -> None:
    live = tmp_path / "live.db"
    inventory = _empty(reference, f"sqlite:///{live}")
    arrange_everything(inventory)
    expected = dumped(inventory, tmp_path / "expected")
    inventory.close()
    args = ["--db", str(live)]
    result = runner.invoke(app, [*args, "backup", str(tmp_path / "b.db")])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    result = runner.invoke(app, [*args, "tool", "add", "Extra tool"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*args, "restore", str(tmp_path / "b.db")], input="n\n")
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    # The question says what would be replaced by what.
    tools_then = expected["tools.yaml"].count(b"\n")
    assert f"({tools_then + 1:,} tools," in result.output  # the catalog, with the extra tool
    assert f"b.db ({tools_then:,} tools," in result.output.replace("\n", "")
    result = runner.invoke(app, [*args, "restore", str(tmp_path / "b.db")], input="y\n")
    assert result.exit_code == 0, result.output
    kept = list(tmp_path.glob("live.before-restore-*.db"))
    assert len(kept) == 1
    inventory = _empty(reference, f"sqlite:///{live}")
    try:
        assert dumped(inventory, tmp_path / "after") == expected
    finally:
        inventory.close()
    # The kept copy is the catalog as it was just before, extra tool included.
    before = _empty(reference, f"sqlite:///{tmp_path / 'before.db'}")
    try:
        restore_catalog(before.engine, kept[0])
        assert before.tool("Extra tool").summary.name == "Extra tool"
    finally:
        before.close()


def test_the_cli_dumps_and_loads(tmp_path: Path, reference: Reference) -> None:
    inventory = _empty(reference, f"sqlite:///{tmp_path / 'a.db'}")
    arrange_everything(inventory)
    inventory.close()
    result = runner.invoke(app, ["--db", str(tmp_path / "a.db"), "dump", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "tools" in result.output
    result = runner.invoke(app, ["--db", str(tmp_path / "b.db"), "load", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--db", str(tmp_path / "b.db"), "load", str(tmp_path / "d")])
    assert result.exit_code == 65
    assert result.output.count("\n") == 1


def test_the_dump_files_are_yaml_that_means_what_the_fast_reader_reads(
    filled: Inventory, tmp_path: Path
) -> None:
    import yaml

    from stackmap.dump import parse_rows

    dump_catalog(filled.engine, tmp_path / "d")
    for part in PARTS:
        data = (tmp_path / "d" / part.file).read_bytes()
        assert yaml.safe_load(data) == parse_rows(part.file, data), part.file
    notes = (tmp_path / "d" / "tools.yaml").read_text(encoding="utf-8")
    assert "\\u2028" in notes  # a YAML line break inside text is escaped, not written raw


def test_a_dump_edited_by_hand_as_block_yaml_still_loads(
    inventory: Inventory, tmp_path: Path, reference: Reference
) -> None:
    import yaml

    from stackmap.dump import parse_rows

    arrange_everything(inventory)
    source = tmp_path / "d"
    dump_catalog(inventory.engine, source)
    expected = files(source)
    vendors = source / "vendors.yaml"
    records = parse_rows("vendors.yaml", vendors.read_bytes())
    vendors.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False))
    _loads_back_the_same(reference, tmp_path, source, expected)


@pytest.mark.parametrize("edited", ["tools.yaml", "integrations.yaml"])
def test_a_file_edited_by_hand_after_some_batches_are_in_loads_whole(
    inventory: Inventory,
    tmp_path: Path,
    reference: Reference,
    monkeypatch: pytest.MonkeyPatch,
    edited: str,
) -> None:
    # Load streams a file a batch at a time; a record further down written as block YAML is
    # found only once earlier batches are inserted. Those rows are taken back out and the
    # file read whole: nothing twice, nothing lost (tools: their decisions still merged).
    import yaml

    from stackmap import load
    from stackmap.dump import parse_rows

    monkeypatch.setattr(load, "_LOAD_BATCH", 2)
    arrange_everything(inventory)
    source = tmp_path / "d"
    dump_catalog(inventory.engine, source)
    expected = files(source)
    path = source / edited
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    last = parse_rows(edited, lines[-1].encode())
    path.write_text("".join(lines[:-1]) + yaml.safe_dump(last, sort_keys=False))
    assert len(lines) > 4 and not path.read_text().splitlines()[-1].startswith("- {")
    _loads_back_the_same(reference, tmp_path, source, expected)


def test_a_bad_record_in_a_later_batch_is_named_by_its_place_in_the_file(
    inventory: Inventory, tmp_path: Path, reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stackmap import load

    monkeypatch.setattr(load, "_LOAD_BATCH", 4)
    arrange_everything(inventory)
    source = tmp_path / "d"
    dump_catalog(inventory.engine, source)
    path = source / "contracts.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[9] = lines[9].replace('"currency":', '"currency":["x"],"was":', 1)
    path.write_text("".join(lines), encoding="utf-8")
    target = _empty(reference, f"sqlite:///{tmp_path / 't.db'}")
    try:
        with pytest.raises(InvalidValueError, match=r"contracts.yaml: record 10[,:]"):
            load_catalog(target.engine, source)
        assert sum(target.counts().values()) == 0
    finally:
        target.close()


@pytest.mark.slow
def test_dump_and_load_stream_holding_a_batch_not_the_catalog(
    tmp_path: Path, reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A dump of a large catalog must not hold every row at once: its peak Python memory stays
    # well under the size of what it writes (a whole-catalog read holds several times that).
    import tracemalloc

    from benchmarks.generate import synthetic_stack, write_workbook

    inventory = Inventory.open(str(tmp_path / "big.db"), actor="tester")
    workbook = write_workbook(tmp_path / "big.xlsx", synthetic_stack(3000, 15000))
    inventory.apply_import(inventory.plan_import(workbook))
    tracemalloc.start()
    dump_catalog(inventory.engine, tmp_path / "dump")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    inventory.close()
    written = sum(p.stat().st_size for p in (tmp_path / "dump").iterdir())
    assert written > 5_000_000  # big enough for the batches to matter
    assert peak < written / 2, (peak, written)
    # And load reads it back a batch at a time too (a whole-dump read holds several times it);
    # batches small beside this catalog, so that what is measured is what a batch holds.
    from stackmap import load

    monkeypatch.setattr(load, "_LOAD_BATCH", 200)
    target = _empty(reference, f"sqlite:///{tmp_path / 'loaded.db'}")
    try:
        assert sum(target.counts().values()) == 0  # connected: the driver's set-up not counted
        tracemalloc.start()
        load_catalog(target.engine, tmp_path / "dump")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        target.close()
    assert peak < written / 4, (peak, written)
