"""The catalog opened for reading only: the read commands' way in (analyze, whatif, tools,
tool show, history, info, and the workbook, map, diagram and calendar).

An embedded catalog that is already at this stackmap's schema is read with the standard
library's sqlite3 alone: SQLAlchemy, SQLModel and the models are a quarter to a third of a
second of imports that such a command would pay before reading a row. Anything else (a
PostgreSQL catalog, a file that does not exist yet, one that needs migrating, one that cannot
be opened) goes through `Inventory.open`, which creates, migrates or reports it as always.
Both read the same rows with the same code (`stackmap.rows`, `stackmap.facts`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from stackmap.bulk import bulk_work
from stackmap.connect import busy_timeout_ms, head_revision, resolve_url, sqlite_file
from stackmap.errors import DatabaseBusyError, DatabaseUnavailableError
from stackmap.rows import (
    Rows,
    counts,
    find_tool,
    schema_revision,
    stamps,
    summaries,
    tool_detail,
    tool_rows,
)
from stackmap.rows import history as history_views
from stackmap.rows import integrations as integration_views

if TYPE_CHECKING:
    from stackmap.analysis.stack import Stack
    from stackmap.reference import Reference
    from stackmap.views import ChangeView, IntegrationView, ToolDetail, ToolSummary


class ReadCatalog(Protocol):
    """What the read commands ask of a catalog: `Inventory` and `Reader` both answer it."""

    def stack(
        self,
        today: date | None = None,
        counted: Sequence[str] = ("active",),
        *,
        all_tools: bool = False,
        paid_statuses: Sequence[str] | None = None,
    ) -> Stack: ...

    def tools(
        self,
        *,
        status: Sequence[str] = (),
        search: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        today: date | None = None,
    ) -> list[ToolSummary]: ...

    def stamped_stack(
        self,
        today: date | None = None,
        counted: Sequence[str] = ("active",),
        *,
        all_tools: bool = False,
    ) -> tuple[Stack, dict[int, str], str]: ...

    def tool(
        self, name: str, *, history_limit: int = 50, today: date | None = None
    ) -> ToolDetail: ...

    def integrations(self, tool: str | None = None) -> list[IntegrationView]: ...

    def history(self, *, limit: int = 50) -> list[ChangeView]: ...

    def counts(self) -> dict[str, int]: ...

    def schema_revision(self) -> str | None: ...

    @property
    def reference(self) -> Reference: ...

    @property
    def location(self) -> str: ...

    def close(self) -> None: ...


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


class Reader:
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

    @cached_property
    def reference(self) -> Reference:
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

    def stack(
        self,
        today: date | None = None,
        counted: Sequence[str] = ("active",),
        *,
        all_tools: bool = False,
        paid_statuses: Sequence[str] | None = None,
    ) -> Stack:
        """A snapshot of the whole catalog for the analysis (as `Inventory.stack`)."""
        from stackmap.facts import snapshot

        reference = self.reference
        with bulk_work(), self._reading() as rows:
            return snapshot(
                rows,
                reference,
                today or date.today(),
                counted,
                all_tools=all_tools,
                paid_statuses=paid_statuses,
            )

    def stamped_stack(
        self,
        today: date | None = None,
        counted: Sequence[str] = ("active",),
        *,
        all_tools: bool = False,
    ) -> tuple[Stack, dict[int, str], str]:
        """The snapshot with the review's version stamps, in one read (as the Inventory's)."""
        from stackmap.facts import snapshot

        reference = self.reference
        with bulk_work(), self._reading() as rows:
            stack = snapshot(rows, reference, today or date.today(), counted, all_tools=all_tools)
            return (stack, *stamps(rows, self.location))

    def tool(self, name: str, *, history_limit: int = 50, today: date | None = None) -> ToolDetail:
        """Everything about one tool, by name or a library alias (as the Inventory's)."""
        with self._reading() as rows:
            return tool_detail(
                rows,
                name,
                lambda: self.reference,
                history_limit=history_limit,
                today=today or date.today(),
            )

    def integrations(self, tool: str | None = None) -> list[IntegrationView]:
        """Integrations, of one tool when named, by source then target (as the Inventory's)."""
        with self._reading() as rows:
            tool_id = None if tool is None else find_tool(rows, tool, lambda: self.reference)[0]
            return integration_views(rows, tool_id)

    def history(self, *, limit: int = 50) -> list[ChangeView]:
        """The most recent changes, newest first (as the Inventory's)."""
        with self._reading() as rows:
            return history_views(rows, limit)

    def counts(self) -> dict[str, int]:
        """How many of each kind of record the catalog holds (as the Inventory's)."""
        with self._reading() as rows:
            return counts(rows)

    def schema_revision(self) -> str | None:
        """The catalog's schema revision (this stackmap's newest: the Reader opens no other)."""
        with self._reading() as rows:
            return schema_revision(rows)

    def tools(
        self,
        *,
        status: Sequence[str] = (),
        search: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        today: date | None = None,
    ) -> list[ToolSummary]:
        """Tools sorted by name, filtered and paged in the query (as `Inventory.tools`)."""
        with bulk_work(), self._reading() as rows:
            found = tool_rows(rows, status=status, search=search, limit=limit, offset=offset)
            return summaries(rows, found, today or date.today())
