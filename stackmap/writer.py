"""Set-based writes of tools, contracts, capabilities and integrations, with their history.

Every write of the application API goes through a Writer inside one session, so a whole import
is one transaction and each change leaves a Change row. Rows are read and written in bulk
(a handful of statements per batch, not one per row), which keeps 20,000-row imports fast.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from stackmap.db import json_dumps
from stackmap.domain import ChangeAction, IntegrationMethod, OwnerKind, name_key, utcnow, vendor_key
from stackmap.errors import DuplicateError, InvalidValueError, NotFoundError
from stackmap.models import (
    Change,
    Contract,
    Integration,
    Owner,
    Tool,
    ToolCapability,
    ToolSpend,
    UntiedSpend,
    Vendor,
)
from stackmap.reference import Reference
from stackmap.schemas import ContractFields, IntegrationFields, ToolFields, ToolRecord

CHUNK = 900  # stays under SQLite's default limit of bound parameters per statement

# Tool fields stored as they are given; owners, vendor and capabilities are resolved separately.
_PLAIN_FIELDS = (
    "description",
    "category",
    "status",
    "business_units",
    "website",
    "tags",
    "notes",
    "journey_stages",
    "disposition",
    "decision_note",
    "functional_fit",
    "technical_fit",
    "extra",
)
_CONTRACT_FIELDS = (
    "annual_cost",
    "amount",
    "currency",
    "billing_period",
    "start_date",
    "end_date",
    "renewal_date",
    "notice_days",
    "auto_renew",
    "seats_purchased",
    "seats_assigned",
    "seats_active",
    "pricing_model",
    "cost_centre",
    "notes",
)
_INTEGRATION_FIELDS = ("direction", "data_objects", "frequency", "status", "notes")


@dataclass
class Outcome:
    """What a write did to one tool or integration, and which fields changed (old, new)."""

    label: str
    action: str  # "created", "updated" or "unchanged"
    changes: dict[str, list[Any]] = field(default_factory=dict)
    source_row: int | None = None


_TEAM_WORDS = re.compile(
    r"\b(team|teams|department|dept|group|squad|ops|operations|office|committee|agency|"
    r"marketing|sales|it|finance|legal|procurement|engineering|support)\b",
    re.IGNORECASE,
)


def owner_kind(name: str) -> OwnerKind:
    """Guess whether an owner is a team ("Marketing Ops", "IT") or a person ("Dana Lee")."""
    return OwnerKind.TEAM if _TEAM_WORDS.search(name) else OwnerKind.PERSON


def _memoised(process: Any) -> Any:
    """Wrap a bind processor so a value seen before (a date, the batch's timestamp) is
    converted once; unhashable values (JSON lists) are converted every time."""
    if process is None:
        return None
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = process(value)
            return result
        except TypeError:
            return process(value)

    return convert


def _processor(column_type: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Any:
    """Return the function that turns a Python value into what the driver stores, or None.

    The dialect's own implementation of the type decides (a generic DateTime has no processor,
    SQLite's stores text in its own format): rows written here must be stored exactly like
    rows the ORM writes. SQLite's JSON is serialised directly, skipping SQLAlchemy's wrapper,
    and every other processor is memoised (dates and the batch timestamp repeat).
    """
    if dialect.name == "sqlite" and isinstance(column_type, sa.JSON):
        return json_dumps
    return _memoised(column_type.dialect_impl(dialect).bind_processor(dialect))


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class Writer:
    """Writes validated records inside one session; history rows are flushed at the end."""

    def __init__(
        self, session: Session, reference: Reference, actor: str, batch_id: int | None = None
    ) -> None:
        self.session = session
        self.reference = reference
        self.actor = actor
        self.batch_id = batch_id
        self._history: list[dict[str, Any]] = []
        # One moment for everything one writer does: an import happens at one time, and equal
        # timestamps let the bind processors below run once instead of once per row.
        self.now = utcnow()
        self._created: dict[tuple[str, int], dict[str, Any]] = {}
        self._names: dict[str, dict[int, str]] = {}

    # --- history --------------------------------------------------------------------------

    def record(
        self, entity: str, entity_id: int, label: str, action: ChangeAction, changes: dict[str, Any]
    ) -> None:
        """Queue a Change row; written by flush_history()."""
        row = {
            "at": self.now,
            "actor": self.actor,
            "entity": entity,
            "entity_id": entity_id,
            "label": label[:300],
            "action": action.value,
            "changes": changes,
            "batch_id": self.batch_id,
        }
        self._history.append(row)
        if action is ChangeAction.CREATE:
            self._created[(entity, entity_id)] = row

    def flush_history(self) -> None:
        """Write the queued Change rows in bulk."""
        self._insert(Change, self._history)
        self._history.clear()
        self._created.clear()

    # --- set-based statements ----------------------------------------------------------
    # Core statements on the tables, not ORM bulk operations: the ORM's per-row bookkeeping
    # costs more than the database work at 20,000 rows.

    def _insert(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows with one driver-level executemany.

        Values go through each column type's own bind processor, so they are stored exactly as
        SQLAlchemy would store them; what is skipped is its per-row statement bookkeeping, which
        costs more than the database's work at 20,000 rows.
        """
        if not rows:
            return
        table: sa.Table = model.__table__  # type: ignore[attr-defined]
        connection = self.session.connection()
        dialect = connection.dialect
        names = list(rows[0])
        processors = [_processor(table.c[name].type, dialect) for name in names]
        quote = dialect.identifier_preparer.quote
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = (
            f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(quote(n) for n in names)}) VALUES ({', '.join([marker] * len(names))})"
        )
        # Take every row's values in one C-level call, then convert only the columns whose type
        # has a bind processor (dates, JSON, money): most columns need none.
        getter = operator.itemgetter(*names)
        try:
            data = (
                [list(getter(row)) for row in rows]
                if len(names) > 1
                else [[getter(row)] for row in rows]
            )
        except KeyError:  # rows of uneven shape: missing keys are NULL
            data = [[row.get(name) for name in names] for row in rows]
        for index, process in enumerate(processors):
            if process is None:
                continue
            convert = process
            for values in data:
                value = values[index]
                if value is not None:
                    values[index] = convert(value)
        connection.exec_driver_sql(sql, [tuple(values) for values in data])

    def _insert_returning_ids(
        self, model: type[SQLModel], rows: Sequence[dict[str, Any]]
    ) -> list[int]:
        """Insert rows and return their new ids, in the order of the rows.

        The ids are reserved first and inserted explicitly: SQLite cannot return the ids of a
        multi-row insert in order, and falls back to one statement per row.
        """
        if not rows:
            return []
        ids = self._reserve_ids(model, len(rows))
        self._insert(model, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
        return ids

    def _reserve_ids(self, model: type[SQLModel], count: int) -> list[int]:
        table = model.__table__  # type: ignore[attr-defined]
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # Sequences hand out ids safely to concurrent transactions.
            stmt = sa.text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :count)"
            )
            return list(connection.execute(stmt, {"table": table.name, "count": count}).scalars())
        # SQLite: writers hold the database's write lock (BEGIN IMMEDIATE), so the highest id
        # cannot move under us; this is the id SQLite itself would assign next.
        highest = connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
        return list(range(highest + 1, highest + 1 + count))

    def _update_by_id(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        """Update rows by primary key; rows changing the same columns share one statement."""
        table = model.__table__  # type: ignore[attr-defined]
        connection = self.session.connection()
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
        for columns, group in groups.items():
            stmt = (
                table.update()
                .where(table.c.id == sa.bindparam("row_id"))
                .values({c: sa.bindparam(f"new_{c}") for c in columns})
            )
            params = [{"row_id": r["id"], **{f"new_{c}": r[c] for c in columns}} for r in group]
            for chunk in _chunks(params):
                connection.execute(stmt, list(chunk))

    # --- vendors and owners ---------------------------------------------------------------

    def _ensure_named(
        self,
        model: type[Vendor] | type[Owner],
        names: Iterable[str],
        emails: dict[str, str] | None = None,
    ) -> dict[str, int]:
        """Return ids by key for these names, creating the vendors or owners that are new.

        New owners get their email when one is known, and "team" as kind when the name says so.
        """
        key_of = vendor_key if model is Vendor else name_key
        wanted = {key_of(n): " ".join(n.split()) for n in names if n and n.strip()}
        if not wanted:
            return {}
        found: dict[str, int] = {}
        keys = list(wanted)
        for chunk in _chunks(keys):
            rows = self.session.execute(
                sa.select(col(model.id), col(model.key)).where(col(model.key).in_(chunk))
            )
            found.update({k: i for i, k in rows})
        missing = [k for k in keys if k not in found]
        if missing:
            now = self.now
            created: list[dict[str, Any]] = [
                {"name": wanted[k], "key": k, "created_at": now} for k in missing
            ]
            if model is Owner:
                for row in created:
                    row["email"] = (emails or {}).get(row["key"])
                    row["kind"] = owner_kind(row["name"]).value
            new_ids = self._insert_returning_ids(model, created)
            for entity_id, key in zip(new_ids, missing, strict=True):
                found[key] = entity_id
                self._names.setdefault(model.__name__, {})[entity_id] = wanted[key]
                self.record(
                    str(model.__tablename__),
                    entity_id,
                    wanted[key],
                    ChangeAction.CREATE,
                    {"name": [None, wanted[key]]},
                )
        return found

    # --- tools ----------------------------------------------------------------------------

    def check_tool(self, fields: ToolFields) -> ToolFields:
        """Return fields with category and capabilities as reference slugs (display names are
        accepted); raise InvalidValueError for anything the reference model lacks."""
        ref = self.reference
        given = set(fields.model_fields_set)
        if fields.category is not None:
            fields.category = ref.subcategory_slug(fields.category) or fields.category
        fields.capabilities = [ref.capability_slug(c) or c for c in fields.capabilities]
        fields.__pydantic_fields_set__ = given
        if fields.category is not None and fields.category not in ref.subcategories:
            raise InvalidValueError(
                f"unknown category {fields.category!r} for {fields.name}; "
                "see `stackmap reference categories`"
            )
        for capability in fields.capabilities:
            if capability not in ref.capabilities:
                raise InvalidValueError(
                    f"unknown capability {capability!r} for {fields.name}; "
                    "see `stackmap reference capabilities`"
                )
        stages = {s.slug for s in ref.journey}
        for stage in fields.journey_stages:
            if stage not in stages:
                raise InvalidValueError(
                    f"unknown journey stage {stage!r} for {fields.name}; "
                    f"use one of {', '.join(sorted(stages))}"
                )
        return fields

    def _with_library(
        self, fields: ToolFields, product_name: str | None = None
    ) -> tuple[ToolFields, str | None, set[str]]:
        """Fill vendor, category, capabilities and website from the product library.

        Returns the completed fields, the library product's name and the names of the fields
        the library filled (which only ever fill blanks, never overwrite a person's value).
        """
        product = self.reference.product(product_name or fields.name)
        if product is None:
            return fields, None, set()
        given = fields.model_fields_set
        fill: dict[str, Any] = {}
        if "vendor" not in given or fields.vendor is None:
            fill["vendor"] = product.vendor
        if "category" not in given or fields.category is None:
            fill["category"] = product.category
        if not fields.capabilities:
            fill["capabilities"] = list(product.capabilities)
        if ("website" not in given or fields.website is None) and product.website:
            fill["website"] = product.website
        updated = fields.model_copy(update=fill)
        # model_copy keeps the original fields_set; mark the filled fields as given.
        updated.__pydantic_fields_set__ = set(given) | set(fill)
        return updated, product.name, set(fill)

    def upsert_tools(
        self,
        records: Sequence[ToolRecord],
        *,
        create_only: bool = False,
        update_only: bool = False,
        match_product: bool = True,
    ) -> list[Outcome]:
        """Create or update tools by name (or by library product), with contracts and capabilities.

        Returns one Outcome per record, in order; records naming one tool twice are merged, the
        later values winning. create_only raises DuplicateError for a tool that exists;
        update_only raises NotFoundError for one that does not. match_product=False matches by
        name only, for a deliberate second instance of a product.
        """
        prepared = []
        for record in records:
            fields, product, filled = self._with_library(record.fields, record.product)
            fields = self.check_tool(fields)
            prepared.append((record, fields, product, filled))

        vendor_ids = self._ensure_named(Vendor, (f.vendor for _, f, _, _ in prepared if f.vendor))
        owner_ids = self._ensure_named(
            Owner,
            [n for _, f, _, _ in prepared for n in (f.business_owner, f.technical_owner) if n],
            emails={
                name_key(f.business_owner): f.business_owner_email
                for _, f, _, _ in prepared
                if f.business_owner and f.business_owner_email
            },
        )
        existing = self._existing_tools(
            [(name_key(f.name), p if match_product else None) for _, f, p, _ in prepared]
        )

        outcomes: list[Outcome] = []
        new_rows: dict[str, dict[str, Any]] = {}  # key -> insert row, for in-batch merging
        owner_of: list[str] = []  # the key of the tool each record lands on
        updates: dict[int, dict[str, Any]] = {}
        capabilities: list[tuple[str, str, str | None]] = []  # tool key, capability, source
        for record, fields, product, filled in prepared:
            key = name_key(fields.name)
            current = existing.get(key) or (existing.get(f"product:{product}") if product else None)
            values = self._tool_values(fields, product, vendor_ids, owner_ids)
            if current is None:
                if update_only:
                    raise NotFoundError(f"no tool named {fields.name!r} in the catalog")
                if key in new_rows:
                    if create_only:
                        raise DuplicateError(f"{fields.name!r} is given twice")
                    new_rows[key].update(values)
                    outcomes.append(
                        Outcome(new_rows[key]["name"], "created", {}, record.source_row)
                    )
                else:
                    new_rows[key] = {"name": fields.name, "key": key, **self._defaults(), **values}
                    outcomes.append(Outcome(fields.name, "created", {}, record.source_row))
                owner_of.append(key)
                capabilities += [(key, c, s) for c, s in self._capabilities(fields, filled)]
                continue
            if create_only:
                if current.key == key:
                    raise DuplicateError(f"{current.name!r} is already in the catalog")
                raise DuplicateError(
                    f"{fields.name!r} is {product}, already in the catalog as {current.name!r}"
                )
            assert current.id is not None
            # What the library suggests only fills blanks on a tool people already described.
            column_of = {"vendor": "vendor_id", "category": "category", "website": "website"}
            for name in filled & column_of.keys():
                if getattr(current, column_of[name]) is not None:
                    values.pop(column_of[name], None)
            capabilities += [(current.key, c, s) for c, s in self._capabilities(fields, filled)]
            changes = {
                k: [getattr(current, k), v] for k, v in values.items() if getattr(current, k) != v
            }
            owner_of.append(current.key)
            if changes:
                updates.setdefault(current.id, {"id": current.id}).update(
                    {k: v[1] for k, v in changes.items()}, updated_at=self.now
                )
                self.record(
                    "tool", current.id, current.name, ChangeAction.UPDATE, self._readable(changes)
                )
            outcomes.append(
                Outcome(
                    current.name,
                    "updated" if changes else "unchanged",
                    self._readable(changes),
                    record.source_row,
                )
            )
            # Two records for one tool in one batch: the second sees the first's values.
            for k, (_, new) in changes.items():
                setattr(current, k, new)
            existing[current.key] = current

        ids: dict[str, int] = {
            k: t.id
            for k, t in existing.items()
            if t.id is not None and not k.startswith("product:")
        }
        pending = list(new_rows.values())
        for row, tool_id in zip(pending, self._insert_returning_ids(Tool, pending), strict=True):
            ids[row["key"]] = tool_id
            created = {
                k: [None, v]
                for k, v in row.items()
                if v not in (None, [], {}) and k not in ("key", "created_at", "updated_at")
            }
            self.record("tool", tool_id, row["name"], ChangeAction.CREATE, self._readable(created))
        self._update_by_id(Tool, list(updates.values()))

        tool_ids = [ids[k] for k in owner_of]
        labels = {tool_ids[i]: o.label for i, o in enumerate(outcomes)}
        self._add_capabilities([(ids[k], c, s) for k, c, s in capabilities], labels)
        self._upsert_contracts(
            [
                (tool_ids[i], outcomes[i], r.contract)
                for i, (r, _, _, _) in enumerate(prepared)
                if r.contract is not None
                # An edit may empty a term (given as None); an import's empty row is no contract.
                and (not r.contract.is_empty() or (update_only and r.contract.model_fields_set))
            ]
        )
        return outcomes

    def _readable(self, changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Return changes with vendor and owner ids replaced by their names, for the history."""
        readable = {}
        for column, (old, new) in changes.items():
            model: type[Vendor] | type[Owner] | None = None
            if column == "vendor_id":
                model = Vendor
            elif column.endswith("owner_id"):
                model = Owner
            if model is None:
                readable[column] = [old, new]
            else:
                readable[column.removesuffix("_id")] = [
                    self._name_of(model, old),
                    self._name_of(model, new),
                ]
        return readable

    def _name_of(self, model: type[Vendor] | type[Owner], entity_id: int | None) -> str | None:
        if entity_id is None:
            return None
        cache = self._names.setdefault(model.__name__, {})
        if entity_id not in cache:
            cache[entity_id] = self.session.execute(
                sa.select(col(model.name)).where(col(model.id) == entity_id)
            ).scalar_one()
        return cache[entity_id]

    def _defaults(self) -> dict[str, Any]:
        # Every insert row carries every column, so one executemany (and its RETURNING order)
        # covers the whole batch.
        now = self.now
        return {
            "vendor_id": None,
            "description": None,
            "category": None,
            "website": None,
            "notes": None,
            "disposition": None,
            "decision_note": None,
            "decided_by": None,
            "decided_at": None,
            "business_owner_id": None,
            "technical_owner_id": None,
            "library_product": None,
            "business_units": [],
            "tags": [],
            "journey_stages": [],
            "extra": {},
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }

    def _tool_values(
        self,
        fields: ToolFields,
        product: str | None,
        vendors: dict[str, int],
        owners: dict[str, int],
    ) -> dict[str, Any]:
        given = fields.model_fields_set
        values: dict[str, Any] = {}
        for name in _PLAIN_FIELDS:
            if name in given:
                value = getattr(fields, name)
                values[name] = value.value if hasattr(value, "value") else value
        if "extra" in values and not values["extra"]:
            del values["extra"]
        if "vendor" in given:
            values["vendor_id"] = vendors.get(vendor_key(fields.vendor)) if fields.vendor else None
        for attr, column in (
            ("business_owner", "business_owner_id"),
            ("technical_owner", "technical_owner_id"),
        ):
            if attr in given:
                owner = getattr(fields, attr)
                values[column] = owners.get(name_key(owner)) if owner else None
        if product is not None:
            values["library_product"] = product
        return values

    def _existing_tools(self, wanted: list[tuple[str, str | None]]) -> dict[str, Tool]:
        keys = sorted({k for k, _ in wanted})
        products = sorted({p for _, p in wanted if p})
        found: dict[str, Tool] = {}
        for chunk in _chunks(keys):
            for tool in self.session.exec(select(Tool).where(col(Tool.key).in_(chunk))):
                found[tool.key] = tool
        by_product: dict[str, list[Tool]] = {}
        for chunk in _chunks(products):
            stmt = select(Tool).where(col(Tool.library_product).in_(chunk))
            for tool in self.session.exec(stmt):
                by_product.setdefault(tool.library_product or "", []).append(tool)
        for product, tools in by_product.items():
            # Only an unambiguous match: two tools of one product (two orgs) are not merged.
            if len(tools) == 1:
                found[f"product:{product}"] = found.get(tools[0].key, tools[0])
        return found

    def _capabilities(self, fields: ToolFields, filled: set[str]) -> list[tuple[str, str | None]]:
        """The capabilities a record brings, each with its source: None when given; "library"
        when the product library filled them; "category" when only the tool's category says
        what it does (a landscape subcategory's usual capabilities)."""
        if fields.capabilities:
            source = "library" if "capabilities" in filled else None
            return [(c, source) for c in fields.capabilities]
        sub = self.reference.subcategories.get(fields.category or "")
        return [(c, "category") for c in sub.capabilities] if sub is not None else []

    def _add_capabilities(
        self, rows: list[tuple[int, str, str | None]], labels: dict[int, str]
    ) -> None:
        """Record capabilities: given ones are added to what a tool has (an import never removes
        one a person recorded) and replace stackmap's inferred ones; inferred ones are used only
        by tools with nothing given, and replace the earlier inference."""
        rows = list(dict.fromkeys(rows))
        if not rows:
            return
        existing: dict[int, dict[str, str | None]] = {}
        tool_ids = sorted({t for t, _, _ in rows})
        for chunk in _chunks(tool_ids):
            stmt = sa.select(
                col(ToolCapability.tool_id),
                col(ToolCapability.capability),
                col(ToolCapability.source),
            ).where(col(ToolCapability.tool_id).in_(chunk))
            for tool_id, capability, source in self.session.execute(stmt):
                existing.setdefault(tool_id, {})[capability] = source
        arriving: dict[int, dict[str, str | None]] = {}
        for tool_id, capability, source in rows:
            held = arriving.setdefault(tool_id, {})
            if capability not in held or source is None:
                held[capability] = source
        delete: list[int] = []
        insert: list[dict[str, Any]] = []
        for tool_id, caps in arriving.items():
            had = existing.get(tool_id, {})
            given = {c: s for c, s in caps.items() if s is None}
            had_given = {c for c, s in had.items() if s is None}
            wanted: dict[str, str | None]
            if given:
                wanted = {**dict.fromkeys(had_given), **given}
            elif had_given:
                continue  # a person's list is never replaced by a guess
            else:
                wanted = caps
            if wanted == had:
                continue
            delete.append(tool_id)
            insert += [
                {"tool_id": tool_id, "capability": c, "source": s}
                for c, s in sorted(wanted.items())
            ]
            changes: dict[str, list[Any]] = {"capabilities": [sorted(had) or None, sorted(wanted)]}
            sources = {s for s in wanted.values() if s is not None}
            if sources:
                changes["capabilities_inferred_from"] = [None, ", ".join(sorted(sources))]
            created = self._created.get(("tool", tool_id))
            if created is not None:
                created["changes"].update(changes)
                continue
            self.record(
                "tool", tool_id, labels.get(tool_id, str(tool_id)), ChangeAction.UPDATE, changes
            )
        for chunk in _chunks(delete):
            self.session.execute(
                sa.delete(ToolCapability).where(col(ToolCapability.tool_id).in_(chunk))
            )
        self._insert(ToolCapability, insert)

    def set_capabilities(self, tool_id: int, label: str, capabilities: list[str]) -> None:
        """Replace a tool's capabilities with exactly this list, recording what changed."""
        current = set(
            self.session.execute(
                sa.select(col(ToolCapability.capability)).where(
                    col(ToolCapability.tool_id) == tool_id
                )
            ).scalars()
        )
        wanted = set(capabilities)
        if current == wanted:
            return
        self.session.execute(
            sa.delete(ToolCapability).where(col(ToolCapability.tool_id) == tool_id)
        )
        self._insert(
            ToolCapability, [{"tool_id": tool_id, "capability": c} for c in sorted(wanted)]
        )
        self.record(
            "tool",
            tool_id,
            label,
            ChangeAction.UPDATE,
            {"capabilities": [sorted(current), sorted(wanted)]},
        )

    def set_decisions(
        self, decisions: Sequence[tuple[int, str, dict[str, Any], dict[str, Any]]]
    ) -> None:
        """Record people's decisions: (tool id, label, new values, old values) per tool.

        Values are disposition, decided_by and decision_note; the decision's time is now.
        """
        rows = []
        for tool_id, label, new, old in decisions:
            rows.append({"id": tool_id, **new, "decided_at": self.now, "updated_at": self.now})
            changes = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}
            self.record("tool", tool_id, label, ChangeAction.UPDATE, changes)
        self._update_by_id(Tool, rows)

    # --- contracts ------------------------------------------------------------------------

    def _upsert_contracts(self, items: list[tuple[int, Outcome, ContractFields]]) -> None:
        tool_ids = sorted({t for t, _, _ in items})
        existing: dict[int, list[Contract]] = {}
        for chunk in _chunks(tool_ids):
            stmt = select(Contract).where(col(Contract.tool_id).in_(chunk))
            for contract in self.session.exec(stmt):
                existing.setdefault(contract.tool_id, []).append(contract)
        inserts: list[tuple[Outcome, dict[str, Any]]] = []
        updates: list[dict[str, Any]] = []
        for tool_id, outcome, terms in items:
            values = self._contract_values(terms)
            match = _matching_contract(existing.get(tool_id, []), terms)
            if match is None and all(v is None for v in values.values()):
                continue  # emptying a term of a contract that does not exist: nothing to do
            if match is None:
                now = self.now
                inserts.append(
                    (
                        outcome,
                        {
                            "tool_id": tool_id,
                            "created_at": now,
                            "updated_at": now,
                            **dict.fromkeys(_CONTRACT_FIELDS),
                            **values,
                        },
                    )
                )
                continue
            changes = {
                k: [getattr(match, k), v] for k, v in values.items() if getattr(match, k) != v
            }
            if changes:
                updates.append(
                    {
                        "id": match.id,
                        **{k: v[1] for k, v in changes.items()},
                        "updated_at": self.now,
                    }
                )
                for k, (_, new) in changes.items():
                    setattr(match, k, new)
                assert match.id is not None
                self.record("contract", match.id, outcome.label, ChangeAction.UPDATE, changes)
                outcome.changes.update({f"contract.{k}": v for k, v in changes.items()})
                if outcome.action == "unchanged":
                    outcome.action = "updated"
        new_ids = self._insert_returning_ids(Contract, [row for _, row in inserts])
        for (outcome, row), contract_id in zip(inserts, new_ids, strict=True):
            created = {
                k: [None, v] for k, v in row.items() if k in _CONTRACT_FIELDS and v is not None
            }
            tool_record = self._created.get(("tool", row["tool_id"]))
            if tool_record is not None:
                # A new tool's first contract is part of its creation: one history entry.
                tool_record["changes"].update({f"contract.{k}": v for k, v in created.items()})
            else:
                self.record("contract", contract_id, outcome.label, ChangeAction.CREATE, created)
            if outcome.action == "unchanged":
                outcome.action = "updated"
                outcome.changes.update({f"contract.{k}": v for k, v in created.items()})
        self._update_by_id(Contract, updates)

    @staticmethod
    def _contract_values(terms: ContractFields) -> dict[str, Any]:
        given = terms.model_fields_set
        values: dict[str, Any] = {}
        for name in _CONTRACT_FIELDS:
            if name in given:
                value = getattr(terms, name)
                values[name] = value.value if hasattr(value, "value") else value
        annual = terms.annualised()
        if annual is not None:
            values["annual_cost"] = annual
        return values

    # --- spend ----------------------------------------------------------------------------

    def replace_untied_spend(
        self, period_start: date, period_end: date, rows: Sequence[dict[str, Any]]
    ) -> None:
        """Record the martech-looking suppliers a report paid that no tool could be tied to,
        replacing what an earlier import of the same period recorded (a supplier tied since is
        no longer listed)."""
        table: sa.Table = UntiedSpend.__table__  # type: ignore[attr-defined]
        self.session.execute(
            sa.delete(table).where(
                table.c.period_start == period_start, table.c.period_end == period_end
            )
        )
        if rows:
            stamped = [{**row, "batch_id": self.batch_id, "created_at": self.now} for row in rows]
            self.session.execute(sa.insert(table), stamped)

    def upsert_spend(self, rows: Sequence[dict[str, Any]]) -> list[Outcome]:
        """Record actual spend per tool and period; the same report imported again changes nothing.

        Each row names its tool by catalog name and carries supplier, currency, amount,
        annual_amount, period_start, period_end and invoices.
        """
        names = sorted({name_key(r["tool"]) for r in rows})
        ids: dict[str, int] = {}
        for chunk in _chunks(names):
            stmt = sa.select(col(Tool.key), col(Tool.id)).where(col(Tool.key).in_(chunk))
            ids.update({str(k): int(i) for k, i in self.session.execute(stmt)})
        table: sa.Table = ToolSpend.__table__  # type: ignore[attr-defined]
        existing = {
            (r.tool_id, r.supplier_key, r.currency, r.period_start, r.period_end): r
            for r in self.session.execute(
                sa.select(table).where(table.c.tool_id.in_(list(ids.values()) or [-1]))
            )
        }
        outcomes, inserts, updates = [], [], []
        now = self.now
        for row in rows:
            tool_id = ids.get(name_key(row["tool"]))
            if tool_id is None:
                raise NotFoundError(f"no tool named {row['tool']!r} in the catalog")
            key = (
                tool_id,
                vendor_key(row["supplier"]),
                row["currency"],
                row["period_start"],
                row["period_end"],
            )
            values = {
                "amount": row["amount"],
                "annual_amount": row["annual_amount"],
                "annualised_by": row.get("annualised_by"),
                "invoices": row["invoices"],
            }
            label = f"{row['tool']} ← {row['supplier']}"
            current = existing.get(key)
            if current is None:
                inserts.append(
                    {
                        "tool_id": tool_id,
                        "supplier": row["supplier"],
                        "supplier_key": key[1],
                        "currency": row["currency"],
                        "period_start": row["period_start"],
                        "period_end": row["period_end"],
                        "batch_id": self.batch_id,
                        "created_at": now,
                        "updated_at": now,
                        **values,
                    }
                )
                outcomes.append(
                    Outcome(label, "created", {k: [None, v] for k, v in values.items()})
                )
                continue
            changes = {
                k: [getattr(current, k), v] for k, v in values.items() if getattr(current, k) != v
            }
            if changes:
                updates.append({"id": current.id, **values, "updated_at": now})
                self.record("spend", current.id, label, ChangeAction.UPDATE, changes)
            outcomes.append(Outcome(label, "updated" if changes else "unchanged", changes))
        new_ids = self._insert_returning_ids(ToolSpend, inserts)
        for row, spend_id, outcome in zip(
            inserts, new_ids, [o for o in outcomes if o.action == "created"], strict=True
        ):
            self.record(
                "spend",
                spend_id,
                outcome.label,
                ChangeAction.CREATE,
                {
                    "supplier": [None, row["supplier"]],
                    "currency": [None, row["currency"]],
                    "period": [None, f"{row['period_start']} to {row['period_end']}"],
                    **outcome.changes,
                },
            )
        self._update_by_id(ToolSpend, updates)
        return outcomes

    # --- integrations ---------------------------------------------------------------------

    def upsert_integrations(self, records: Sequence[IntegrationFields]) -> list[Outcome]:
        """Create or update integrations keyed by (source, target, method)."""
        names = {name_key(n) for r in records for n in (r.source, r.target)}
        tools: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(sorted(names)):
            rows = self.session.execute(
                sa.select(col(Tool.key), col(Tool.id), col(Tool.name)).where(
                    col(Tool.key).in_(chunk)
                )
            )
            tools.update({k: (i, n) for k, i, n in rows})
        owner_ids = self._ensure_named(Owner, [r.owner for r in records if r.owner])
        resolved = []
        for record in records:
            ends = []
            for end in (record.source, record.target):
                if name_key(end) not in tools:
                    raise NotFoundError(f"no tool named {end!r} in the catalog")
                ends.append(tools[name_key(end)])
            if ends[0][0] == ends[1][0]:
                raise InvalidValueError(f"{record.source!r} cannot integrate with itself")
            resolved.append((record, ends[0], ends[1]))

        existing: dict[tuple[int, int, str], Integration] = {}
        # Links from either end, so a pair already linked the other way round is seen too.
        end_ids = sorted({e[0] for _, s, t in resolved for e in (s, t)})
        for chunk in _chunks(end_ids):
            stmt = select(Integration).where(col(Integration.source_tool_id).in_(chunk))
            for link in self.session.exec(stmt):
                existing[(link.source_tool_id, link.target_tool_id, link.method)] = link
        linked = {frozenset((s, t)) for s, t, _ in existing}
        outcomes: list[Outcome] = []
        inserts: list[tuple[str, dict[str, Any]]] = []
        updates: list[dict[str, Any]] = []
        for record, (source_id, source), (target_id, target) in resolved:
            label = f"{source} → {target}"
            values = {
                k: _plain(getattr(record, k))
                for k in _INTEGRATION_FIELDS
                if k in record.model_fields_set
            }
            if "owner" in record.model_fields_set:
                values["owner_id"] = owner_ids.get(name_key(record.owner)) if record.owner else None
            method = record.method.value
            current = existing.get((source_id, target_id, method))
            if current is None and method == IntegrationMethod.UNKNOWN:
                if frozenset((source_id, target_id)) in linked:
                    # "Connected apps" says what the catalog already knows in more detail.
                    outcomes.append(Outcome(label, "unchanged"))
                    continue
            elif current is None:
                current = existing.pop(
                    (source_id, target_id, IntegrationMethod.UNKNOWN.value), None
                )
                if current is not None:  # a link known only vaguely now says how it works
                    values["method"] = method
                    existing[(source_id, target_id, method)] = current
            if current is None:
                now = self.now
                row: dict[str, Any] = {
                    "source_tool_id": source_id,
                    "target_tool_id": target_id,
                    "method": record.method.value,
                    "direction": record.direction.value,
                    "status": record.status.value,
                    "data_objects": [],
                    "frequency": None,
                    "owner_id": None,
                    "notes": None,
                    "created_at": now,
                    "updated_at": now,
                    **values,
                }
                inserts.append((label, row))
                outcomes.append(Outcome(label, "created"))
                continue
            changes = {
                k: [getattr(current, k), v] for k, v in values.items() if getattr(current, k) != v
            }
            if changes:
                updates.append(
                    {
                        "id": current.id,
                        **{k: v[1] for k, v in changes.items()},
                        "updated_at": self.now,
                    }
                )
                assert current.id is not None
                self.record("integration", current.id, label, ChangeAction.UPDATE, changes)
                for k, (_, new) in changes.items():
                    setattr(current, k, new)
            outcomes.append(
                Outcome(label, "updated" if changes else "unchanged", self._readable(changes))
            )
        # The same route twice in one batch: keep the last, as a spreadsheet reader would expect.
        unique: dict[tuple[int, int, str], tuple[str, dict[str, Any]]] = {}
        for label, row in inserts:
            unique[(row["source_tool_id"], row["target_tool_id"], row["method"])] = (label, row)
        pending = list(unique.values())
        new_ids = self._insert_returning_ids(Integration, [row for _, row in pending])
        for (label, row), integration_id in zip(pending, new_ids, strict=True):
            created = {
                k: [None, v]
                for k, v in row.items()
                if k in ("method", *_INTEGRATION_FIELDS) and v not in (None, [])
            }
            self.record("integration", integration_id, label, ChangeAction.CREATE, created)
        self._update_by_id(Integration, updates)
        return outcomes


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _matching_contract(contracts: list[Contract], terms: ContractFields) -> Contract | None:
    """Return the contract these terms update: the one starting on the same day, else the latest.

    A new start date that differs from every recorded one is a new contract (a renewal signed
    on new terms); terms without a start date update the most recent contract.
    """
    if not contracts:
        return None
    if terms.start_date is not None:
        for contract in contracts:
            if contract.start_date == terms.start_date:
                return contract
        if all(c.start_date is not None for c in contracts):
            return None
    return max(contracts, key=lambda c: (c.start_date or c.created_at.date(), c.id or 0))
