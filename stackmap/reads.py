"""Every read of the catalog, written once: the Inventory (through SQLAlchemy's session) and
the Reader (through sqlite3 alone) differ only in how they open a read transaction.

No SQLAlchemy here: a read command on the embedded catalog loads none of it (see
stackmap.reader). The analysis loads only when a snapshot is asked for.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING

from stackmap.bulk import bulk_work
from stackmap.rows import (
    Rows,
    counts,
    find_tool,
    history,
    integrations,
    schema_revision,
    stamps,
    summaries,
    tool_detail,
    tool_rows,
)

if TYPE_CHECKING:
    from pathlib import Path

    from stackmap.analysis.stack import Stack
    from stackmap.reference import Reference
    from stackmap.views import ChangeView, IntegrationView, ToolDetail, ToolSummary


class ReadCatalog(ABC):
    """What the read commands ask of a catalog."""

    reference: Reference

    @property
    @abstractmethod
    def location(self) -> str:
        """The catalog's URL, any password masked (a review workbook's identity hashes it)."""

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Rows]:
        """One read transaction in which every table shows the same state of the catalog."""

    @abstractmethod
    def schema_revision(self) -> str | None:
        """The catalog's schema revision (Alembic's), or None for an empty database."""

    @abstractmethod
    def close(self) -> None:
        """Release the database connections."""

    def stack(
        self,
        today: date | None = None,
        counted: Sequence[str] = ("active",),
        *,
        all_tools: bool = False,
        paid_statuses: Sequence[str] | None = None,
    ) -> Stack:
        """Return a snapshot of the whole catalog for the analysis, read with a few set queries.

        counted: the tool statuses the analysis treats as in use. all_tools: count tools
        outside marketing in coverage, overlap, gaps and recommendations too. paid_statuses:
        the statuses the money views show (by default those counted and sunsetting ones).
        """
        # The analysis loads here: `stackmap tools` and `tool show` never pay it.
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
        """The snapshot with each tool's version stamp and the catalog's identifier (see
        `rows.stamps`), read in one transaction: what a review workbook is made from."""
        from stackmap.facts import snapshot

        reference = self.reference
        with bulk_work(), self._reading() as rows:
            stack = snapshot(rows, reference, today or date.today(), counted, all_tools=all_tools)
            return (stack, *stamps(rows, self.location))

    def stamps(self) -> tuple[dict[int, str], str]:
        """Each tool's version stamp and the catalog's identifier, as they are now."""
        with self._reading() as rows:
            return stamps(rows, self.location)

    def tools(
        self,
        *,
        status: Sequence[str] = (),
        search: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        today: date | None = None,
    ) -> list[ToolSummary]:
        """Return tools sorted by name, filtered and paged in the query."""
        with bulk_work(), self._reading() as rows:
            found = tool_rows(rows, status=status, search=search, limit=limit, offset=offset)
            return summaries(rows, found, today or date.today())

    def tool(self, name: str, *, history_limit: int = 50, today: date | None = None) -> ToolDetail:
        """Return everything about one tool (by name, or by a library alias of its product).

        `today` is the day its contracts are read on (renewals roll forward past it)."""
        with self._reading() as rows:
            return tool_detail(
                rows,
                name,
                lambda: self.reference,
                history_limit=history_limit,
                today=today or date.today(),
            )

    def integrations(self, tool: str | None = None) -> list[IntegrationView]:
        """Return integrations (of one tool, in and out, when named), by source then target."""
        with self._reading() as rows:
            tool_id = None if tool is None else find_tool(rows, tool, lambda: self.reference)[0]
            return integrations(rows, tool_id)

    def history(self, *, limit: int = 50) -> list[ChangeView]:
        """Return the most recent changes, newest first."""
        with self._reading() as rows:
            return history(rows, limit)

    def dump(self, directory: Path) -> dict[str, int]:
        """Write the whole catalog to a directory of sorted YAML files (see
        `stackmap.dumpfiles`), read in one transaction; return records per file."""
        from stackmap.dumpfiles import write_dump

        with self._reading() as rows:
            return write_dump(rows, directory, schema_revision(rows))

    def counts(self) -> dict[str, int]:
        """Return how many of each kind of record the catalog holds."""
        with self._reading() as rows:
            return counts(rows)
