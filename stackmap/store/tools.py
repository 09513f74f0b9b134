"""Tools: created or updated by name (or library product), with their capabilities and
people's decisions; their contracts go through ContractWrites."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from stackmap.domain import ChangeAction, name_key, vendor_key
from stackmap.errors import DuplicateError, InvalidValueError, NotFoundError
from stackmap.models import (
    Owner,
    Tool,
    ToolCapability,
    Vendor,
)
from stackmap.schemas import ToolFields, ToolRecord
from stackmap.store.base import Outcome
from stackmap.store.contracts import ContractWrites
from stackmap.store.sql import chunks

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


class ToolWrites(ContractWrites):
    """Upserts of tools, their capabilities and decisions."""

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
        for chunk in chunks(keys):
            for tool in self.session.exec(select(Tool).where(col(Tool.key).in_(chunk))):
                found[tool.key] = tool
        by_product: dict[str, list[Tool]] = {}
        for chunk in chunks(products):
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
        for chunk in chunks(tool_ids):
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
