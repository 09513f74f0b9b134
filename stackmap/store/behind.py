"""Writes behind: a SQLite transaction's bulk inserts run on a second thread while the
import goes on working out the next rows.

SQLite runs a statement without holding Python's interpreter lock, so a thousand-row insert
on another thread costs the import's own thread only the moment its values are bound. Nearly
all of an import's time in SQLite is such inserts (about 1.4 s at 20,000 tools, 0.85 s of it
the links'), and the import now works out its tools' capabilities, contracts and history
while its links are being written.

Nothing else changes: the inserts run one after another, in the order they were given, on
the transaction's own connection, inside its transaction. Any other statement on that
connection first waits: a read for every insert given before it into a table it reads, and
anything else (an update, a delete, an ORM flush, a statement given as text, the end of the
block before the commit) for every insert given before it. The first insert that fails stops
the rest, and its error, as SQLAlchemy raises it, is raised by the statement that waits for
it or by the end of the block.

The inserts must never call Python from inside SQLite (a function, collation or hook
registered on the connection): the writer would need the interpreter's lock in the middle of
a statement while the import's thread, holding it, waits for the connection. The store
registers none; SQLAlchemy's REGEXP function is never used in an insert.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.util import find_tables

_KEY = "stackmap.writes_behind"
# How long the import's thread keeps the interpreter's lock while the writer waits for it
# (Python's default is 5 ms): the writer needs it for a moment between two statements of a
# few milliseconds each, and would otherwise spend about as long waiting as writing. Set
# while any block is open (see _quick_switching).
_SWITCH_INTERVAL = 0.0001


class WritesBehind:
    """The inserts given to one connection, run in order on one thread of their own."""

    def __init__(self, driver: sqlite3.Connection) -> None:
        self._driver = driver
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="stackmap-writer")
        self._pending: list[tuple[str, Future[None]]] = []  # (table, its insert), in order
        self._failed = False

    def insert(self, table: str, statement: str, parameters: tuple[Any, ...]) -> None:
        """Run an insert into `table` after those given before it."""
        self._pending.append((table, self._pool.submit(self._run, statement, parameters)))

    def _run(self, statement: str, parameters: tuple[Any, ...]) -> None:
        if self._failed:  # an insert before this one failed: the transaction is lost anyway
            return
        try:
            self._driver.execute(statement, parameters).close()
        except BaseException as exc:
            self._failed = True
            if isinstance(exc, sqlite3.Error):
                # As SQLAlchemy raises it (IntegrityError, OperationalError...), naming the
                # statement by its first row, not its thousand.
                first = statement.find(")", statement.find("VALUES ")) + 1
                shown = statement if first >= len(statement) - 1 else statement[:first] + ", …"
                raise sa.exc.DBAPIError.instance(
                    shown, None, exc, sqlite3.Error, hide_parameters=True
                ) from exc
            raise

    def wait(self, tables: Collection[str] | None = None) -> None:
        """Return once the inserts given so far are done: all of them, or (tables given)
        those up to the last one into any of these tables. Raise the first one's error."""
        pending = self._pending
        if tables is None:
            upto = len(pending)
        else:
            upto = next(
                (i + 1 for i in range(len(pending) - 1, -1, -1) if pending[i][0] in tables), 0
            )
        done, self._pending = pending[:upto], pending[upto:]
        for _, future in done:
            future.result()

    def close(self) -> None:
        """Let the insert running finish, drop the others, and stop the thread."""
        self._failed = True
        self._pending = []
        self._pool.shutdown(wait=True, cancel_futures=True)


def behind(connection: sa.Connection) -> WritesBehind | None:
    """The connection's writes behind, while a `writes_behind` block is open on it."""
    found: WritesBehind | None = connection.info.get(_KEY)
    return found


@contextmanager
def writes_behind(connection: sa.Connection) -> Iterator[None]:
    """Within the block, the store's bulk inserts on this SQLite connection run behind (see
    the module); each is done, or its error raised, when the block ends. On PostgreSQL, on
    a build of SQLite that cannot share a connection between threads, or in a block already
    open on the connection, nothing changes."""
    driver = connection.connection.driver_connection
    # The import's reads share the connection with the writer's inserts: only a build of
    # SQLite that serialises the use of one connection across threads (the default) allows
    # that; Python reports it as threadsafety 3.
    serialised = sqlite3.threadsafety == 3
    if not isinstance(driver, sqlite3.Connection) or not serialised or behind(connection):
        yield
        return
    writes = WritesBehind(driver)

    def before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        compiled = getattr(context, "compiled", None)
        read = None if compiled is None or context.is_crud else _tables_read(compiled.statement)
        writes.wait(read)

    connection.info[_KEY] = writes
    sa.event.listen(connection, "before_cursor_execute", before)
    try:
        with _quick_switching():
            yield
            writes.wait()
    finally:
        sa.event.remove(connection, "before_cursor_execute", before)
        del connection.info[_KEY]
        writes.close()


def _tables_read(statement: Any) -> set[str] | None:
    """The tables a SELECT reads, anywhere in it (joins, subqueries, CTEs); None when that
    cannot be told (not a SELECT, text in it, no table found): then it waits for everything."""
    if not isinstance(statement, sa.Select):
        return None
    if any(isinstance(element, TextClause) for element in visitors.iterate(statement)):
        return None
    tables = {
        table.name
        for table in find_tables(
            statement,
            check_columns=True,
            include_aliases=True,
            include_joins=True,
            include_selects=True,
        )
        if isinstance(table, sa.Table)
    }
    return tables or None


_switching = threading.Lock()
_open_blocks = 0
_interval = 0.0


@contextmanager
def _quick_switching() -> Iterator[None]:
    """The interpreter's switch interval lowered while any block is open (two imports'
    threads in one process, as the terminal UI may have, restore it once, at the end)."""
    global _open_blocks, _interval
    with _switching:
        if _open_blocks == 0:
            _interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval, _SWITCH_INTERVAL))
        _open_blocks += 1
    try:
        yield
    finally:
        with _switching:
            _open_blocks -= 1
            if _open_blocks == 0:
                sys.setswitchinterval(_interval)
