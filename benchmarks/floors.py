"""Raw floors: the same reads and writes a stackmap command does, done as plainly as Python can
(python-calamine, sqlite3, orjson, networkx, openpyxl write-only), run as whole processes:
`python -m benchmarks.floors NAME ARGS…`. What a command costs over its floor is stackmap's
own work: parsing, matching, validation, history, the analysis's judgement, formatting.

Inputs a floor needs that are not the user's file (the rows an import wrote, the cells a
workbook holds) are prepared by `prepare` before the clock runs, and read from a pickle: the
floor then pays that load too, which makes it a little slower, never faster, than the work.
"""

from __future__ import annotations

import pickle
import re
import sqlite3
import sys
from collections.abc import Callable
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import orjson

# As the catalog's own connections are set up (stackmap.db): foreign keys are checked on every
# write there, so a floor writing the same rows checks them too (a lookup of the parent's key
# per reference: about a quarter of writing a 20,000-tool import's rows), and writes each
# table after the tables it refers to.
PRAGMAS = (
    "journal_mode = WAL",
    "synchronous = FULL",
    "cache_size = -65536",
    "foreign_keys = ON",
)


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
        "('alembic_version', 'sqlite_sequence') ORDER BY name"
    )
    return [row[0] for row in rows]


def _parents_first(connection: sqlite3.Connection, tables: list[str]) -> list[str]:
    """The tables in an order where every table comes after those its foreign keys name."""
    parents = {
        name: {row[2] for row in connection.execute(f'PRAGMA foreign_key_list("{name}")')} - {name}
        for name in tables
    }
    return [name for name in TopologicalSorter(parents).static_order() if name in parents]


def prepare_import(catalog: Path, out: Path) -> None:
    """The schema and every row an import wrote (parents first), for the import floor to
    write again."""
    source = sqlite3.connect(catalog)
    schema = [
        row[0]
        for row in source.execute(
            "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%'"
        )
    ]
    rows = {
        name: source.execute(f'SELECT * FROM "{name}"').fetchall()
        for name in _parents_first(source, _tables(source))
    }
    source.close()
    out.write_bytes(pickle.dumps((schema, rows), protocol=pickle.HIGHEST_PROTOCOL))


def import_(workbook: Path, prepared: Path, target: Path) -> None:
    """Read every sheet with python-calamine, then write the same rows the import wrote with
    one executemany per table in one transaction (WAL, synchronous=FULL, as the catalog)."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(workbook))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
    schema, rows = pickle.loads(prepared.read_bytes())
    connection = sqlite3.connect(target, isolation_level=None)
    for pragma in PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    for statement in schema:
        connection.execute(statement)
    connection.execute("BEGIN IMMEDIATE")
    for name, table_rows in rows.items():
        if table_rows:
            marks = ", ".join("?" * len(table_rows[0]))
            connection.executemany(f'INSERT INTO "{name}" VALUES ({marks})', table_rows)
    connection.execute("COMMIT")
    connection.close()


def reimport(workbook: Path, catalog: Path) -> None:
    """Read every sheet with python-calamine, then read back the rows a re-import compares
    the file with: the tools with their vendors, owners, contracts and capabilities, and the
    links."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(workbook))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
    connection = sqlite3.connect(catalog)
    for pragma in PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    for table in ("vendor", "owner", "tool", "contract", "tool_capability", "integration"):
        connection.execute(f'SELECT * FROM "{table}"').fetchall()
    connection.close()


def analyze(catalog: Path) -> None:
    """Read tools, links, capabilities and contracts; build the graph; find its articulation
    points and components; write a JSON summary."""
    import networkx as nx

    connection = sqlite3.connect(catalog)
    tools = connection.execute(
        "SELECT id, name, status, category, vendor_id, business_owner_id FROM tool"
    ).fetchall()
    links = connection.execute(
        "SELECT source_tool_id, target_tool_id, method, status FROM integration"
    ).fetchall()
    capabilities = connection.execute("SELECT tool_id, capability FROM tool_capability").fetchall()
    contracts = connection.execute(
        "SELECT tool_id, annual_cost, currency, renewal_date, notice_days FROM contract"
    ).fetchall()
    graph = nx.Graph()
    graph.add_nodes_from(t[0] for t in tools)
    graph.add_edges_from((s, t) for s, t, _, _ in links)
    cut = sorted(nx.articulation_points(graph))
    parts = [len(c) for c in nx.connected_components(graph)]
    by_capability: dict[str, list[int]] = {}
    for tool_id, capability in capabilities:
        by_capability.setdefault(capability, []).append(tool_id)
    summary = {
        "tools": [{"id": t[0], "name": t[1], "status": t[2]} for t in tools],
        "articulation_points": cut,
        "components": parts,
        "capabilities": by_capability,
        "contracts": [list(c) for c in contracts],
    }
    sys.stdout.buffer.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2))


def tools(catalog: Path) -> None:
    """The fields `stackmap tools --json` lists, read with sqlite3 and written with orjson:
    each tool with its vendor and owners, its capabilities, its contracts' terms (the latest
    renewal standing in for stackmap's reading of which contracts are current) and its
    number of integrations."""
    connection = sqlite3.connect(catalog)
    names = {
        table: dict(connection.execute(f"SELECT id, name FROM {table}"))
        for table in ("vendor", "owner")
    }
    capabilities: dict[int, list[str]] = {}
    inferred: dict[int, str] = {}
    for tool_id, capability, source in connection.execute(
        "SELECT tool_id, capability, source FROM tool_capability ORDER BY capability"
    ):
        capabilities.setdefault(tool_id, []).append(capability)
        if source:
            inferred[tool_id] = source
    terms: dict[int, tuple[Any, ...]] = {}
    for row in connection.execute(
        "SELECT tool_id, annual_cost, currency, renewal_date, notice_days, seats_purchased, "
        "seats_active, id, amount, billing_period, start_date, end_date, auto_renew "
        "FROM contract ORDER BY tool_id, renewal_date"
    ):
        terms[row[0]] = row[1:7]
    links: dict[int, int] = {}
    for column in ("source_tool_id", "target_tool_id"):
        for tool_id, count in connection.execute(
            f"SELECT {column}, count(*) FROM integration GROUP BY {column}"
        ):
            links[tool_id] = links.get(tool_id, 0) + count
    none = (None,) * 6
    out = []
    for (
        tool_id,
        name,
        vendor_id,
        category,
        status,
        owner_id,
        tech_id,
        disposition,
        units,
    ) in connection.execute(
        "SELECT id, name, vendor_id, category, status, business_owner_id, "
        "technical_owner_id, disposition, business_units FROM tool ORDER BY key"
    ):
        cost, currency, renewal, notice, purchased, active = terms.get(tool_id, none)
        out.append(
            {
                "name": name,
                "vendor": names["vendor"].get(vendor_id),
                "category": category,
                "status": status,
                "owner": names["owner"].get(owner_id),
                "technical_owner": names["owner"].get(tech_id),
                "annual_cost": cost,
                "currency": currency,
                "renewal_date": renewal,
                "notice_days": notice,
                "seats_purchased": purchased,
                "seats_active": active,
                "capabilities": capabilities.get(tool_id, []),
                "integrations": links.get(tool_id, 0),
                "disposition": disposition,
                "business_units": orjson.loads(units) if units else [],
                "capabilities_inferred": inferred.get(tool_id),
            }
        )
    sys.stdout.buffer.write(orjson.dumps(out, option=orjson.OPT_INDENT_2))


def map_(catalog: Path, out: Path) -> None:
    """The map's nodes and edges as dicts (label, title, position, colour), written with
    orjson into one HTML file."""
    import math

    connection = sqlite3.connect(catalog)
    nodes = [
        {
            "id": i,
            "label": name,
            "title": f"{name}\nStatus: {status}\nCategory: {category}",
            "x": 30 * math.sqrt(k) * math.cos(k * 2.4),
            "y": 30 * math.sqrt(k) * math.sin(k * 2.4),
            "color": {"background": "#4472C4", "border": "#4472C4"},
            "shape": "dot",
        }
        for k, (i, name, status, category) in enumerate(
            connection.execute("SELECT id, name, status, category FROM tool")
        )
    ]
    edges = [
        {"from": s, "to": t, "title": f"{s} → {t}: {method}", "arrows": "to", "kind": status}
        for s, t, method, status in connection.execute(
            "SELECT source_tool_id, target_tool_id, method, status FROM integration"
        )
    ]
    page = b"<html><body><script>const nodes = %s; const edges = %s;</script></body></html>" % (
        orjson.dumps(nodes),
        orjson.dumps(edges),
    )
    out.write_bytes(page)


def prepare_workbook(workbook: Path, out: Path) -> None:
    """Every sheet's cell values of the workbook stackmap wrote."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(workbook))
    sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    out.write_bytes(pickle.dumps(sheets, protocol=pickle.HIGHEST_PROTOCOL))


def workbook(prepared: Path, out: Path) -> None:
    """The same cells, every sheet, written with openpyxl's write-only mode and no styling."""
    from openpyxl import Workbook

    sheets: dict[str, list[list[Any]]] = pickle.loads(prepared.read_bytes())
    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([None if value == "" else value for value in row])
    book.save(out)


def dump(catalog: Path, folder: Path) -> None:
    """Every row of every table, one JSON object per line, one file per table."""
    connection = sqlite3.connect(catalog)
    folder.mkdir(parents=True, exist_ok=True)
    for name in _tables(connection):
        cursor = connection.execute(f'SELECT * FROM "{name}" ORDER BY 1')
        columns = [c[0] for c in cursor.description]
        with (folder / f"{name}.jsonl").open("wb") as stream:
            for row in cursor:
                stream.write(orjson.dumps(dict(zip(columns, row, strict=True))) + b"\n")


def prepare_load(catalog: Path, out: Path) -> None:
    """The catalog as SQL text (sqlite3's iterdump), for the load floor to execute: each
    table's CREATE and INSERTs moved after those of the tables it refers to (iterdump goes
    by name), the indexes after all of them, as iterdump has them."""
    connection = sqlite3.connect(catalog)
    by_table: dict[str, list[str]] = {}
    rest: list[str] = []
    for line in connection.iterdump():
        found = _TABLE_STATEMENT.match(line)
        if found:
            by_table.setdefault(found.group(1), []).append(line)
        elif line not in ("BEGIN TRANSACTION;", "COMMIT;"):
            rest.append(line)
    ordered = _parents_first(connection, list(by_table))
    lines = [line for name in ordered for line in by_table[name]]
    script = ["BEGIN TRANSACTION;", *lines, *rest, "COMMIT;"]
    out.write_text("\n".join(script), encoding="utf-8")


_TABLE_STATEMENT = re.compile(r'(?:CREATE TABLE|INSERT INTO) "?(\w+)"?')


def load(script: Path, target: Path) -> None:
    """`sqlite3 target < dump.sql`: the dump's SQL executed in one script."""
    connection = sqlite3.connect(target, isolation_level=None)
    for pragma in PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    connection.executescript(script.read_text(encoding="utf-8"))
    connection.close()


FLOORS: dict[str, Callable[..., None]] = {
    "prepare-import": prepare_import,
    "import": import_,
    "reimport": reimport,
    "analyze": analyze,
    "tools": tools,
    "map": map_,
    "prepare-workbook": prepare_workbook,
    "workbook": workbook,
    "dump": dump,
    "prepare-load": prepare_load,
    "load": load,
}


def main() -> None:
    name, *args = sys.argv[1:]
    FLOORS[name](*map(Path, args))


if __name__ == "__main__":
    main()
