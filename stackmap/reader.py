"""The catalog opened for reading only: the read commands' way in (analyze, whatif, tools,
tool show, history, info, dump, and the workbook, map, diagram and calendar).

An embedded catalog that is already at this stackmap's schema is read with the standard
library's sqlite3 alone: SQLAlchemy, SQLModel and the models are a quarter to a third of a
second of imports that such a command would pay before reading a row. Anything else (a
PostgreSQL catalog, a file that does not exist yet, one that needs migrating, one that cannot
be opened) goes through `Inventory.open`, which creates, migrates or reports it as always.
Both read the same rows with the same code (`stackmap.reads`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from stackmap.connect import busy_timeout_ms, head_revision, resolve_url, sqlite_file
from stackmap.errors import DatabaseBusyError, DatabaseUnavailableError
from stackmap.reads import ReadCatalog
from stackmap.rows import Rows, schema_revision

if TYPE_CHECKING:
    from stackmap.reference import Reference


def open_for_reading(
    url: str | None = None, *, reference_dirs: Sequence[Path] = (), actor: str | None = None
) -> ReadCatalog:
    """The catalog at url (or the default one) for reading: a Reader when it is an embedded
    catalog at this stackmap's schema, else the Inventory (which creates or migrates it)."""
    resolved = resolve_url(url)
    reader = Reader.open(resolved, reference_dirs=reference_dirs)
    if reader is not None:
        return reader
    from stackmap.inventory import Inventory

    return Inventory.open(resolved, reference_dirs=reference_dirs, actor=actor)


class Reader(ReadCatalog):
    """An embedded catalog read through sqlite3 alone; each read in one read transaction, so
    its tables agree with each other even while another process writes (WAL)."""

    def __init__(
        self, connection: sqlite3.Connection, path: Path, reference_dirs: Sequence[Path] = ()
    ) -> None:
        self._connection = connection
        self.path = path
        self._reference_dirs = tuple(reference_dirs)

    @classmethod
    def open(cls, url: str, *, reference_dirs: Sequence[Path] = ()) -> Reader | None:
        """The catalog at a `sqlite:///PATH` URL, if it exists and is at this stackmap's
        schema; None otherwise (and for any file sqlite3 cannot read), for `Inventory.open`
        to create, migrate or report."""
        path = sqlite_file(url)
        if path is None or not path.is_file():
            return None
        try:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return None
        try:
            connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
            # Belt and braces: nothing this object runs may change the catalog.
            connection.execute("PRAGMA query_only = ON")
            found = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.Error:
            connection.close()
            return None
        if found != [(head_revision(),)]:
            connection.close()
            return None
        return cls(connection, path, reference_dirs)

    @property
    def location(self) -> str:
        """The catalog's URL as the Inventory gives it (SQLAlchemy's rendering, which escapes
        the path): a review workbook's catalog identifier is a hash of it, and must match
        when its decisions come back through the Inventory."""
        return "sqlite:///" + quote(str(self.path), safe=" +/")

    # Loaded on first use (`tools`, `info` never need it). A cached property is writable, as
    # the attribute it stands for is, which mypy cannot see.
    @cached_property
    def reference(self) -> Reference:  # type: ignore[override]
        """The reference model, with the folders given at opening."""
        from stackmap.reference import load_reference

        return load_reference(self._reference_dirs)

    def close(self) -> None:
        """Release the connection."""
        self._connection.close()

    @contextmanager
    def _reading(self) -> Iterator[Rows]:
        """One read transaction; the driver's errors as stackmap's one-line ones."""
        try:
            self._connection.execute("BEGIN")
            try:
                yield Rows(self._connection, sqlite=True)
            finally:
                self._connection.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            reason = str(exc).strip()
            if "locked" in reason or "busy" in reason:
                raise DatabaseBusyError(
                    "the catalog is locked by another stackmap process; try again"
                ) from exc
            raise DatabaseUnavailableError(f"cannot read {self.path}: {reason}") from exc
        except sqlite3.DatabaseError as exc:
            raise DatabaseUnavailableError(f"cannot read {self.path}: {exc}") from exc

    def schema_revision(self) -> str | None:
        """The catalog's schema revision (this stackmap's newest: the Reader opens no other)."""
        with self._reading() as rows:
            return schema_revision(rows)
