"""Integrations between tools, ended and replaced as their facts change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import is_, itemgetter
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import col

from stackmap.domain import ChangeAction, IntegrationMethod, name_key
from stackmap.errors import InvalidValueError, NotFoundError
from stackmap.models import (
    Integration,
    Owner,
    Tool,
)
from stackmap.schemas import IntegrationColumns, IntegrationFields
from stackmap.store import sql
from stackmap.store.base import JsonTexts, Outcome, WriterBase, plain, plain_columns
from stackmap.store.sql import among

_INTEGRATION_FIELDS = ("direction", "data_objects", "frequency", "status", "notes")
# What a recorded link is compared with, in _Link's order.
_LINK_COLUMNS = (
    "id",
    "source_tool_id",
    "target_tool_id",
    "method",
    "direction",
    "status",
    "data_objects",
    "frequency",
    "owner_id",
    "notes",
)


@dataclass(slots=True)
class _Link:
    """A recorded link as a batch compares and changes it (the columns of _LINK_COLUMNS)."""

    id: int
    source_tool_id: int
    target_tool_id: int
    method: str
    direction: str
    status: str
    data_objects: list[str]
    frequency: str | None
    owner_id: int | None
    notes: str | None


_UNKNOWN = IntegrationMethod.UNKNOWN.value


class IntegrationWrites(WriterBase):
    """Upserts of integrations between tools."""

    def upsert_integrations(
        self,
        records: Sequence[IntegrationFields],
        known: Mapping[str, tuple[int, str]] | None = None,
    ) -> list[Outcome]:
        """Create or update integrations keyed by (source, target, method).

        known: tools this transaction wrote, (id, name) by key, read from there instead of
        the catalog (a read of the catalog's tools would wait for their rows to be written).
        """
        links = IntegrationColumns.of(records)
        owner_ids = self._ensure_named(Owner, [o for o in links.owner if o])
        sources, targets = self._resolve_ends(links, known or {})
        existing = self._existing_links(sources, targets)
        if not existing:  # nothing recorded from these tools yet: a first import
            labels = self._create_links(links, range(len(links)), sources, targets, owner_ids)
            if len(labels) < len(links):  # the same route twice: one row, an outcome each
                labels = _labels(sources, targets)
            return [Outcome(label, "created") for label in labels]
        labels = _labels(sources, targets)
        linked = {frozenset((s, t)) for s, t, _ in existing}
        outcomes: list[Outcome] = []
        new: list[int] = []
        updates: list[dict[str, Any]] = []
        for index, ((source_id, _), (target_id, _), label) in enumerate(
            zip(sources, targets, labels, strict=True)
        ):
            method = plain(links.method[index])
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
                new.append(index)
                outcomes.append(Outcome(label, "created"))
                continue
            given = links.given[index]
            values = {k: plain(getattr(links, k)[index]) for k in _INTEGRATION_FIELDS if k in given}
            if "owner" in given:
                owner = links.owner[index]
                values["owner_id"] = owner_ids.get(name_key(owner)) if owner else None
            if vague:
                values["method"] = method
            outcomes.append(self._change_link(current, label, values, updates))
        self._create_links(links, new, sources, targets, owner_ids, labels)
        self._update_by_id(Integration, updates)
        return outcomes

    def _resolve_ends(
        self, links: IntegrationColumns, known: Mapping[str, tuple[int, str]]
    ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
        """Each link's two tools, as (id, name), source and target in two lists: as known,
        else as the catalog says; a tool in neither, or a link from a tool to itself,
        refuses the batch."""
        # Each distinct name looked up once (100,000 links name 20,000 tools): as a known
        # tool's own name, in C (an import names its tools so), else by its key.
        names = list(dict.fromkeys(chain(links.source, links.target)))
        by_name = {end[1]: end for end in known.values()}
        ends = dict(zip(names, map(by_name.get, names), strict=True))
        keys = {n: name_key(n) for n, end in ends.items() if end is None}
        tools = {k: known[k] for k in set(keys.values()) if k in known}
        wanted = sorted(set(keys.values()) - tools.keys())
        every = sa.select(col(Tool.key), col(Tool.id), col(Tool.name))
        for statement in among(every, col(Tool.key), wanted) if wanted else ():
            tools.update({k: (i, n) for k, i, n in self.session.execute(statement)})
        for name, key in keys.items():
            if key not in tools:
                raise NotFoundError(f"no tool named {name!r} in the catalog")
            ends[name] = tools[key]
        # Names of one tool resolve to its one (id, name): the same object at both ends is a
        # link from a tool to itself.
        resolved = cast(dict[str, tuple[int, str]], ends)  # every name found, or refused
        sources = list(map(resolved.__getitem__, links.source))
        targets = list(map(resolved.__getitem__, links.target))
        if any(map(is_, sources, targets)):
            for name, source, target in zip(links.source, sources, targets, strict=True):
                if source is target:
                    raise InvalidValueError(f"{name!r} cannot integrate with itself")
        return sources, targets

    def _existing_links(
        self, sources: list[tuple[int, str]], targets: list[tuple[int, str]]
    ) -> dict[tuple[int, int, str], _Link]:
        """The links already recorded from any tool the batch names, by (source, target,
        method): from either end, so a pair linked the other way round is seen too.

        Read as plain rows, not ORM objects: re-importing a register reads back 100,000 links
        that mostly have not changed (the ORM took three times as long for them)."""
        existing: dict[tuple[int, int, str], _Link] = {}
        named = set(map(itemgetter(0), sources))
        named.update(map(itemgetter(0), targets))
        end_ids = sorted(named)
        every = plain_columns(Integration, _LINK_COLUMNS)
        lists = JsonTexts()
        for statement in among(every, col(Integration.source_tool_id), end_ids):
            for row in self._read(statement):
                if row[1] not in named:
                    continue
                link = _Link(*row)
                link.data_objects = lists.of(link.data_objects)
                existing[(link.source_tool_id, link.target_tool_id, link.method)] = link
        return existing

    def _create_links(
        self,
        links: IntegrationColumns,
        chosen: Sequence[int],
        sources: list[tuple[int, str]],
        targets: list[tuple[int, str]],
        owner_ids: dict[str, int],
        labels: list[str] | None = None,
    ) -> list[str]:
        """Insert the chosen links (by index) with their history, column by column (a first
        import writes 100,000); a field a link was not given holds its default. Returns the
        links' labels (made here when not given: once their rows are on their way)."""
        if not chosen:
            return []

        def take(column: Sequence[Any]) -> list[Any]:
            if chosen == range(len(links)):
                return list(column)
            return list(map(column.__getitem__, chosen))

        # The same route twice in one batch: the last is kept, where the first was (a dict
        # keeps a key where it was first put, and takes its last value).
        ends = take(list(map(itemgetter(0), sources))), take(list(map(itemgetter(0), targets)))
        methods = _plain_values(take(links.method))
        routes = dict(zip(zip(*ends, methods, strict=True), chosen, strict=True))
        if len(routes) < len(chosen):
            chosen = list(routes.values())
            ends = list(map(itemgetter(0), routes)), list(map(itemgetter(1), routes))
            methods = list(map(itemgetter(2), routes))

        # Links that say the same thing share one list of data objects and one history, each
        # then stored once (see sql._converted): a register's 100,000 links say a few dozen
        # (each list, mostly one object for many links already, weighed once by identity).
        lists: dict[tuple[str, ...], list[str]] = {}
        given = take(links.data_objects)
        by_id = dict(zip(map(id, given), given, strict=True))
        same = {i: lists.setdefault(tuple(d), d) for i, d in by_id.items()}
        named = take(links.owner)
        owners = {o: owner_ids.get(name_key(o)) if o else None for o in set(named)}
        count = len(chosen)
        columns: dict[str, Sequence[Any]] = {
            "source_tool_id": ends[0],
            "target_tool_id": ends[1],
            "method": methods,
            "direction": _plain_values(take(links.direction)),
            "status": _plain_values(take(links.status)),
            "data_objects": list(map(same.__getitem__, map(id, given))),
            "frequency": _plain_values(take(links.frequency)),
            "owner_id": list(map(owners.__getitem__, named)),
            "notes": take(links.notes),
            "created_at": [self.now] * count,
            "updated_at": [self.now] * count,
        }
        connection, table = self.session.connection(), Integration.__table__  # type: ignore[attr-defined]
        new_ids = sql.reserve_ids(connection, table, count)
        sql.insert_columns(connection, table, columns, new_ids)
        # Each distinct history made once, then every link takes its own: the data objects'
        # lists are shared by content, so their identity stands for them in the key.
        data_objects = columns["data_objects"]
        keys = list(
            zip(
                columns["method"],
                columns["direction"],
                columns["status"],
                map(id, data_objects),
                columns["frequency"],
                columns["notes"],
                strict=True,
            )
        )
        objects = dict(zip(keys, data_objects, strict=True))
        histories = {key: _history(key, found) for key, found in objects.items()}
        labels = take(labels) if labels is not None else _labels(take(sources), take(targets))
        self.record_created("integration", new_ids, labels, list(map(histories.__getitem__, keys)))
        return labels

    def _change_link(
        self,
        current: _Link,
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


def _labels(sources: list[tuple[int, str]], targets: list[tuple[int, str]]) -> list[str]:
    """How the history and the outcomes name links: "Source → Target"."""
    return [f"{s} → {t}" for (_, s), (_, t) in zip(sources, targets, strict=True)]


def _history(key: tuple[Any, ...], data_objects: list[str]) -> dict[str, list[Any]]:
    """What a new link's history shows, from its key (method, direction, status, the data
    objects' identity, frequency, notes) and its data objects: how it works, and what else
    it was given (no empty list, no missing value)."""
    method, direction, status, _, frequency, notes = key
    history: dict[str, list[Any]] = {
        "method": [None, method],
        "direction": [None, direction],
        "status": [None, status],
    }
    if data_objects:
        history["data_objects"] = [None, data_objects]
    if frequency is not None:
        history["frequency"] = [None, frequency]
    if notes is not None:
        history["notes"] = [None, notes]
    return history


def _plain_values(column: list[Any]) -> list[Any]:
    """plain() of every value of a column, worked out once per distinct value."""
    done = {value: plain(value) for value in set(column)}
    return list(map(done.__getitem__, column))
