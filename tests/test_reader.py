"""The read-only way in (stackmap.reader): an up-to-date embedded catalog read through sqlite3
alone gives exactly what the Inventory gives through SQLAlchemy, on SQLite and PostgreSQL;
anything it cannot read as it is goes to the Inventory, which creates, migrates or reports it.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from catalogs import arrange_everything, arrange_overlap
from openpyxl import load_workbook
from sqlmodel import SQLModel
from typer.testing import CliRunner

from stackmap import db, rows
from stackmap.cli import app
from stackmap.errors import DatabaseBusyError, DatabaseUnavailableError, NotFoundError
from stackmap.inventory import Inventory
from stackmap.outcomes import about_json
from stackmap.publish import export_workbook
from stackmap.reader import Reader, open_for_reading
from stackmap.reference import Reference, load_reference
from stackmap.review import plan_decisions
from stackmap.schemas import ContractFields, IntegrationFields, ToolFields

TODAY = date(2026, 12, 1)


def _arrange_odd_terms(inventory: Inventory) -> None:
    """Terms whose stored form differs between the drivers: cents, a float-looking price, an
    explicit false, dates, seats, pricing; and a name full of LIKE's wildcards."""
    inventory.add_tool(
        ToolFields(name="Ten_Percent%Tool", status="sunsetting", business_units=["EMEA", "NA"]),
        ContractFields(
            annual_cost=Decimal("0.10"),
            currency="GBP",
            renewal_date=date(2027, 1, 31),
            notice_days=30,
            auto_renew=False,
            seats_purchased=3,
            seats_active=1,
            pricing_model="per_seat",
        ),
    )
    inventory.add_tool(
        ToolFields(name="Ten-Percent Tool"),
        ContractFields(
            amount=Decimal("1999.99"),
            currency="USD",
            billing_period="monthly",
            start_date=date(2026, 3, 1),
            auto_renew=True,
        ),
    )
    inventory.add_integration(
        IntegrationFields(
            source="Ten_Percent%Tool",
            target="Ten-Percent Tool",
            method="file",
            data_objects=["contacts", "leads"],
        )
    )


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An embedded catalog file with a row in every table the facts read."""
    path = tmp_path_factory.mktemp("reader") / "catalog.db"
    inventory = Inventory(db.open_database(f"sqlite:///{path}"), load_reference(), "tester")
    try:
        arrange_everything(inventory)
        _arrange_odd_terms(inventory)
    finally:
        inventory.close()
    yield path


def _reader(path: Path) -> Reader:
    reader = Reader.open(f"sqlite:///{path}")
    assert reader is not None, "an up-to-date embedded catalog opens without SQLAlchemy"
    return reader


def _facts(stack: Any) -> tuple[Any, ...]:
    return (stack.tools, stack.links, stack.untied)


def test_every_column_read_is_a_column_of_the_models() -> None:
    # The read path names columns in SQL text: a renamed or dropped column must fail here,
    # not in front of a user.
    tables = SQLModel.metadata.tables
    for table, columns in rows.READ.items():
        assert table in tables, table
        assert set(columns) <= set(tables[table].c.keys()), (table, columns)


def test_the_reader_reads_what_the_inventory_reads(catalog: Path, reference: Reference) -> None:
    inventory = Inventory.open(f"sqlite:///{catalog}")
    reader = _reader(catalog)
    try:
        expected = inventory.stack(TODAY, ("active", "sunsetting"))
        got = reader.stack(TODAY, ("active", "sunsetting"))
        assert _facts(got) == _facts(expected)
        # Decimal's == ignores the exponent; the money must come out as SQLAlchemy's, two
        # places (48000.00), because that is what every view shows.
        assert repr(_facts(got)) == repr(_facts(expected))
        assert len(got.tools) > 20 and got.links and got.untied
        assert any(t.invoiced for t in got.tools)
        contracts = [c for t in got.tools for c in t.contracts]
        assert {c.auto_renew for c in contracts} >= {True, False, None}
        assert Decimal("0.10") in {c.annual_cost for c in contracts}
        for options in (
            {},
            {"status": ["sunsetting"]},
            {"status": ["active", "evaluating"]},
            {"search": "ten_percent%"},  # wildcards are literal: one tool, not two
            {"search": "  TEN "},
            {"limit": 5},
            {"limit": 5, "offset": 3},
            {"offset": 7},
        ):
            listed = reader.tools(today=TODAY, **options)
            assert listed == inventory.tools(today=TODAY, **options), options
        assert [t.name for t in reader.tools(search="ten_percent%")] == ["Ten_Percent%Tool"]
        # What `tool show`, `tool integrations` and `history` show.
        for tool in inventory.tools():
            assert reader.tool(tool.name, today=TODAY) == inventory.tool(tool.name, today=TODAY)
        assert reader.tool("Gong", today=TODAY).summary.name == "Gong.io"  # a library alias
        assert reader.integrations() == inventory.integrations()
        assert reader.integrations("Salesforce") == inventory.integrations("Salesforce")
        assert reader.history(limit=500) == inventory.history(limit=500)
        with pytest.raises(NotFoundError):
            reader.tool("No Such Tool")
        # What `stackmap info` shows.
        assert about_json(reader) == about_json(inventory)
        assert reader.schema_revision() == db.head_revision()
        assert reader.counts()["tools"] == len(got.tools) and reader.counts()["changes"] > 0
        assert reader.tools(today=TODAY) and reader.tools(offset=7)
    finally:
        reader.close()
        inventory.close()


def test_postgresql_gives_the_same_facts(
    catalog: Path, postgres_schema_url: str, reference: Reference
) -> None:
    # The same catalog arranged on PostgreSQL, read through psycopg: money comes as Decimal,
    # dates as dates and JSON as lists there, and must come out as the SQLite file's do.
    shared = Inventory(db.open_database(postgres_schema_url), reference, "tester")
    reader = _reader(catalog)
    try:
        arrange_everything(shared)
        _arrange_odd_terms(shared)
        assert _comparable(shared.stack(TODAY)) == _comparable(reader.stack(TODAY))
        assert shared.counts() == reader.counts()
        assert shared.schema_revision() == reader.schema_revision()
        assert [_listed(t) for t in shared.tools(today=TODAY)] == [
            _listed(t) for t in reader.tools(today=TODAY)
        ]
    finally:
        reader.close()
        shared.close()


def _comparable(stack: Any) -> tuple[Any, ...]:
    """The facts without row ids (each database numbers its own rows)."""
    name = {t.id: t.name for t in stack.tools}

    def plain(value: Any) -> Any:
        data = dataclasses.asdict(value)
        data.pop("id", None)
        for contract in data.get("contracts", ()):
            contract.pop("id")
        return data

    links = sorted(
        (name[link.source], name[link.target], link.method, link.data_objects, link.owner)
        for link in stack.links
    )
    return ([plain(t) for t in stack.tools], links, [plain(u) for u in stack.untied])


def _listed(summary: Any) -> dict[str, Any]:
    # A listed tool carries no database id (the two catalogs number their tools apart).
    return dataclasses.asdict(summary)


def test_one_read_sees_one_state_of_the_catalog(
    catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process commits a new tool after the reader has read its first table: the
    # snapshot must not show it (the tool list and the links read later would disagree).
    copy = tmp_path / "catalog.db"
    shutil.copy(catalog, copy)
    reader = _reader(copy)
    writer = sqlite3.connect(copy, isolation_level=None)
    calls = 0
    original = rows.Rows.__call__

    def read_then_write(self: rows.Rows, sql: str, params: Any = ()) -> list[Any]:
        nonlocal calls
        found = original(self, sql, params)
        calls += 1
        if calls == 1:
            writer.execute(
                "INSERT INTO tool (name, key, status, business_units, journey_stages, tags, "
                "extra, created_at, updated_at) VALUES ('Latecomer', 'latecomer', 'active', "
                "'[]', '[]', '[]', '{}', '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
            )
        return found

    try:
        before = len(reader.stack(TODAY).tools)
        monkeypatch.setattr(rows.Rows, "__call__", read_then_write)
        during = reader.stack(TODAY)
        monkeypatch.undo()
        assert len(during.tools) == before
        assert "Latecomer" not in {t.name for t in during.tools}
        assert "Latecomer" in {t.name for t in reader.stack(TODAY).tools}  # the next read
    finally:
        writer.close()
        reader.close()


def test_reading_changes_nothing(catalog: Path, tmp_path: Path) -> None:
    copy = tmp_path / "catalog.db"
    shutil.copy(catalog, copy)
    before = copy.read_bytes()
    reader = _reader(copy)
    try:
        reader.stack(TODAY)
        reader.tools(today=TODAY)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader._connection.execute("DELETE FROM tool")
    finally:
        reader.close()
    assert copy.read_bytes() == before


def test_what_the_reader_cannot_read_goes_to_the_inventory(tmp_path: Path) -> None:
    missing = tmp_path / "new" / "catalog.db"
    assert Reader.open(f"sqlite:///{missing}") is None
    assert Reader.open("sqlite://") is None
    assert Reader.open(f"sqlite:///{tmp_path / 'x.db'}?mode=ro") is None
    assert Reader.open("postgresql+psycopg://nobody@127.0.0.1:9/none") is None
    # A catalog that needs migrating: the Inventory brings it up to date, then it reads.
    old = tmp_path / "old.db"
    engine = db.make_engine(f"sqlite:///{old}")
    db.upgrade(engine, "0002")
    engine.dispose()
    assert Reader.open(f"sqlite:///{old}") is None
    catalog = open_for_reading(str(old))
    try:
        assert isinstance(catalog, Inventory)
        assert catalog.tools() == []
    finally:
        catalog.close()
    reopened = open_for_reading(str(old))
    reopened.close()
    assert isinstance(reopened, Reader)
    # A new catalog is created where the reader found none.
    created = open_for_reading(str(missing))
    try:
        assert isinstance(created, Inventory) and missing.is_file()
    finally:
        created.close()


@pytest.mark.parametrize("command", [["tools"], ["analyze", "--json"]])
def test_a_file_that_is_not_a_catalog_gets_one_line_and_stays_as_it_was(
    tmp_path: Path, command: list[str]
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database, " * 100)
    before = junk.read_bytes()
    assert Reader.open(f"sqlite:///{junk}") is None
    result = CliRunner().invoke(app, ["--db", str(junk), *command])
    assert result.exit_code == DatabaseUnavailableError.exit_code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "file is not a database" in lines[0], result.stderr
    assert junk.read_bytes() == before


def test_a_catalog_locked_by_a_writer_is_reported_as_busy(
    catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In WAL mode (every catalog stackmap writes) a reader never waits for a writer; in the
    # rollback-journal mode an older tool may leave a file in, an exclusive writer blocks it.
    copy = tmp_path / "catalog.db"
    shutil.copy(catalog, copy)
    holder = sqlite3.connect(copy, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    monkeypatch.setenv(db.ENV_BUSY, "0.1")
    reader = _reader(copy)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseBusyError):
            reader.tools()
    finally:
        holder.close()
        reader.close()


def test_a_read_command_on_an_embedded_catalog_never_loads_sqlalchemy(
    catalog: Path, tmp_path: Path
) -> None:
    # What the reader is for: checked in a fresh process, as the user runs it.
    code = (
        "import sys\n"
        "from stackmap.cli import app\n"
        "for args in (['tools', '--json'], ['analyze', '--json'], "
        "['whatif', '--retire', 'Salesforce', '--json'], ['info', '--json'], "
        "['tool', 'show', 'Salesforce', '--json'], ['history'], "
        "['integrations', '--tool', 'Salesforce', '--json'], "
        f"['dump', {str(tmp_path / 'dump')!r}]):\n"
        f"    app(['--db', {str(catalog)!r}, *args], standalone_mode=False)\n"
        "print('LOADED', 'sqlalchemy' in sys.modules, 'sqlmodel' in sys.modules, "
        "file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED False False" in result.stderr
    assert '"name"' in result.stdout


def test_a_listing_in_json_loads_neither_rich_nor_pydantic(catalog: Path) -> None:
    # A third of a JSON listing's start-up was libraries it never used: Rich (the consoles are
    # made on first print) and pydantic (which Typer 0.29 builds a validator with for every
    # option; pyproject keeps Typer below it). Checked as the user runs it, in a fresh process.
    code = (
        "import sys\n"
        "from stackmap.cli import app\n"
        f"app(['--db', {str(catalog)!r}, 'tools', '--json'], standalone_mode=False)\n"
        "print('LOADED', *(m for m in ('rich', 'pydantic', 'sqlalchemy') if m in sys.modules), "
        "file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert '"name"' in result.stdout, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == "LOADED"


def test_a_workbook_made_through_the_reader_takes_its_decisions_back(tmp_path: Path) -> None:
    # The workbook's catalog identifier hashes the catalog's URL as the Inventory renders it
    # (escaped): a path with spaces, an accent, "@" and ":" must give the same identifier
    # through the reader, or the decisions would be refused as from another catalog.
    folder = tmp_path / "Équipe marketing @ HQ: 2026"
    folder.mkdir()
    path = folder / "catalog.db"
    inventory = Inventory.open(str(path))
    try:
        arrange_overlap(inventory)
    finally:
        inventory.close()
    reader = open_for_reading(str(path))
    assert isinstance(reader, Reader)
    workbook = tmp_path / "review.xlsx"
    try:
        source = export_workbook(reader, workbook, today=TODAY)
        _, versions, catalog_id = reader.stamped_stack(TODAY)
    finally:
        reader.close()
    inventory = Inventory.open(str(path))
    try:
        assert inventory.stamps() == (versions, catalog_id) == (source.versions, catalog_id)
        assert source.catalog_id == catalog_id and len(versions) == 3
        _, *stamped = inventory.stamped_stack(TODAY)
        assert tuple(stamped) == (versions, catalog_id)
        book = load_workbook(workbook)
        sheet = book["Inventory"]
        head = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "Marketo Engage":
                row[head.index("Decision")].value = "Eliminate"
        book.save(workbook)
        plan = plan_decisions(inventory, workbook)
        assert plan.skipped == []
        assert [(c.tool, c.new["disposition"]) for c in plan.changes] == [
            ("Marketo Engage", "eliminate")
        ]
    finally:
        inventory.close()


def test_a_postgresql_read_sees_one_state_of_the_catalog(
    postgres_schema_url: str, reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A shared catalog: another member's import commits between the reader's first query and
    # the rest. Read committed would show its tools to the later queries only.
    shared = Inventory(db.open_database(postgres_schema_url), reference, "tester")
    other = Inventory(db.open_database(postgres_schema_url), reference, "colleague")
    calls = 0
    original = rows.Rows.__call__

    def read_then_write(self: rows.Rows, sql: str, params: Any = ()) -> list[Any]:
        nonlocal calls
        found = original(self, sql, params)
        calls += 1
        if calls == 1:
            other.add_tool(ToolFields(name="Latecomer"))
        return found

    try:
        arrange_overlap(shared)
        monkeypatch.setattr(rows.Rows, "__call__", read_then_write)
        during = shared.stack(TODAY)
        monkeypatch.undo()
        assert calls > 1
        assert "Latecomer" not in {t.name for t in during.tools}
        assert "Latecomer" in {t.name for t in shared.stack(TODAY).tools}
    finally:
        other.close()
        shared.close()


def test_json_lists_are_decoded_once_per_text_and_kept_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded: list[Any] = []
    real = orjson.loads

    def counted(text: str) -> Any:
        decoded.append(text)
        return real(text)

    monkeypatch.setattr(orjson, "loads", counted)
    lists = rows.JsonLists()
    first = lists.of('["contacts", "leads"]')
    assert first == ("contacts", "leads")
    assert lists.of('["contacts", "leads"]') is first  # SQLite's text: decoded once
    assert lists.of('["contacts","leads"]') is first  # other text, the same list: kept once
    assert lists.of(["contacts", "leads"]) is first  # PostgreSQL's list
    assert len(decoded) == 2
    assert lists.of(None) == () and lists.of("[]") == () and lists.of("null") == ()
    odd = lists.of('[{"a": 1}]')  # unhashable items: kept as they are
    assert odd == ({"a": 1},)


def test_driver_money_is_converted_once_per_price_and_exactly_as_sqlalchemy_does() -> None:
    from decimal import Decimal

    first = rows.money(1234.5)
    assert str(first) == "1234.50"
    assert rows.money(1234.5) is first  # a repeated price: converted once, shared
    assert str(rows.money(48000)) == "48000.00" and str(rows.money(48000.0)) == "48000.00"
    assert str(rows.money(-0.0)) == "-0.00" and str(rows.money(0)) == "0.00"
    assert str(rows.money(-0.0)) == "-0.00"  # not the 0 seen before it
    assert rows.money(None) is None and rows.money(Decimal("7.10")) == Decimal("7.10")


def _typed_and_driver_values(url: str) -> tuple[int, list[str]]:
    """Every money, date, timestamp, boolean and JSON value of the catalog at url, read by
    SQLAlchemy (with the models' types) and read through the driver then converted by
    stackmap.rows; returns how many were compared and the ones that differ."""
    import sqlalchemy as sa
    from sqlmodel.sql.sqltypes import UTCDateTime

    def converter(kind: Any) -> Any:
        if isinstance(kind, sa.Numeric):
            return rows.money
        if isinstance(kind, UTCDateTime | sa.DateTime):
            return rows.moment
        if isinstance(kind, sa.Date):
            return rows.day
        if isinstance(kind, sa.Boolean):
            return rows.flag
        if isinstance(kind, sa.JSON):
            return json
        return None

    def json(raw: Any, typed: Any) -> Any:
        # A list column is read as a tuple (rows.json_list), an object one as a dict.
        return rows.json_dict(raw) if isinstance(typed, dict) else list(rows.json_list(raw))

    engine = db.make_engine(url)
    compared, differ = 0, []
    try:
        with engine.connect() as conn:
            dbapi = rows.Rows(conn.connection, sqlite=engine.dialect.name == "sqlite")
            for table in SQLModel.metadata.sorted_tables:
                for column in table.c:
                    convert = converter(column.type)
                    if convert is None or "id" not in table.c:
                        continue
                    typed = dict(conn.execute(sa.select(table.c.id, column)).all())
                    raw = dict(dbapi(f'SELECT "id", "{column.name}" FROM "{table.name}"'))
                    for key, value in typed.items():
                        compared += 1
                        mine = convert(raw[key], value) if convert is json else convert(raw[key])
                        if repr(mine) != repr(value):
                            differ.append(f"{table.name}.{column.name}: {mine!r} != {value!r}")
    finally:
        engine.dispose()
    return compared, differ


def test_every_value_read_through_the_driver_is_what_sqlalchemy_reads(catalog: Path) -> None:
    # Both ways in share stackmap.rows, so they cannot check its conversions against each
    # other: SQLAlchemy's own reading, with the models' column types, is the reference.
    compared, differ = _typed_and_driver_values(f"sqlite:///{catalog}")
    assert compared > 1000
    assert differ == []


def test_every_value_read_through_psycopg_is_what_sqlalchemy_reads(
    postgres_schema_url: str, reference: Reference
) -> None:
    shared = Inventory(db.open_database(postgres_schema_url), reference, "tester")
    try:
        arrange_everything(shared)
        _arrange_odd_terms(shared)
    finally:
        shared.close()
    compared, differ = _typed_and_driver_values(postgres_schema_url)
    assert compared > 1000
    assert differ == []
