"""Tools: created or updated by name (or library product), with their capabilities and
people's decisions; their contracts go through ContractWrites."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from stackmap.domain import ChangeAction, name_key, vendor_key
from stackmap.errors import DuplicateError, InvalidValueError, NotFoundError
from stackmap.models import (
    Owner,
    Tool,
    ToolCapability,
    Vendor,
)
from stackmap.reference import Product
from stackmap.schemas import ToolFields, ToolRecord
from stackmap.store import sql
from stackmap.store.base import JsonTexts, Outcome, plain, plain_columns
from stackmap.store.behind import behind
from stackmap.store.contracts import ContractWrites
from stackmap.store.sql import among, chunks

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


# A new tool's history shows what it was given: no empty list or mapping, no bookkeeping.
_EMPTY_KINDS = frozenset({list, dict})
# The empty values of every new tool row: one list and one dict, so that each JSON column
# stores them once (sql._converted), not 20,000 times. Rows never change them in place: a
# record's values replace them.
_NO_LIST: list[Any] = []
_NO_DICT: dict[str, Any] = {}
_UNSHOWN = frozenset({"key", "created_at", "updated_at"})


class ToolWrites(ContractWrites):
    """Upserts of tools, their capabilities and decisions."""

    @cached_property
    def _stages(self) -> frozenset[str]:
        """The journey stages' slugs (checked for every tool a batch writes)."""
        return frozenset(s.slug for s in self.reference.journey)

    def check_tool(self, fields: ToolFields) -> ToolFields:
        """Return fields with category and capabilities as reference slugs (display names are
        accepted); raise InvalidValueError for anything the reference model lacks."""
        ref = self.reference
        given = set(fields.model_fields_set)
        # Assigned only when they change: a model's __setattr__ runs in Python, and marks the
        # field given (hence the restore below), for each of 20,000 tools in an import.
        changed = False
        if fields.category is not None:
            slug = ref.subcategory_slug(fields.category) or fields.category
            if slug != fields.category:
                fields.category, changed = slug, True
        capabilities = [ref.capability_slug(c) or c for c in fields.capabilities]
        if capabilities != fields.capabilities:
            fields.capabilities, changed = capabilities, True
        if changed:
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
        stages = self._stages
        for stage in fields.journey_stages:
            if stage not in stages:
                raise InvalidValueError(
                    f"unknown journey stage {stage!r} for {fields.name}; "
                    f"use one of {', '.join(sorted(stages))}"
                )
        return fields

    def _prepared(self, record: ToolRecord, product: Product | None) -> _Prepared:
        """A record with the library's suggestions applied and its values checked."""
        fields, name, filled = self._with_library(record.fields, product)
        return _Prepared(record, self.check_tool(fields), name, filled)

    def _with_library(
        self, fields: ToolFields, product: Product | None
    ) -> tuple[ToolFields, str | None, set[str]]:
        """Fill vendor, category, capabilities and website from the product library.

        Returns the completed fields, the library product's name and the names of the fields
        the library filled (which only ever fill blanks, never overwrite a person's value).
        """
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
        between: Callable[[dict[str, tuple[int, str]]], None] | None = None,
    ) -> list[Outcome]:
        """Create or update tools by name (or by library product), with contracts and capabilities.

        Returns one Outcome per record, in order; records naming one tool twice are merged, the
        later values winning. create_only raises DuplicateError for a tool that exists;
        update_only raises NotFoundError for one that does not. match_product=False matches by
        name only, for a deliberate second instance of a product.

        between, when given, runs once the tools' ids are known, before their capabilities
        and contracts (and, with writes behind, before their own rows): an import writes its
        links there, so that the links' rows are on their way to the database (see
        store.behind) while the tools' rows, capabilities, contracts and history are worked
        out. It is given the (id, name) of every tool the batch created or matched, by key:
        what a read of the catalog would say of them, without waiting for their rows to be
        written.
        """
        products = [self.reference.product(r.product or r.fields.name) for r in records]
        vendor_ids, owner_ids = self._vendors_and_owners(records, products)
        keys = [name_key(r.fields.name) for r in records]
        existing = self._existing_tools(
            [
                (k, p.name if p is not None and match_product else None)
                for k, p in zip(keys, products, strict=True)
            ]
        )
        batch = _Batch()
        connection = self.session.connection()
        writes = behind(connection) if between is not None else None
        if writes is not None and not existing and not update_only:
            # Every tool is new, so working out their rows records no history: the links go
            # to the writer thread first, as soon as the tools' ids are reserved, and it
            # writes them while the tools' values are worked out and checked (the foreign
            # keys are checked as the transaction commits: SQLite's own switch, off at its
            # end).
            assert between is not None
            names: dict[str, str] = {}
            for key, record in zip(keys, records, strict=True):
                names.setdefault(key, record.fields.name)
            ids = self._tool_ids(names, existing)
            held = self.held_history(len(names))
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            between({k: (ids[k], name) for k, name in names.items()})
            prepared = list(map(self._prepared, records, products))
            self._gather(batch, prepared, keys, existing, vendor_ids, owner_ids, create_only)
            self._write_tools(batch, ids)
        else:
            prepared = list(map(self._prepared, records, products))
            self._gather(
                batch, prepared, keys, existing, vendor_ids, owner_ids, create_only, update_only
            )
            ids = self._tool_ids(batch.new_rows, existing)
            # The new tools' history is worked out while the links' rows are written, in
            # the place it would have had.
            held = self.held_history(len(batch.new_rows))
            if writes is not None:
                # The links first, as above: the writer thread starts on its longest insert
                # while the tools' rows are made ready.
                assert between is not None
                connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                between(self._written(batch, existing, ids))
                self._write_tools(batch, ids)
            else:
                self._write_tools(batch, ids)
                if between is not None:
                    between(self._written(batch, existing, ids))
        with self.recording_into(held):
            self._record_new(batch, ids)
        self._write_dependents(batch, ids, prepared, update_only)
        return batch.outcomes

    def _vendors_and_owners(
        self, records: Sequence[ToolRecord], products: list[Product | None]
    ) -> tuple[dict[str, int], dict[str, int]]:
        """The ids of the vendors and owners the records name, creating the new ones: a
        record's vendor, or its library product's when it gives none (as _with_library
        fills it)."""
        vendors = []
        for record, product in zip(records, products, strict=True):
            vendor = record.fields.vendor
            if product is not None and (
                vendor is None or "vendor" not in record.fields.model_fields_set
            ):
                vendor = product.vendor
            if vendor:
                vendors.append(vendor)
        vendor_ids = self._ensure_named(Vendor, vendors)
        fields = [r.fields for r in records]
        owner_ids = self._ensure_named(
            Owner,
            [n for f in fields for n in (f.business_owner, f.technical_owner) if n],
            emails={
                name_key(f.business_owner): f.business_owner_email
                for f in fields
                if f.business_owner and f.business_owner_email
            },
        )
        return vendor_ids, owner_ids

    def _add_new(
        self, batch: _Batch, item: _Prepared, key: str, values: dict[str, Any], create_only: bool
    ) -> None:
        """A tool the catalog lacks: one insert row, however many records name it."""
        if key in batch.new_rows:
            if create_only:
                raise DuplicateError(f"{item.fields.name!r} is given twice")
            batch.new_rows[key].update(values)
            label = batch.new_rows[key]["name"]
        else:
            batch.new_rows[key] = {
                "name": item.fields.name,
                "key": key,
                **self._defaults(),
                **values,
            }
            label = item.fields.name
        batch.outcomes.append(Outcome(label, "created", {}, item.record.source_row))
        batch.lands_on.append(key)
        batch.capabilities += [(key, c, s) for c, s in self._capabilities(item.fields, item.filled)]

    def _change_existing(
        self, batch: _Batch, item: _Prepared, current: _Tool, values: dict[str, Any]
    ) -> None:
        """A tool the catalog has: only the values that differ change, and are recorded."""
        assert current.id is not None
        # What the library suggests only fills blanks on a tool people already described.
        column_of = {"vendor": "vendor_id", "category": "category", "website": "website"}
        for name in item.filled & column_of.keys():
            if getattr(current, column_of[name]) is not None:
                values.pop(column_of[name], None)
        batch.capabilities += [
            (current.key, c, s) for c, s in self._capabilities(item.fields, item.filled)
        ]
        changes = {
            k: [getattr(current, k), v] for k, v in values.items() if getattr(current, k) != v
        }
        batch.lands_on.append(current.key)
        readable = self._readable(changes)
        if changes:
            batch.updates.setdefault(current.id, {"id": current.id}).update(
                {k: v[1] for k, v in changes.items()}, updated_at=self.now
            )
            self.record("tool", current.id, current.name, ChangeAction.UPDATE, readable)
        batch.outcomes.append(
            Outcome(
                current.name,
                "updated" if changes else "unchanged",
                readable,
                item.record.source_row,
            )
        )
        # Two records for one tool in one batch: the second sees the first's values.
        for k, (_, new) in changes.items():
            setattr(current, k, new)

    def _gather(
        self,
        batch: _Batch,
        prepared: list[_Prepared],
        keys: list[str],
        existing: dict[str, _Tool],
        vendor_ids: dict[str, int],
        owner_ids: dict[str, int],
        create_only: bool,
        update_only: bool = False,
    ) -> None:
        """Each record's tool into the batch: a new row, or the changes to a recorded tool."""
        for key, item in zip(keys, prepared, strict=True):
            values = self._tool_values(item.fields, item.product, vendor_ids, owner_ids)
            current = existing.get(key) or (
                existing.get(f"product:{item.product}") if item.product else None
            )
            if current is None:
                if update_only:
                    raise NotFoundError(f"no tool named {item.fields.name!r} in the catalog")
                self._add_new(batch, item, key, values, create_only)
            else:
                if create_only:
                    raise _already_there(item, key, current)
                self._change_existing(batch, item, current, values)
                existing[current.key] = current

    def _tool_ids(self, new: Collection[str], existing: dict[str, _Tool]) -> dict[str, int]:
        """Every tool's id by key: the catalog's, and those reserved for the new tools (by
        key, in order)."""
        ids: dict[str, int] = {
            k: t.id
            for k, t in existing.items()
            if t.id is not None and not k.startswith("product:")
        }
        if new:
            table = Tool.__table__  # type: ignore[attr-defined]
            reserved = sql.reserve_ids(self.session.connection(), table, len(new))
            ids.update(zip(new, reserved, strict=True))
        return ids

    def _write_tools(self, batch: _Batch, ids: dict[str, int]) -> None:
        """Insert the new tools, with their reserved ids, and update the changed ones."""
        pending = list(batch.new_rows.values())
        table = Tool.__table__  # type: ignore[attr-defined]
        sql.insert(self.session.connection(), table, pending, [ids[r["key"]] for r in pending])
        self._update_by_id(Tool, list(batch.updates.values()))

    @staticmethod
    def _written(
        batch: _Batch, existing: dict[str, _Tool], ids: dict[str, int]
    ) -> dict[str, tuple[int, str]]:
        """The (id, name) of every tool the batch created or matched, by key."""
        named = {k: t.name for k, t in existing.items() if not k.startswith("product:")}
        named.update((k, row["name"]) for k, row in batch.new_rows.items())
        return {k: (ids[k], name) for k, name in named.items()}

    def _record_new(self, batch: _Batch, ids: dict[str, int]) -> None:
        """The history of the tools the batch created: each with the values it was given,
        its vendor and owners by name (as _readable words them), made in one pass."""
        names = self._names_by_column(batch.new_rows.values())
        self.record_many(
            "tool",
            ChangeAction.CREATE,
            (
                (
                    ids[row["key"]],
                    row["name"],
                    {
                        k.removesuffix("_id") if k in names else k: [
                            None,
                            names[k][v] if k in names else v,
                        ]
                        for k, v in row.items()
                        if v is not None
                        and (v or v.__class__ not in _EMPTY_KINDS)
                        and k not in _UNSHOWN
                    },
                )
                for row in batch.new_rows.values()
            ),
        )

    def _write_dependents(
        self, batch: _Batch, ids: dict[str, int], prepared: list[_Prepared], update_only: bool
    ) -> None:
        """The capabilities and contracts of the tools just written."""
        tool_ids = [ids[k] for k in batch.lands_on]
        labels = {tool_ids[i]: o.label for i, o in enumerate(batch.outcomes)}
        self._add_capabilities([(ids[k], c, s) for k, c, s in batch.capabilities], labels)
        self._upsert_contracts(
            [
                (tool_ids[i], batch.outcomes[i], p.record.contract)
                for i, p in enumerate(prepared)
                if p.record.contract is not None
                # An edit may empty a term (given as None); an import's empty row is no contract.
                and (
                    not p.record.contract.is_empty()
                    or (update_only and p.record.contract.model_fields_set)
                )
            ]
        )

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
            "business_units": _NO_LIST,
            "tags": _NO_LIST,
            "journey_stages": _NO_LIST,
            "extra": _NO_DICT,
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
                values[name] = plain(getattr(fields, name))
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

    def _existing_tools(self, wanted: list[tuple[str, str | None]]) -> dict[str, _Tool]:
        """The catalog's tools the records name, by key, and by "product:<name>" those that
        alone are a product a record names.

        Read as plain rows, not ORM objects: re-importing an inventory reads back 20,000
        tools that mostly have not changed."""
        keys = sorted({k for k, _ in wanted})
        products = sorted({p for _, p in wanted if p})
        every = plain_columns(Tool, _TOOL_COLUMNS)
        texts = JsonTexts()

        def read(column: Any, values: list[str]) -> list[_Tool]:
            # Past bulk.IN_LIST_LIMIT values, the whole table in one read: only the rows
            # asked for are kept.
            index = _TOOL_COLUMNS.index(column.key)
            kept = set(values)
            tools = [
                _Tool(*row)
                for statement in among(every, column, values)
                for row in self._read(statement)
                if row[index] in kept
            ]
            for tool in tools:
                for name in _JSON_COLUMNS:
                    setattr(tool, name, texts.of(getattr(tool, name)))
            return tools

        found = {tool.key: tool for tool in read(col(Tool.key), keys)}
        by_product: dict[str, list[_Tool]] = {}
        for tool in read(col(Tool.library_product), products):
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
        every = sa.select(
            col(ToolCapability.tool_id), col(ToolCapability.capability), col(ToolCapability.source)
        )
        wanted_ids = set(tool_ids)
        for statement in among(every, col(ToolCapability.tool_id), tool_ids):
            for tool_id, capability, source in self.session.execute(statement):
                if tool_id in wanted_ids:
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
            if had:  # a new tool has nothing to replace
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
        for chunk in chunks(delete):
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


# What a recorded tool is compared with and changed in, in _Tool's order.
_TOOL_COLUMNS = (
    "id",
    "name",
    "key",
    "vendor_id",
    "business_owner_id",
    "technical_owner_id",
    "library_product",
    *_PLAIN_FIELDS,
)
_JSON_COLUMNS = ("business_units", "tags", "journey_stages", "extra")


@dataclass(slots=True)
class _Tool:
    """A recorded tool as a batch compares and changes it (the columns of _TOOL_COLUMNS)."""

    id: int
    name: str
    key: str
    vendor_id: int | None
    business_owner_id: int | None
    technical_owner_id: int | None
    library_product: str | None
    description: str | None
    category: str | None
    status: str
    business_units: list[str]
    website: str | None
    tags: list[str]
    notes: str | None
    journey_stages: list[str]
    disposition: str | None
    decision_note: str | None
    functional_fit: int | None
    technical_fit: int | None
    extra: dict[str, Any]


@dataclass(frozen=True)
class _Prepared:
    """A record with the library's suggestions applied and its values checked."""

    record: ToolRecord
    fields: ToolFields
    product: str | None  # the library product it is
    filled: set[str]  # the fields the library filled in


@dataclass
class _Batch:
    """What one call of upsert_tools will write, gathered before any statement runs."""

    outcomes: list[Outcome] = field(default_factory=list)
    new_rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> insert row
    lands_on: list[str] = field(default_factory=list)  # the key of each record's tool
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # tool id -> new values
    capabilities: list[tuple[str, str, str | None]] = field(
        default_factory=list
    )  # key, slug, source


def _already_there(item: _Prepared, key: str, current: _Tool) -> DuplicateError:
    if current.key == key:
        return DuplicateError(f"{current.name!r} is already in the catalog")
    return DuplicateError(
        f"{item.fields.name!r} is {item.product}, already in the catalog as {current.name!r}"
    )
