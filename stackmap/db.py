"""Database engines from a URL (embedded SQLite by default, PostgreSQL for a shared catalog),
connection settings, sessions and schema migrations."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

# Re-exported: the rest of stackmap and its tests know them as db's.
from stackmap.connect import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS
from stackmap.connect import ENV_BUSY as ENV_BUSY
from stackmap.connect import ENV_URL as ENV_URL
from stackmap.connect import busy_timeout_ms as busy_timeout_ms
from stackmap.connect import default_database_path as default_database_path
from stackmap.connect import head_revision as head_revision
from stackmap.connect import known_revision as known_revision
from stackmap.connect import resolve_url as resolve_url
from stackmap.errors import DatabaseBusyError, DatabaseUnavailableError

if TYPE_CHECKING:
    from alembic.config import Config

# The PostgreSQL advisory lock every stackmap writer holds for its transaction ("stackmap" in
# ASCII): writers queue one behind the other, as on SQLite, so two imports never both decide
# that a tool is new and create it twice.
WRITER_LOCK = 0x737461636B6D6170
WRITER = "stackmap_writer"


def mask_url(url: str | URL) -> str:
    """Return the URL with any password replaced by ***, safe to print or log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


_USERINFO = re.compile(r"://[^/?#@]*?:(?P<password>[^/?#@]+)@")


def url_secrets(url: str | None) -> list[str]:
    """Return the password of a database URL in every form it may be printed in (as typed,
    percent-decoded), so that any text can be scrubbed of it; [] when there is none."""
    if not url:
        return []
    found = {m.group("password") for m in _USERINFO.finditer(url)}
    with contextlib.suppress(ArgumentError, ValueError):
        password = make_url(url).password
        if password:
            found.add(str(password))
    forms = set(found) | {unquote(p) for p in found} | {quote(p, safe="") for p in found}
    return sorted((f for f in forms if len(f) >= 3), key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """Return text with every secret replaced by ***."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "value"):  # an enumeration member
        return value.value
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def json_dumps(value: Any) -> str:
    """Serialise JSON columns: dates as ISO text, money as numbers, Unicode kept as is.

    orjson: a 20,000-tool import serialises about 150,000 JSON values (lists, extras, history).
    """
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(url: str) -> Engine:
    """Create an engine with stackmap's connection settings; nothing is connected yet."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailableError(f"not a database URL: {mask_url(url)}") from exc
    if parsed.get_backend_name() != "sqlite":
        try:
            engine = sa.create_engine(parsed, pool_pre_ping=True, json_serializer=json_dumps)
        except (ArgumentError, ImportError) as exc:
            raise DatabaseUnavailableError(f"{mask_url(url)}: {exc}") from exc
        if engine.dialect.name == "postgresql":
            _configure_postgresql(engine)
        return engine

    path = _sqlite_file(parsed)
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False},
        "json_serializer": json_dumps,
    }
    if path is None:
        # One shared connection, so every thread (Textual workers included) sees the same data.
        kwargs["poolclass"] = StaticPool
    else:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = sa.create_engine(parsed, **kwargs)
    _configure_sqlite(engine, wal=path is not None)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get(WRITER, False):
            # Wait as long as SQLite would (busy timeout), then fail with "lock timeout".
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {busy_timeout_ms()}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT and
        # transactional DDL; take it over (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        # 64 MB of page cache: a 20,000-tool import touches more pages than the 2 MB default.
        cursor.execute("PRAGMA cache_size = -65536")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed import survives a power cut, not only a process crash.
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Writers take the lock up front: a deferred transaction that later upgrades to a
        # write lock fails at once under contention instead of waiting out busy_timeout.
        immediate = conn.get_execution_options().get(WRITER, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def busy_error(exc: OperationalError) -> DatabaseBusyError | None:
    """Return the one-line error for a lock held too long by another process, else None."""
    reason = str(exc.orig).lower()
    if any(sign in reason for sign in ("locked", "busy", "could not obtain lock", "lock timeout")):
        return DatabaseBusyError("the catalog is locked by another stackmap process; try again")
    return None


def writer(engine: Engine) -> Engine:
    """Return the engine for a write transaction: it takes the writers' lock as it begins
    (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL)."""
    return engine.execution_options(**{WRITER: True})


@contextmanager
def busy_reported() -> Iterator[None]:
    """Report a lock held too long by another writer as DatabaseBusyError (one line, exit 75)
    instead of the driver's OperationalError."""
    try:
        yield
    except OperationalError as exc:
        busy = busy_error(exc)
        if busy is not None:
            raise busy from exc
        raise


@contextmanager
def write_connection(engine: Engine) -> Iterator[sa.Connection]:
    """Yield a connection in one write transaction: committed on success, else rolled back."""
    with busy_reported(), writer(engine).begin() as conn:
        yield conn


def advance_sequences(conn: sa.Connection, tables: Iterable[sa.Table]) -> None:
    """After rows were inserted with their ids given, move PostgreSQL's id sequences past
    them so new rows get fresh ids (SQLite takes the highest id plus one by itself)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c:
            continue
        name = conn.dialect.identifier_preparer.format_table(table)
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            ),
            {"table": table.name},
        )


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """Yield a session in one transaction: committed on success, rolled back on any error."""
    bind = writer(engine) if write else engine
    with busy_reported(), Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# --- migrations -------------------------------------------------------------------------


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Return an Alembic configuration for stackmap's migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "stackmap:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision of the database, or None for an empty one."""
    with engine.connect() as conn:
        return revision_of(conn)


def revision_of(conn: sa.Connection) -> str | None:
    """Return the schema revision seen by a connection, or None for an empty database."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to a revision (head by default) in one transaction."""
    from alembic import command

    with writer(engine).begin() as conn:
        command.upgrade(alembic_config(conn), revision)


# A new embedded catalog is made from the schema the migrations end at, recorded statement by
# statement (tests/test_migrations.py holds it equal to what they build): running the four
# migrations through Alembic took 0.45 s, and loading Alembic as much again, on every new
# catalog (every first start, every import into a new file). PostgreSQL, a shared catalog
# made once, keeps to the migrations.
HEAD_SCHEMA = "head_sqlite.json"


def schema_statements(conn: sa.Connection) -> list[str]:
    """The statements that make an SQLite database's schema, in the order it was made
    (tables before their indexes; the indexes SQLite makes itself are left out)."""
    rows = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY rowid"
    )
    return [row[0] for row in rows]


def head_schema() -> dict[str, Any]:
    """The recorded head schema: {"revision": ..., "statements": [...]}."""
    from importlib.resources import files

    text = (files("stackmap.migrations") / HEAD_SCHEMA).read_bytes()
    recorded: dict[str, Any] = orjson.loads(text)
    return recorded


def create_schema(engine: Engine) -> None:
    """Give a new SQLite catalog the newest schema in one transaction.

    Checked again under the write lock: a catalog another process has just made, or a file
    that holds tables of its own, goes through the migrations instead, which know what to do
    with it; so does a recorded schema that is not at the newest revision."""
    recorded = head_schema()
    with writer(engine).begin() as conn:
        empty = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
        if not empty or recorded["revision"] != head_revision():
            from alembic import command

            command.upgrade(alembic_config(conn), "head")
            return
        for statement in recorded["statements"]:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            "INSERT INTO alembic_version (version_num) VALUES (?)", (recorded["revision"],)
        )


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to a revision ("base" empties the schema)."""
    from alembic import command

    with writer(engine).begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def open_database(url: str, *, migrate: bool = True) -> Engine:
    """Return an engine for the catalog at url, its schema brought up to date.

    Raises DatabaseUnavailableError naming the (masked) URL when the database cannot be
    reached or was written by a newer stackmap.
    """
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
        if revision is not None and not known_revision(revision):
            engine.dispose()
            raise DatabaseUnavailableError(
                f"{mask_url(url)}: schema revision {revision} is newer than this stackmap; "
                "upgrade stackmap"
            )
        if migrate and revision is None and engine.dialect.name == "sqlite":
            create_schema(engine)
        elif migrate and revision != head_revision():
            upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailableError(f"cannot open {mask_url(url)}: {reason}") from exc
    return engine
