"""Record the SQLite schema the migrations end at, which a new embedded catalog is made from
(stackmap/migrations/head_sqlite.json). Run after adding a migration:
`python scripts/record_head_schema.py`; tests/test_migrations.py fails until it is run."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import orjson

from stackmap import db

TARGET = Path(__file__).resolve().parent.parent / "stackmap" / "migrations" / db.HEAD_SCHEMA


def migrated_schema() -> dict[str, object]:
    """The head revision and the schema statements of a new SQLite file the migrations made."""
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(f"sqlite:///{folder}/catalog.db")
        try:
            db.upgrade(engine)
            with engine.connect() as conn:
                return {"revision": db.head_revision(), "statements": db.schema_statements(conn)}
        finally:
            engine.dispose()


def main() -> None:
    TARGET.write_bytes(orjson.dumps(migrated_schema(), option=orjson.OPT_INDENT_2) + b"\n")
    print(f"wrote {TARGET}", file=sys.stderr)


if __name__ == "__main__":
    main()
