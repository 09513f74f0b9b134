"""Shared fixtures: the reference model, and a fresh catalog per test on each storage backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

# pytest-xdist's workers set COLUMNS=80 and LINES; Rich fixes a console's size from them when
# the console is made (the CLI's are made on import), so a test that asks for a wide terminal
# would get 80 columns in parallel runs and 200 in a serial one. Without them both behave alike.
for _size in ("COLUMNS", "LINES"):
    os.environ.pop(_size, None)

from stackmap import db  # noqa: E402
from stackmap.inventory import Inventory  # noqa: E402
from stackmap.reference import Reference, load_reference  # noqa: E402

POSTGRES_ENV = "STACKMAP_TEST_POSTGRES_URL"
NO_POSTGRES = (
    f"no PostgreSQL server configured: set {POSTGRES_ENV} "
    "(.ci/run starts one on loopback and sets it)"
)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test away from the real user's catalog, config and environment."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    # One cache for the session, away from the user's: the parsed reference is shared.
    monkeypatch.setenv("STACKMAP_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    for name in (db.ENV_URL, "STACKMAP_REFERENCE_DIR", "STACKMAP_USER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference()


@pytest.fixture
def inventory(reference: Reference) -> Iterator[Inventory]:
    """A fresh in-memory SQLite catalog."""
    inv = Inventory(db.open_database("sqlite://"), reference, actor="tester")
    yield inv
    inv.close()


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty PostgreSQL schema, dropped afterwards."""
    base = postgres_url()
    if base is None:
        pytest.skip(NO_POSTGRES)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture(params=["sqlite-memory", "sqlite-file", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty catalog database on each backend stackmap supports."""
    if request.param == "sqlite-memory":
        return "sqlite://"
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def backend_inventory(backend_url: str, reference: Reference) -> Iterator[Inventory]:
    inv = Inventory(db.open_database(backend_url), reference, actor="tester")
    yield inv
    inv.close()
