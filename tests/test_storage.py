"""The catalog stores, links, protects and traces data the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from stackmap import db
from stackmap.domain import ChangeAction
from stackmap.errors import (
    DatabaseUnavailableError,
    DuplicateError,
    InvalidValueError,
    NotFoundError,
)
from stackmap.inventory import Inventory
from stackmap.models import Change, Contract, ImportBatch, Integration, Tool, ToolCapability
from stackmap.reference import Reference
from stackmap.schemas import ContractFields, IntegrationFields, ToolFields, ToolRecord
from stackmap.store import Writer
from stackmap.store.behind import writes_behind
from stackmap.store.integrations import IntegrationWrites


def _dump(inventory: Inventory) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every row of every table, in a stable order, for before/after comparisons."""
    tables = []
    with inventory.engine.connect() as conn:
        metadata = sa.MetaData()
        metadata.reflect(conn)
        for name in sorted(metadata.tables):
            if name == "alembic_version":
                continue
            table = metadata.tables[name]
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            tables.append((name, [tuple(r) for r in rows]))
    return tables


def _stack(inventory: Inventory) -> None:
    inventory.add_tool(
        ToolFields(name="HubSpot Marketing Hub", business_owner="Alicia Gomez"),
        ContractFields(amount=Decimal("3600"), billing_period="monthly", currency="USD"),
    )
    inventory.add_tool(ToolFields(name="Salesforce Sales Cloud"))
    inventory.add_integration(
        IntegrationFields(
            source="HubSpot Marketing Hub", target="Salesforce Sales Cloud", method="native"
        )
    )


def test_a_tool_with_contract_capabilities_and_integration_round_trips(
    backend_inventory: Inventory,
) -> None:
    _stack(backend_inventory)
    detail = backend_inventory.tool("hubspot marketing hub")
    assert detail.summary.vendor == "HubSpot"
    assert detail.summary.owner == "Alicia Gomez"
    assert detail.summary.annual_cost == Decimal("43200.00")
    assert detail.contracts[0].amount == Decimal("3600.00")
    assert "email-marketing" in detail.summary.capabilities
    assert [(i.source, i.target) for i in detail.integrations] == [
        ("HubSpot Marketing Hub", "Salesforce Sales Cloud")
    ]
    assert backend_inventory.counts()["integrations"] == 1


def test_foreign_keys_are_enforced(backend_inventory: Inventory) -> None:
    with Session(backend_inventory.engine) as session:
        session.add(Contract(tool_id=987654))
        with pytest.raises(IntegrityError):
            session.commit()


def test_deleting_a_tool_cascades_to_its_contracts_capabilities_and_integrations(
    backend_inventory: Inventory,
) -> None:
    _stack(backend_inventory)
    with Session(backend_inventory.engine) as session:
        session.execute(sa.delete(Tool).where(col(Tool.key) == "hubspot marketing hub"))
        session.commit()
        assert session.exec(select(Contract)).all() == []
        assert session.exec(select(Integration)).all() == []
        remaining = session.exec(select(ToolCapability.capability)).all()
        assert "email-marketing" not in remaining
        # The history outlives the tool.
        assert session.exec(select(Change).where(Change.label == "HubSpot Marketing Hub")).all()


def test_an_integration_from_a_tool_to_itself_is_refused_by_the_database(
    backend_inventory: Inventory,
) -> None:
    _stack(backend_inventory)
    with Session(backend_inventory.engine) as session:
        tool_id = session.exec(select(Tool.id)).first()
        assert tool_id is not None
        session.add(Integration(source_tool_id=tool_id, target_tool_id=tool_id))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_link_whose_two_names_are_one_tool_refuses_the_batch_and_writes_nothing(
    backend_inventory: Inventory,
) -> None:
    # Two spellings of one tool (its name and its key) are still one tool: a link between
    # them goes from the tool to itself, told in one line, and nothing of the batch lands.
    _stack(backend_inventory)
    before = _dump(backend_inventory)
    links = [
        IntegrationFields(source="Salesforce Sales Cloud", target="HubSpot Marketing Hub"),
        IntegrationFields(source="HubSpot Marketing Hub", target="  hubspot   marketing HUB "),
    ]
    with pytest.raises(InvalidValueError, match="'HubSpot Marketing Hub' cannot integrate with"):
        backend_inventory.load([], links, kind="test", file_name="links.csv", sha256="0")
    assert _dump(backend_inventory) == before


def test_every_write_is_recorded_in_the_history_with_who_and_what(
    backend_inventory: Inventory,
) -> None:
    _stack(backend_inventory)
    backend_inventory.edit_tool("Salesforce Sales Cloud", {"status": "sunsetting"})
    latest = backend_inventory.history(limit=1)[0]
    assert (latest.actor, latest.entity, latest.label, latest.action) == (
        "tester",
        "tool",
        "Salesforce Sales Cloud",
        "update",
    )
    assert latest.changes == {"status": ["active", "sunsetting"]}
    created = next(
        c
        for c in backend_inventory.history(limit=100)
        if c.label == "HubSpot Marketing Hub" and c.action == "create"
    )
    assert created.changes["contract.annual_cost"] == [None, 43200.0]  # the first contract
    backend_inventory.edit_tool("HubSpot Marketing Hub", {}, {"seats_active": 12})
    entities = {c.entity for c in backend_inventory.history(limit=100)}
    assert entities == {"vendor", "owner", "tool", "contract", "integration"}


def test_loading_the_same_records_twice_changes_nothing_the_second_time(
    backend_inventory: Inventory,
) -> None:
    records = [
        ToolRecord(
            ToolFields(
                name=f"Tool {i}",
                vendor=f"Vendor {i % 7}",
                capabilities=["crm"],
                # The JSON columns, read back and compared with what is given again.
                business_units=["Sales", "Marketing"][: i % 3],
                tags=[f"tag {i % 4}"],
                journey_stages=["awareness"] if i % 2 else [],
                extra={"Region": "EMEA", "Seats note": i} if i % 5 else {},
            ),
            ContractFields(annual_cost=Decimal(1000 + i), currency="EUR"),
        )
        for i in range(1200)  # more than one chunk of bound parameters
    ]
    links = [
        IntegrationFields(
            source=f"Tool {i}", target=f"Tool {i + 1}", data_objects=["contacts", "leads"][: i % 3]
        )
        for i in range(0, 1199, 2)
    ]
    first = backend_inventory.load(records, links, kind="tools", file_name="a.csv", sha256="0" * 64)
    assert first.counts()["tools_created"] == 1200
    before = _dump(backend_inventory)
    second = backend_inventory.load(
        records, links, kind="tools", file_name="a.csv", sha256="0" * 64
    )
    assert second.counts()["tools_unchanged"] == 1200
    assert {o.action for o in second.integrations} == {"unchanged"}
    after = _dump(backend_inventory)
    # Only the second batch row is new.
    assert [t for t in after if t[0] != "import_batch"] == [
        t for t in before if t[0] != "import_batch"
    ]
    with Session(backend_inventory.engine) as session:
        batches = session.exec(select(ImportBatch).order_by(col(ImportBatch.id))).all()
        assert [b.counts["tools_created"] for b in batches] == [1200, 0]


def test_a_load_that_fails_half_way_leaves_the_catalog_exactly_as_it_was(
    backend_inventory: Inventory,
) -> None:
    _stack(backend_inventory)
    before = _dump(backend_inventory)
    good = [ToolRecord(ToolFields(name=f"New {i}")) for i in range(50)]
    bad_link = IntegrationFields(source="New 1", target="No Such Tool")
    with pytest.raises(NotFoundError):
        backend_inventory.load(good, [bad_link], kind="tools", file_name="x.csv", sha256="1" * 64)
    assert _dump(backend_inventory) == before


def test_a_dry_run_reports_the_diff_and_writes_nothing(backend_inventory: Inventory) -> None:
    _stack(backend_inventory)
    before = _dump(backend_inventory)
    result = backend_inventory.load(
        [
            ToolRecord(ToolFields(name="Salesforce Sales Cloud", status="sunsetting")),
            ToolRecord(ToolFields(name="Brand New Tool")),
        ],
        kind="tools",
        file_name="x.csv",
        sha256="2" * 64,
        dry_run=True,
    )
    assert [(o.label, o.action) for o in result.tools] == [
        ("Salesforce Sales Cloud", "updated"),
        ("Brand New Tool", "created"),
    ]
    assert result.tools[0].changes == {"status": ["active", "sunsetting"]}
    assert result.batch_id is None
    assert _dump(backend_inventory) == before


def test_the_same_tool_twice_in_one_load_is_merged(backend_inventory: Inventory) -> None:
    result = backend_inventory.load(
        [
            ToolRecord(ToolFields(name="Asana", tags=["pm"])),
            ToolRecord(ToolFields(name="asana", notes="second row")),
        ],
        kind="tools",
        file_name="x.csv",
        sha256="3" * 64,
    )
    assert backend_inventory.counts()["tools"] == 1
    detail = backend_inventory.tool("Asana")
    assert (detail.tags, detail.notes) == (("pm",), "second row")
    assert [o.action for o in result.tools] == ["created", "created"]


def test_a_renamed_product_in_a_second_file_updates_the_same_tool(
    backend_inventory: Inventory,
) -> None:
    backend_inventory.load(
        [ToolRecord(ToolFields(name="Pardot"))], kind="tools", file_name="a.csv", sha256="4" * 64
    )
    result = backend_inventory.load(
        [ToolRecord(ToolFields(name="Marketing Cloud Account Engagement", notes="renamed"))],
        kind="tools",
        file_name="b.csv",
        sha256="5" * 64,
    )
    assert backend_inventory.counts()["tools"] == 1
    assert result.tools[0].label == "Pardot"
    assert backend_inventory.tool("MCAE").notes == "renamed"


def test_unknown_reference_values_are_refused_with_a_pointer(backend_inventory: Inventory) -> None:
    with pytest.raises(InvalidValueError, match="unknown capability 'telepathy'"):
        backend_inventory.add_tool(ToolFields(name="X", capabilities=["telepathy"]))
    with pytest.raises(InvalidValueError, match="unknown category"):
        backend_inventory.add_tool(ToolFields(name="X", category="nonsense"))
    assert backend_inventory.counts()["tools"] == 0


def test_display_names_are_accepted_for_category_and_capabilities(
    backend_inventory: Inventory,
) -> None:
    detail = backend_inventory.add_tool(
        ToolFields(name="Homegrown CRM", category="CRM", capabilities=["Lead management"])
    )
    assert detail.summary.category == "crm"
    assert detail.summary.capabilities == ("lead-management",)


def test_adding_an_existing_tool_is_a_duplicate(backend_inventory: Inventory) -> None:
    _stack(backend_inventory)
    with pytest.raises(DuplicateError):
        backend_inventory.add_tool(ToolFields(name="salesforce  SALES cloud"))
    with pytest.raises(DuplicateError, match="is Salesforce Sales Cloud, already in the catalog"):
        backend_inventory.add_tool(ToolFields(name="SFDC"))


def test_unicode_and_markup_like_names_are_stored_as_given(backend_inventory: Inventory) -> None:
    for name in ("Café Analytics ☕", "[red]X[/red]", "Tool [/x]", "<svg onload=alert(1)>"):
        backend_inventory.add_tool(ToolFields(name=name))
        assert backend_inventory.tool(name).summary.name == name


def test_sqlite_files_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = db.open_database(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS
    engine.dispose()


def test_an_unreachable_server_is_one_clear_error_with_the_password_masked() -> None:
    url = "postgresql+psycopg://ops:s3cret@127.0.0.1:1/nowhere?connect_timeout=2"
    with pytest.raises(DatabaseUnavailableError) as caught:
        db.open_database(url)
    assert "s3cret" not in str(caught.value)
    assert "***" in str(caught.value)


def test_a_database_from_a_newer_stackmap_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    db.open_database(url).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff_future'")
    engine.dispose()
    with pytest.raises(DatabaseUnavailableError, match="newer than this stackmap"):
        db.open_database(url)


def test_the_default_database_lives_in_the_user_data_directory() -> None:
    # conftest points XDG_DATA_HOME at a temporary folder; platformdirs must honour it.
    import os

    data_home = os.environ["XDG_DATA_HOME"]
    assert db.resolve_url(None) == f"sqlite:///{data_home}/stackmap/stackmap.db"
    assert db.resolve_url("some/file.db").endswith("some/file.db")
    assert db.resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_bulk_written_rows_are_stored_exactly_as_the_orm_stores_them(
    inventory: Inventory,
) -> None:
    # The import batch row is written by the ORM, the tool rows by the bulk writer: one format
    # for timestamps and money, so text comparisons and sorting in SQL agree across them.
    _stack(inventory)
    inventory.load(
        [ToolRecord(ToolFields(name="Marketo Engage"), ContractFields(annual_cost=Decimal("5")))],
        kind="tools",
        file_name="x.csv",
        sha256="0" * 64,
    )
    with inventory.engine.connect() as conn:
        batch_at = conn.exec_driver_sql("SELECT created_at FROM import_batch").scalar_one()
        stamps = conn.exec_driver_sql(
            "SELECT created_at FROM tool UNION SELECT at FROM change "
            "UNION SELECT created_at FROM contract"
        ).scalars()
        pattern = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"

        assert re.fullmatch(pattern, batch_at)
        assert all(re.fullmatch(pattern, s) for s in stamps)


def _links_batch() -> tuple[list[ToolRecord], list[IntegrationFields]]:
    tools = [ToolRecord(ToolFields(name=name)) for name in ("Asana", "Canva", "Slack", "Zapier")]
    objects = ["contacts", "leads"]
    links = [
        IntegrationFields(source="Asana", target="Canva", data_objects=objects, notes="first"),
        IntegrationFields(source="Slack", target="Canva", method="native", frequency="daily"),
        # Equal lists of data objects that are not one list; one with none at all.
        IntegrationFields(source="Canva", target="Slack", data_objects=list(objects)),
        IntegrationFields(source="Zapier", target="Asana", method="unknown", owner="Dana Lee"),
        # The same route again: the last one written is the one kept.
        IntegrationFields(source="Asana", target="Canva", status="broken", notes="second"),
        IntegrationFields(source="Zapier", target="Slack", direction="two_way", owner="IT"),
    ]
    return tools, links


def _written(inventory: Inventory) -> list[tuple[str, list[tuple[object, ...]]]]:
    """_dump with the moment of writing left out (each load has its own)."""
    moments = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")
    return [
        (name, [tuple("at" if moments.match(str(v)) else v for v in row) for row in rows])
        for name, rows in _dump(inventory)
    ]


def test_new_links_written_at_once_are_stored_as_the_links_written_one_by_one(
    reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first import creates every link at once; once the catalog has links from the same
    # tools, each is weighed against them one by one. Both must store the same rows and
    # history (the same route twice: the last kept).
    tools, links = _links_batch()
    at_once = Inventory(db.open_database("sqlite://"), reference, actor="tester")
    created = at_once.load(tools, links, kind="spreadsheet", file_name="x", sha256="0" * 64)
    one_by_one = Inventory(db.open_database("sqlite://"), reference, actor="tester")
    # A link no record matches makes the writer take the one-by-one path.
    unrelated = {(-1, -1, "api"): Integration(source_tool_id=-1, target_tool_id=-1)}
    monkeypatch.setattr(
        IntegrationWrites, "_existing_links", lambda self, sources, targets: unrelated
    )
    written = one_by_one.load(tools, links, kind="spreadsheet", file_name="x", sha256="0" * 64)
    assert created.integrations == written.integrations
    assert [o.action for o in created.integrations] == ["created"] * len(links)
    assert _written(at_once) == _written(one_by_one)
    kept = [(i.source, i.target, i.status, i.notes) for i in at_once.integrations()]
    assert ("Asana", "Canva", "broken", "second") in kept
    assert len(kept) == len(links) - 1
    # Each field as given, or its default where none was.
    stored = {
        (i.source, i.target): (i.method, i.direction, i.data_objects, i.frequency, i.owner)
        for i in at_once.integrations()
    }
    assert stored == {
        ("Asana", "Canva"): ("api", "one_way", (), None, None),
        ("Slack", "Canva"): ("native", "one_way", (), "daily", None),
        ("Canva", "Slack"): ("api", "one_way", ("contacts", "leads"), None, None),
        ("Zapier", "Asana"): ("unknown", "one_way", (), None, "Dana Lee"),
        ("Zapier", "Slack"): ("api", "two_way", (), None, "IT"),
    }
    at_once.close()
    one_by_one.close()


def _history_of(writer_work: Callable[[Writer], None], inventory: Inventory) -> list[str]:
    """The labels of the history rows a writer's work leaves, by id."""
    with Session(db.writer(inventory.engine)) as session:
        writer = Writer(session, inventory.reference, "tester")
        with writes_behind(session.connection()):
            writer_work(writer)
            writer.flush_history()
        session.commit()
        return list(session.exec(select(Change.label).order_by(col(Change.id))).all())


def test_history_written_early_keeps_the_order_it_was_recorded_in(
    backend_inventory: Inventory,
) -> None:
    # An import writes its links' history at once (record_created) and records its new
    # tools' history later, in a place held for it: the ids still follow the recording.
    def work(writer: Writer) -> None:
        writer.record("tool", 1, "updated first", ChangeAction.UPDATE, {"notes": ["a", "b"]})
        held = writer.held_history(2)
        writer.record_created("integration", [7, 8, 9], ["7", "8", "9"], [{}, {}, {}])
        writer.record("contract", 5, "recorded after", ChangeAction.CREATE, {})
        with writer.recording_into(held):
            writer.record("tool", 3, "held one", ChangeAction.CREATE, {})
            writer.record("tool", 4, "held two", ChangeAction.CREATE, {})
        writer.record_created("integration", [10], ["10"], [{}])

    assert _history_of(work, backend_inventory) == [
        "updated first",
        "held one",
        "held two",
        "7",
        "8",
        "9",
        "recorded after",
        "10",
    ]


def test_a_held_place_in_the_history_given_the_wrong_number_of_rows_is_refused(
    backend_inventory: Inventory,
) -> None:
    def work(writer: Writer) -> None:
        held = writer.held_history(2)
        writer.record_created("integration", [7], ["7"], [{}])
        with writer.recording_into(held):
            writer.record("tool", 3, "only one", ChangeAction.CREATE, {})

    with pytest.raises(AssertionError, match="held place"):
        _history_of(work, backend_inventory)
