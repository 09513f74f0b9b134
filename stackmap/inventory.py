"""The application API: every read and write of the user's inventory, used by the CLI and TUI.

Each method runs in its own transaction; a failure leaves the catalog exactly as it was.
"""

from __future__ import annotations

import getpass
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from stackmap import db
from stackmap.bulk import bulk_work
from stackmap.domain import ChangeAction, ToolStatus, name_key, utcnow
from stackmap.errors import DatabaseBusyError, DuplicateError, InvalidValueError
from stackmap.models import (
    ImportBatch,
    Tool,
    Vendor,
)
from stackmap.progress import SILENT, Progress
from stackmap.reads import ReadCatalog
from stackmap.reference import Reference, load_reference
from stackmap.rows import Rows, find_tool
from stackmap.schemas import ContractFields, IntegrationFields, ToolFields, ToolRecord, parse
from stackmap.store import Outcome, Writer
from stackmap.store.behind import writes_behind
from stackmap.views import IntegrationView, ToolDetail

if TYPE_CHECKING:
    # The importers (fuzzy matching, spreadsheet readers) load when a file is read, not at
    # every start: the TUI and the CLI's read commands never need them.
    from stackmap.importers.links import ExistingTool
    from stackmap.importers.spend import SpendPlan
    from stackmap.importers.spreadsheet import ImportPlan

ENV_ACTOR = "STACKMAP_USER"
BUSY_ATTEMPTS = 3
TOOL: sa.Table = Tool.__table__  # type: ignore[attr-defined]


def default_actor() -> str:
    """Return who is making changes: $STACKMAP_USER, else the login name."""
    try:
        return os.environ.get(ENV_ACTOR) or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class LoadResult:
    """What a bulk load did (or, in a dry run, would do)."""

    batch_id: int | None
    tools: list[Outcome] = field(default_factory=list)
    integrations: list[Outcome] = field(default_factory=list)
    spend: list[Outcome] = field(default_factory=list)
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        """Return how many tools, integrations and spend records were created, updated and
        left unchanged."""
        result: dict[str, int] = {}
        kinds = [("tools", self.tools), ("integrations", self.integrations)]
        if self.spend:
            kinds.append(("spend", self.spend))
        for kind, outcomes in kinds:
            tally = Counter([o.action for o in outcomes])  # one pass over 100,000 outcomes
            for action in ("created", "updated", "unchanged"):
                result[f"{kind}_{action}"] = tally[action]
        return result


class Inventory(ReadCatalog):
    """The user's catalog of tools, contracts, owners and integrations, with its history."""

    def __init__(self, engine: sa.Engine, reference: Reference, actor: str | None = None) -> None:
        self.engine = engine
        self.reference = reference
        self.actor = actor or default_actor()

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        reference_dirs: Sequence[Path] = (),
        actor: str | None = None,
    ) -> Inventory:
        """Open (creating and migrating as needed) the catalog at url or the default location."""
        reference = load_reference(reference_dirs)
        return cls(db.open_database(db.resolve_url(url)), reference, actor)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    @property
    def _snapshots(self) -> sa.Engine:
        """The engine for a read of several tables that must agree with each other: one
        snapshot of the catalog for the whole transaction. SQLite's transactions are that
        already; PostgreSQL's default (read committed) lets each statement see what another
        writer committed meanwhile (links to tools the read never saw)."""
        if self.engine.dialect.name == "postgresql":
            return self.engine.execution_options(isolation_level="REPEATABLE READ")
        return self.engine

    @property
    def location(self) -> str:
        """The database URL with any password masked."""
        return db.mask_url(self.engine.url)

    def _writer(self, session: Session, batch_id: int | None = None) -> Writer:
        return Writer(session, self.reference, self.actor, batch_id)

    # --- writes ---------------------------------------------------------------------------

    def add_tool(
        self,
        fields: ToolFields,
        contract: ContractFields | None = None,
        *,
        allow_same_product: bool = False,
    ) -> ToolDetail:
        """Add a new tool; raises DuplicateError if it (or its library product) is present."""
        with db.session_scope(self.engine, write=True) as session:
            if not allow_same_product:
                product = self.reference.product(fields.name)
                if product is not None:
                    twin = session.exec(
                        select(col(Tool.name)).where(col(Tool.library_product) == product.name)
                    ).first()
                    if twin is not None and name_key(twin) != name_key(fields.name):
                        raise DuplicateError(
                            f"{fields.name!r} is {product.name}, already in the catalog as "
                            f"{twin!r} (use --allow-same-product for a second instance)"
                        )
            writer = self._writer(session)
            writer.upsert_tools(
                [ToolRecord(fields, contract)],
                create_only=True,
                match_product=not allow_same_product,
            )
            writer.flush_history()
        return self.tool(fields.name)

    def edit_tool(
        self,
        name: str,
        changes: dict[str, Any],
        contract_changes: dict[str, Any] | None = None,
        *,
        rename: str | None = None,
        today: date | None = None,
    ) -> ToolDetail:
        """Change fields of a tool (capabilities given here replace the tool's list)."""
        with db.session_scope(self.engine, write=True) as session:
            tool = self._get_tool(session, name)
            writer = self._writer(session)
            vendor_before = tool.vendor_id
            if rename is not None and name_key(rename) != tool.key:
                self._rename(session, writer, tool, rename)
            capabilities = changes.pop("capabilities", None)
            fields = parse(ToolFields, {"name": tool.name, **changes})
            fields.__pydantic_fields_set__ = {"name", *changes}
            terms = parse(ContractFields, contract_changes) if contract_changes else None
            writer.upsert_tools([ToolRecord(fields, terms)], update_only=True)
            if {"disposition", "decision_note"} & set(changes):
                # A decision says who made it and when, wherever it was made.
                session.execute(
                    sa.update(TOOL)
                    .where(TOOL.c.id == tool.id)
                    .values(decided_by=self.actor, decided_at=writer.now)
                )
            if capabilities is not None:
                checked = writer.check_tool(ToolFields(name=tool.name, capabilities=capabilities))
                assert tool.id is not None
                writer.set_capabilities(tool.id, tool.name, checked.capabilities)
            if "vendor" in changes and vendor_before is not None:
                self._drop_if_orphan(session, writer, vendor_before)
            writer.flush_history()
            final = tool.name
        return self.tool(final, today=today)

    def edit_tool_text(
        self, name: str, values: dict[str, str], *, today: date | None = None
    ) -> ToolDetail:
        """Change fields as a person typed them in a form ("$12,600", "31 Mar 2027", an empty
        field to clear one), read the way an import reads a cell (see importers.edits)."""
        from stackmap.importers.edits import read_edits

        tool, contract = read_edits(values)
        return self.edit_tool(name, tool, contract or None, today=today)

    def _drop_if_orphan(self, session: Session, writer: Writer, vendor_id: int) -> None:
        """A vendor no tool names any more is removed (with a history entry), so changing a
        tool's vendor does not leave the old one behind in every list of vendors."""
        session.flush()
        used = session.execute(
            sa.select(sa.func.count()).select_from(TOOL).where(TOOL.c.vendor_id == vendor_id)
        ).scalar_one()
        if used:
            return
        vendor = session.get(Vendor, vendor_id)
        if vendor is None:
            return
        writer.record(
            "vendor", vendor_id, vendor.name, ChangeAction.DELETE, {"name": [vendor.name, None]}
        )
        session.execute(sa.delete(Vendor).where(col(Vendor.id) == vendor_id))

    def _rename(self, session: Session, writer: Writer, tool: Tool, new_name: str) -> None:
        new_name = " ".join(new_name.split())
        if not new_name:
            raise InvalidValueError("a tool's name cannot be empty")
        if session.exec(select(col(Tool.id)).where(col(Tool.key) == name_key(new_name))).first():
            raise DuplicateError(f"a tool named {new_name!r} is already in the catalog")
        old = tool.name
        session.execute(
            sa.update(Tool)
            .where(col(Tool.id) == tool.id)
            .values(name=new_name, key=name_key(new_name), updated_at=utcnow())
        )
        assert tool.id is not None
        writer.record("tool", tool.id, new_name, ChangeAction.UPDATE, {"name": [old, new_name]})
        tool.name, tool.key = new_name, name_key(new_name)

    def retire_tool(self, name: str, note: str | None = None) -> ToolDetail:
        """Mark a tool retired (kept, with its history, for the record)."""
        changes: dict[str, Any] = {"status": ToolStatus.RETIRED}
        if note:
            changes["notes"] = note
        return self.edit_tool(name, changes)

    def add_integration(self, fields: IntegrationFields) -> IntegrationView:
        """Add an integration between two catalog tools; DuplicateError if the route exists."""
        with db.session_scope(self.engine, write=True) as session:
            writer = self._writer(session)
            outcome = writer.upsert_integrations([fields])[0]
            if outcome.action != "created":
                raise DuplicateError(
                    f"{outcome.label} by {fields.method.value} is already in the catalog"
                )
            writer.flush_history()
        found = [
            i
            for i in self.integrations(fields.source)
            if name_key(i.target) == name_key(fields.target) and i.method == fields.method.value
        ]
        return found[0]

    def load(
        self,
        tools: Sequence[ToolRecord],
        integrations: Sequence[IntegrationFields] = (),
        *,
        kind: str,
        file_name: str,
        sha256: str,
        profile: str | None = None,
        dry_run: bool = False,
    ) -> LoadResult:
        """Upsert tools and integrations in one transaction, recorded as one import batch.

        With dry_run the same work is done and then rolled back, so the result is the exact
        diff the real load would make.
        """

        def work(writer: Writer, result: LoadResult) -> None:
            def links(written: dict[str, tuple[int, str]]) -> None:
                if integrations:
                    result.integrations = writer.upsert_integrations(integrations, written)

            # The links between the tools' rows and their capabilities and contracts: on
            # SQLite their rows are then written while those are worked out (store.behind).
            result.tools = writer.upsert_tools(tools, between=links)

        with bulk_work():
            return self.in_batch(kind, file_name, sha256, profile, dry_run, work)

    def in_batch(
        self,
        kind: str,
        file_name: str,
        sha256: str,
        profile: str | None,
        dry_run: bool,
        work: Callable[[Writer, LoadResult], None],
    ) -> LoadResult:
        """Run work in one write transaction recorded as one import batch (rolled back when
        dry_run), and return what it did.

        When another writer keeps the catalog locked past the busy timeout, the whole
        transaction is tried again a few times before giving up.
        """
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                return self._in_batch(
                    ImportBatch(
                        actor=self.actor,
                        kind=kind,
                        file_name=file_name,
                        sha256=sha256,
                        profile=profile,
                    ),
                    dry_run,
                    work,
                )
            except DatabaseBusyError:
                if attempt == BUSY_ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)
        raise AssertionError("unreachable")

    def _in_batch(
        self, batch: ImportBatch, dry_run: bool, work: Callable[[Writer, LoadResult], None]
    ) -> LoadResult:
        with db.busy_reported(), Session(db.writer(self.engine)) as session:
            try:
                session.add(batch)
                session.flush()
                writer = self._writer(session, batch.id)
                result = LoadResult(batch.id, dry_run=dry_run)
                # Bulk inserts run on a second thread, in order, in this transaction.
                with writes_behind(session.connection()):
                    work(writer, result)
                    writer.flush_history()
                batch.counts = result.counts()
                session.add(batch)
                if dry_run:
                    session.rollback()
                    result.batch_id = None
                else:
                    session.commit()
            except BaseException:
                session.rollback()
                raise
        return result

    def plan_import(
        self,
        path: Path,
        *,
        sheet: str | None = None,
        profile: str | None = None,
        dayfirst: bool | None = None,
        currency: str | None = None,
        strict: bool = False,
        progress: Progress = SILENT,
    ) -> ImportPlan:
        """Read a spreadsheet or CSV and return what importing it would write (writes nothing).

        A value that cannot be read is left unknown with its text kept (strict: its row is
        an error, and apply_import refuses the file unless told to skip such rows)."""
        from stackmap.importers.links import ExistingTool

        with Session(self.engine) as session:
            existing = [
                ExistingTool(name, product)
                for name, product in session.execute(sa.select(TOOL.c.name, TOOL.c.library_product))
            ]
        with bulk_work():
            return self._plan(path, existing, sheet, profile, dayfirst, currency, strict, progress)

    def _plan(
        self,
        path: Path,
        existing: list[ExistingTool],
        sheet: str | None,
        profile: str | None,
        dayfirst: bool | None,
        currency: str | None,
        strict: bool,
        progress: Progress,
    ) -> ImportPlan:
        from stackmap.importers.profiles import load_profile
        from stackmap.importers.spreadsheet import plan_import

        return plan_import(
            path,
            self.reference,
            existing,
            sheet=sheet,
            profile=load_profile(profile) if profile else None,
            dayfirst=dayfirst,
            currency=currency,
            strict=strict,
            progress=progress,
        )

    def apply_import(
        self,
        plan: ImportPlan,
        *,
        dry_run: bool = False,
        skip_invalid: bool = False,
        progress: Progress = SILENT,
    ) -> LoadResult:
        """Write a planned import in one transaction (or, with dry_run, report the exact diff).

        Rows with errors stop the import (nothing is written) unless skip_invalid is set, in
        which case the valid rows are imported and the invalid ones listed.
        """
        from stackmap.importers.mapping import refuse_errors

        if not skip_invalid:
            refuse_errors(plan.issues, plan.file)
        if not plan.tools and not plan.integrations:
            raise InvalidValueError(f"{plan.file}: no rows to import")
        progress.stage(f"Writing {len(plan.tools):,} tools and {len(plan.integrations):,} links")
        return self.load(
            plan.tools,
            plan.integrations,
            kind="spreadsheet",
            file_name=plan.file,
            sha256=plan.sha256,
            profile=plan.profile,
            dry_run=dry_run,
        )

    def plan_spend(
        self,
        path: Path,
        *,
        sheet: str | None = None,
        dayfirst: bool | None = None,
        currency: str | None = None,
        profile: str | None = None,
        period: str | None = None,
    ) -> SpendPlan:
        """Read a finance spend report and tie each supplier to a catalog tool (writes nothing).

        profile: a saved layout (name or path): its columns, and the suppliers it ties to tools.
        period: "START..END", what the report covers when it does not say.
        """
        from stackmap.importers.profiles import load_profile
        from stackmap.importers.spend import CatalogTool, plan_spend

        with Session(self.engine) as session:
            stmt = (
                sa.select(TOOL.c.name, Vendor.name, TOOL.c.library_product)  # type: ignore[call-overload]
                .select_from(TOOL)
                .outerjoin(Vendor, TOOL.c.vendor_id == Vendor.id)
            )
            tools = [CatalogTool(n, v, p) for n, v, p in session.execute(stmt)]
        return plan_spend(
            path,
            self.reference,
            tools,
            sheet=sheet,
            dayfirst=dayfirst,
            currency=currency,
            profile=load_profile(profile) if profile else None,
            period=period,
        )

    def apply_spend(
        self, plan: SpendPlan, *, dry_run: bool = False, skip_invalid: bool = False
    ) -> LoadResult:
        """Record the matched suppliers' spend in one transaction, as one import batch.

        Lines that cannot be read stop it (nothing written) unless skip_invalid is set.
        """
        from stackmap.importers.mapping import refuse_errors
        from stackmap.importers.spend import UNTIED

        if not skip_invalid:
            refuse_errors(plan.issues, plan.file)
        rows = [
            {
                "tool": m.tool,
                "supplier": m.spend.supplier,
                "currency": m.spend.currency,
                "amount": m.spend.amount,
                "annual_amount": m.annual_amount,
                "annualised_by": m.annualised_by,
                "period_start": plan.period_start,
                "period_end": plan.period_end,
                "invoices": m.spend.invoices,
            }
            for m in plan.matches
            if m.status == "matched"
        ]

        untied = [
            {
                "supplier": m.spend.supplier,
                "currency": m.spend.currency,
                "amount": m.spend.amount,
                "annual_amount": m.annual_amount,
                "period_start": plan.period_start,
                "period_end": plan.period_end,
                "invoices": m.spend.invoices,
                "status": m.status,
                "reason": m.reason,
            }
            for m in plan.matches
            if m.status in UNTIED
        ]

        def work(writer: Writer, result: LoadResult) -> None:
            result.spend = writer.upsert_spend(rows)
            writer.replace_untied_spend(plan.period_start, plan.period_end, untied)

        return self.in_batch("spend", plan.file, plan.sha256, None, dry_run, work)

    # --- reads ----------------------------------------------------------------------------

    def _get_tool(self, session: Session, name: str) -> Tool:
        """The tool to change, found as every read finds it (rows.find_tool)."""
        tool = session.get(Tool, find_tool(_rows(session), name, lambda: self.reference)[0])
        assert tool is not None  # found in this same transaction
        return tool

    @contextmanager
    def _reading(self) -> Iterator[Rows]:
        with Session(self._snapshots) as session:
            yield _rows(session)

    def schema_revision(self) -> str | None:
        """The catalog's schema revision (Alembic's), or None for an empty database."""
        return db.current_revision(self.engine)


def _rows(session: Session) -> Rows:
    """The driver-level reader on the session's own connection, in its transaction."""
    connection = session.connection()
    return Rows(connection.connection, sqlite=connection.dialect.name == "sqlite")
