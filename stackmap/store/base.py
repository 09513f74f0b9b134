"""What every write shares: the session, the history of changes, the outcome of each write,
and the vendors and owners that tools, contracts and integrations name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

import orjson
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col

from stackmap.bulk import keep
from stackmap.domain import ChangeAction, OwnerKind, name_key, utcnow, vendor_key
from stackmap.models import (
    Change,
    Owner,
    Vendor,
)
from stackmap.reference import Reference
from stackmap.store import sql


@dataclass(slots=True)  # an import makes one for each of 100,000 links
class Outcome:
    """What a write did to one tool or integration, and which fields changed (old, new)."""

    label: str
    action: Literal["created", "updated", "unchanged"]
    changes: dict[str, list[Any]] = field(default_factory=dict)
    source_row: int | None = None


@dataclass
class _Run:
    """History rows queued in the order they were recorded: rows, or the columns of many new
    entities (see record_created); the ids reserved for them, if any; how many a held place
    will hold (see held_history); and whether they are written already."""

    rows: list[dict[str, Any]] | dict[str, Sequence[Any]]
    promised: int | None = None
    ids: list[int] | None = None
    written: bool = False

    def __len__(self) -> int:
        if self.promised is not None:
            return self.promised
        return len(self.rows) if isinstance(self.rows, list) else len(self.rows["entity_id"])


_TEAM_WORDS = re.compile(
    r"\b(team|teams|department|dept|group|squad|ops|operations|office|committee|agency|"
    r"marketing|sales|it|finance|legal|procurement|engineering|support)\b",
    re.IGNORECASE,
)


def plain(value: Any) -> Any:
    """An enumeration's value (its text), anything else as it is."""
    # Enum.value is a Python-level descriptor, and hasattr(value, "value") raises and catches
    # an AttributeError for every date and amount: writers call this for every field of
    # every row (half a million times in a 100,000-link import).
    if isinstance(value, Enum):
        return value._value_
    return value


class JsonTexts:
    """JSON columns read as the driver gives them: text on SQLite, decoded once per distinct
    text (a catalog's tools and links repeat a few hundred lists), or already decoded on
    PostgreSQL. The values are shared: a caller replaces them, never changes them in place."""

    def __init__(self) -> None:
        self._decoded: dict[str, Any] = {}

    def of(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self._decoded[value]
        except KeyError:
            try:
                decoded = orjson.loads(value)
            except orjson.JSONDecodeError:  # what stdlib json wrote and orjson refuses (NaN)
                decoded = json.loads(value)
            self._decoded[value] = decoded
            return decoded


def plain_columns(model: type[SQLModel], names: Sequence[str]) -> sa.Select[*tuple[Any, ...]]:
    """A select of a table's columns by name, its JSON ones as the driver gives them (to be
    decoded by JsonTexts), not through the column type's json.loads per row."""
    table = model.__table__  # type: ignore[attr-defined]
    return sa.select(
        *(
            sa.type_coerce(column, sa.Text) if isinstance(column.type, sa.JSON) else column
            for column in (table.c[name] for name in names)
        )
    )


def owner_kind(name: str) -> OwnerKind:
    """Guess whether an owner is a team ("Marketing Ops", "IT") or a person ("Dana Lee")."""
    return OwnerKind.TEAM if _TEAM_WORDS.search(name) else OwnerKind.PERSON


# Every column of the catalog holding a vendor's or an owner's id, which the history names.
_ID_COLUMNS = frozenset(
    column.name
    for table in SQLModel.metadata.tables.values()
    for column in table.columns
    if column.name == "vendor_id" or column.name.endswith("owner_id")
)


class WriterBase:
    """Writes validated records inside one session; history rows are flushed at the end."""

    def __init__(
        self, session: Session, reference: Reference, actor: str, batch_id: int | None = None
    ) -> None:
        self.session = session
        self.reference = reference
        self.actor = actor
        self.batch_id = batch_id
        self._history: list[dict[str, Any]] = []
        # Earlier history, in the order it was recorded: runs of rows, and the columns of
        # many new entities recorded at once (see record_created).
        self._blocks: list[_Run] = []
        # One moment for everything one writer does: an import happens at one time, and equal
        # timestamps let the bind processors below run once instead of once per row.
        self.now = utcnow()
        self._created: dict[tuple[str, int], dict[str, Any]] = {}
        self._names: dict[str, dict[int, str]] = {}

    def record(
        self, entity: str, entity_id: int, label: str, action: ChangeAction, changes: dict[str, Any]
    ) -> None:
        """Queue a Change row; written by flush_history()."""
        self.record_many(entity, action, ((entity_id, label, changes),))

    def record_many(
        self, entity: str, action: ChangeAction, items: Iterable[tuple[int, str, dict[str, Any]]]
    ) -> None:
        """Queue the Change rows of many entities, (id, label, changes) each, in one pass: an
        import creates 100,000 links."""
        now, actor, batch_id, done = self.now, self.actor, self.batch_id, action.value
        history, created = self._history, self._created
        for entity_id, label, changes in items:
            row = {
                "at": now,
                "actor": actor,
                "entity": entity,
                "entity_id": entity_id,
                "label": label[:300],
                "action": done,
                "changes": changes,
                "batch_id": batch_id,
            }
            history.append(row)
            if action is ChangeAction.CREATE:
                created[(entity, entity_id)] = row

    def record_created(
        self,
        entity: str,
        ids: Sequence[int],
        labels: Sequence[str],
        changes: Sequence[dict[str, Any]],
    ) -> None:
        """Write the Change rows of many new entities, given column by column (100,000 links
        in an import), at once: on SQLite their insert then runs while the rest of the work
        goes on (store.behind) instead of at its end. Unlike record_many's, these rows
        cannot be amended (see _created). The rows recorded before them keep the ids before
        theirs: reserved now, they are written with them by flush_history."""
        self._close_run()
        count = len(ids)
        columns: dict[str, Sequence[Any]] = {
            "at": [self.now] * count,
            "actor": [self.actor] * count,
            "entity": [entity] * count,
            "entity_id": ids,
            # (Cut to the column's 300 characters: only when one is longer, a pass in C.)
            "label": [label[:300] for label in labels]
            if max(map(len, labels), default=0) > 300
            else labels,
            "action": [ChangeAction.CREATE.value] * count,
            "changes": changes,
            "batch_id": [self.batch_id] * count,
        }
        connection = self.session.connection()
        table = Change.__table__  # type: ignore[attr-defined]
        waiting = [run for run in self._blocks if run.ids is None and not run.written]
        before = sum(map(len, waiting))
        reserved = sql.reserve_ids(connection, table, before + count)
        for run in waiting:
            run.ids, reserved = reserved[: len(run)], reserved[len(run) :]
        sql.insert_columns(connection, table, columns, reserved)
        self._blocks.append(_Run(columns, ids=reserved, written=True))

    def held_history(self, count: int) -> list[dict[str, Any]]:
        """A place in the history for `count` rows recorded later (see recording_into),
        ahead of those recorded meanwhile: an import's new tools are recorded while its
        links are being written, and their history still comes first."""
        self._close_run()
        held: list[dict[str, Any]] = []
        self._blocks.append(_Run(held, promised=count))
        return held

    @contextmanager
    def recording_into(self, held: list[dict[str, Any]]) -> Iterator[None]:
        """Within the block, record_many's rows go to a place held_history gave."""
        current, self._history = self._history, held
        try:
            yield
        finally:
            self._history = current

    def _close_run(self) -> None:
        """End the run of rows being recorded: what is recorded next starts a new one."""
        if self._history:
            self._blocks.append(_Run(self._history))
            self._history = []

    def flush_history(self) -> None:
        """Write the queued Change rows in bulk, in the order they were recorded: each with
        the ids reserved for it, if any, or the next ones."""
        self._close_run()
        connection = self.session.connection()
        table = Change.__table__  # type: ignore[attr-defined]
        for run in self._blocks:
            if run.written:
                continue
            if isinstance(run.rows, dict):
                sql.insert_columns(connection, table, run.rows, run.ids)
                continue
            if run.ids is not None and len(run.rows) != len(run.ids):
                raise AssertionError("a held place in the history got more or fewer rows")
            sql.insert(connection, table, run.rows, run.ids)
        keep(self._blocks)  # 120,000 rows in a 20,000-tool import
        self._blocks = []
        self._created.clear()

    # --- set-based statements (stackmap.store.sql) on this writer's connection -------------

    def _read(self, statement: sa.Select[*tuple[Any, ...]]) -> sa.CursorResult[*tuple[Any, ...]]:
        """Run a read of plain columns on this writer's connection, past the ORM's result
        handling (a re-import reads 140,000 rows back); what the session holds is flushed
        first, as its own execute would."""
        self.session.flush()
        return self.session.connection().execute(statement)

    def _insert(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        sql.insert(self.session.connection(), model.__table__, rows)  # type: ignore[attr-defined]

    def _insert_returning_ids(
        self, model: type[SQLModel], rows: Sequence[dict[str, Any]]
    ) -> list[int]:
        table = model.__table__  # type: ignore[attr-defined]
        return sql.insert_returning_ids(self.session.connection(), table, rows)

    def _update_by_id(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        sql.update_by_id(self.session.connection(), model.__table__, rows)  # type: ignore[attr-defined]

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
        # Each distinct name cleaned once (20,000 tools name a few thousand vendors); the
        # pairs then go into `wanted` in the names' order, a later spelling of a key winning.
        names = list(names)
        cleaned = {
            n: (key_of(n), " ".join(n.split())) for n in dict.fromkeys(names) if n and n.strip()
        }
        wanted = dict(map(cleaned.__getitem__, filter(cleaned.__contains__, names)))
        if not wanted:
            return {}
        found: dict[str, int] = {}
        keys = list(wanted)
        every = sa.select(col(model.id), col(model.key))
        for statement in sql.among(every, col(model.key), keys):
            found.update({k: i for i, k in self.session.execute(statement) if k in wanted})
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

    def _readable(self, changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Return changes with vendor and owner ids replaced by their names, for the history."""
        if changes.keys().isdisjoint(_ID_COLUMNS):  # most: a copy as it is
            return dict(changes)
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

    def _names_by_column(self, rows: Iterable[dict[str, Any]]) -> dict[str, dict[int, str | None]]:
        """For each column of these rows naming a vendor or an owner by id, the name of each
        id they hold (as _readable gives it)."""
        rows = list(rows)
        columns: set[str] = set().union(*(row.keys() & _ID_COLUMNS for row in rows))
        return {
            column: {
                i: self._name_of(Vendor if column == "vendor_id" else Owner, i)
                for i in {row.get(column) for row in rows}
                if i is not None
            }
            for column in columns
        }

    def _name_of(self, model: type[Vendor] | type[Owner], entity_id: int | None) -> str | None:
        if entity_id is None:
            return None
        cache = self._names.setdefault(model.__name__, {})
        if entity_id not in cache:
            cache[entity_id] = self.session.execute(
                sa.select(col(model.name)).where(col(model.id) == entity_id)
            ).scalar_one()
        return cache[entity_id]
