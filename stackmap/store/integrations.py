"""Integrations between tools, ended and replaced as their facts change."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from stackmap.domain import ChangeAction, IntegrationMethod, name_key
from stackmap.errors import InvalidValueError, NotFoundError
from stackmap.models import (
    Integration,
    Owner,
    Tool,
)
from stackmap.schemas import IntegrationFields
from stackmap.store.base import Outcome, WriterBase, plain
from stackmap.store.sql import among

_INTEGRATION_FIELDS = ("direction", "data_objects", "frequency", "status", "notes")
_UNKNOWN = IntegrationMethod.UNKNOWN.value


class IntegrationWrites(WriterBase):
    """Upserts of integrations between tools."""

    def upsert_integrations(self, records: Sequence[IntegrationFields]) -> list[Outcome]:
        """Create or update integrations keyed by (source, target, method)."""
        owner_ids = self._ensure_named(Owner, [r.owner for r in records if r.owner])
        resolved = self._resolve_ends(records)
        existing = self._existing_links(resolved)
        linked = {frozenset((s, t)) for s, t, _ in existing}
        outcomes: list[Outcome] = []
        inserts: list[tuple[str, dict[str, Any]]] = []
        updates: list[dict[str, Any]] = []
        for record, (source_id, source), (target_id, target) in resolved:
            label = f"{source} → {target}"
            method = plain(record.method)
            current = existing.get((source_id, target_id, method))
            vague = False
            if current is None and method == _UNKNOWN:
                if frozenset((source_id, target_id)) in linked:
                    # "Connected apps" says what the catalog already knows in more detail.
                    outcomes.append(Outcome(label, "unchanged"))
                    continue
            elif current is None:
                current = existing.pop((source_id, target_id, _UNKNOWN), None)
                if current is not None:  # a link known only vaguely now says how it works
                    vague = True
                    existing[(source_id, target_id, method)] = current
            if current is None:
                inserts.append((label, self._new_link(record, source_id, target_id, owner_ids)))
                outcomes.append(Outcome(label, "created"))
                continue
            given = record.model_fields_set
            values = {k: plain(getattr(record, k)) for k in _INTEGRATION_FIELDS if k in given}
            if "owner" in given:
                values["owner_id"] = owner_ids.get(name_key(record.owner)) if record.owner else None
            if vague:
                values["method"] = method
            outcomes.append(self._change_link(current, label, values, updates))
        self._write_links(inserts, updates)
        return outcomes

    def _resolve_ends(
        self, records: Sequence[IntegrationFields]
    ) -> list[tuple[IntegrationFields, tuple[int, str], tuple[int, str]]]:
        """Each record with its two tools' (id, name); a tool not in the catalog, or a link
        from a tool to itself, refuses the batch."""
        # Each distinct name keyed once: 100,000 links name 20,000 tools.
        ends_of = attrgetter("source", "target")
        written = dict.fromkeys(chain.from_iterable(map(ends_of, records)))
        keys = {n: name_key(n) for n in written}
        wanted = sorted(set(keys.values()))
        every = sa.select(col(Tool.key), col(Tool.id), col(Tool.name))
        tools: dict[str, tuple[int, str]] = {}
        for statement in among(every, col(Tool.key), wanted):
            tools.update({k: (i, n) for k, i, n in self.session.execute(statement)})
        ends = {}
        for name, key in keys.items():
            if key not in tools:
                raise NotFoundError(f"no tool named {name!r} in the catalog")
            ends[name] = tools[key]
        end = ends.__getitem__
        resolved = [
            (record, end(source), end(target))
            for record, (source, target) in zip(records, map(ends_of, records), strict=True)
        ]
        for record, (source_id, _), (target_id, _) in resolved:
            if source_id == target_id:
                raise InvalidValueError(f"{record.source!r} cannot integrate with itself")
        return resolved

    def _existing_links(
        self, resolved: list[tuple[IntegrationFields, tuple[int, str], tuple[int, str]]]
    ) -> dict[tuple[int, int, str], Integration]:
        """The links already recorded from any tool the batch names, by (source, target,
        method): from either end, so a pair linked the other way round is seen too."""
        existing: dict[tuple[int, int, str], Integration] = {}
        end_ids = sorted({s[0] for _, s, _ in resolved} | {t[0] for _, _, t in resolved})
        named = set(end_ids)
        for statement in among(select(Integration), col(Integration.source_tool_id), end_ids):
            for link in self.session.exec(statement):
                if link.source_tool_id in named:
                    existing[(link.source_tool_id, link.target_tool_id, link.method)] = link
        return existing

    def _new_link(
        self,
        record: IntegrationFields,
        source_id: int,
        target_id: int,
        owner_ids: dict[str, int],
    ) -> dict[str, Any]:
        """An insert row carrying every column, so one executemany covers the batch; a field
        the record was not given holds its default."""
        return {
            "source_tool_id": source_id,
            "target_tool_id": target_id,
            # _value_, not .value: an enumeration's .value is a Python-level property.
            "method": record.method._value_,
            "direction": record.direction._value_,
            "status": record.status._value_,
            "data_objects": record.data_objects,
            "frequency": plain(record.frequency),
            "owner_id": owner_ids.get(name_key(record.owner)) if record.owner else None,
            "notes": record.notes,
            "created_at": self.now,
            "updated_at": self.now,
        }

    def _change_link(
        self,
        current: Integration,
        label: str,
        values: dict[str, Any],
        updates: list[dict[str, Any]],
    ) -> Outcome:
        """Queue the values that differ from the recorded link, with their history."""
        changes = {
            k: [getattr(current, k), v] for k, v in values.items() if getattr(current, k) != v
        }
        if changes:
            assert current.id is not None
            updates.append(
                {"id": current.id, **{k: v[1] for k, v in changes.items()}, "updated_at": self.now}
            )
            self.record("integration", current.id, label, ChangeAction.UPDATE, changes)
            for k, (_, new) in changes.items():
                setattr(current, k, new)
        return Outcome(label, "updated" if changes else "unchanged", self._readable(changes))

    def _write_links(
        self, inserts: list[tuple[str, dict[str, Any]]], updates: list[dict[str, Any]]
    ) -> None:
        # The same route twice in one batch: keep the last, as a spreadsheet reader would expect.
        unique: dict[tuple[int, int, str], tuple[str, dict[str, Any]]] = {}
        for label, row in inserts:
            unique[(row["source_tool_id"], row["target_tool_id"], row["method"])] = (label, row)
        pending = list(unique.values())
        # Links that say the same thing share one list of data objects and one history, each
        # then stored once (see sql._converted): a register's 100,000 links say a few dozen.
        lists: dict[tuple[str, ...], list[str]] = {}
        histories: dict[tuple[Any, ...], dict[str, list[Any]]] = {}
        for _, row in pending:
            shared = lists.setdefault(tuple(row["data_objects"]), row["data_objects"])
            row["data_objects"] = shared
        new_ids = self._insert_returning_ids(Integration, [row for _, row in pending])
        self.record_many(
            "integration",
            ChangeAction.CREATE,
            (
                (i, label, _created(row, histories))
                for (label, row), i in zip(pending, new_ids, strict=True)
            ),
        )
        self._update_by_id(Integration, updates)


def _created(
    row: dict[str, Any], histories: dict[tuple[Any, ...], dict[str, list[Any]]]
) -> dict[str, list[Any]]:
    """What a new link's history shows, in the order of its columns: how it works, and what
    else it was given (no empty list, no missing value). Links saying the same (their data
    objects shared by content, so their identity stands for it) share one history."""
    said = (
        row["method"],
        row["direction"],
        row["status"],
        id(row["data_objects"]),
        row["frequency"],
        row["notes"],
    )
    history = histories.get(said)
    if history is None:
        history = histories[said] = _history_of(row)
    return history


def _history_of(row: dict[str, Any]) -> dict[str, list[Any]]:
    """The history of one new link (see _created)."""
    changes = {
        "method": [None, row["method"]],
        "direction": [None, row["direction"]],
        "status": [None, row["status"]],
    }
    if row["data_objects"]:
        changes["data_objects"] = [None, row["data_objects"]]
    if row["frequency"] is not None:
        changes["frequency"] = [None, row["frequency"]]
    if row["notes"] is not None:
        changes["notes"] = [None, row["notes"]]
    return changes
