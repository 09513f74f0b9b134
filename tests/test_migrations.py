"""Schema migrations: an empty database upgrades to head on each backend, and the migration
scripts describe exactly the tables the models define."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from stackmap import db


def test_an_empty_database_upgrades_to_head_and_back_down(backend_url: str) -> None:
    engine = db.make_engine(backend_url)
    try:
        assert db.current_revision(engine) is None
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        assert {
            "tool",
            "vendor",
            "owner",
            "contract",
            "integration",
            "tool_capability",
            "change",
            "import_batch",
        } <= tables
        db.downgrade(engine, "base")
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()


def test_the_migrations_match_the_models_so_autogenerate_finds_nothing(backend_url: str) -> None:
    engine = db.make_engine(backend_url)
    try:
        db.upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_opening_a_catalog_applies_pending_migrations(backend_url: str) -> None:
    engine = db.open_database(backend_url)
    try:
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()
