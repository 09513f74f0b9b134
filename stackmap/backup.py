"""Backups of a live catalog and restores from them.

SQLite: the online backup API copies a consistent image of the database while other
processes keep using it (a plain file copy of a WAL database can miss committed pages or
catch a torn one). PostgreSQL: a logical dump of the catalog's rows, as the same YAML files
`stackmap dump` writes, in one zip archive. A restore reads either kind into either backend
and replaces the catalog in one transaction.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from stackmap import db
from stackmap.dump import (
    PARTS,
    Snapshot,
    manifest_text,
    parse_snapshot,
    read_snapshot,
    rows_text,
    snapshot,
)
from stackmap.dumpfiles import MANIFEST
from stackmap.errors import InvalidValueError, NotFoundError
from stackmap.load import load_snapshot

SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
MAX_ARCHIVE_BYTES = 4 * 2**30  # declared, inflated: far beyond any real catalog


BackupKind = Literal["sqlite", "archive", "directory"]  # what a backup file or folder is


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: Literal["sqlite", "archive"]
    rows: int


@contextmanager
def _raw_sqlite(engine: sa.Engine) -> Iterator[sqlite3.Connection]:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        yield raw


def _temp_beside(path: Path, suffix: str) -> Path:
    # mkstemp's 0600 is kept on purpose: a backup holds the whole catalog.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    return Path(name)


def _check_sqlite(conn: sqlite3.Connection, label: str) -> None:
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InvalidValueError(f"{label}: not a usable SQLite database: {exc}") from None
    if not verdict or verdict[0] != "ok":
        raise InvalidValueError(
            f"{label}: the database is damaged: {verdict[0] if verdict else '?'}"
        )


def backup_catalog(engine: sa.Engine, out: Path) -> BackupResult:
    """Write a consistent copy of the catalog to out (replaced atomically when complete)."""
    temp = _temp_beside(out, ".tmp")
    kind: Literal["sqlite", "archive"]
    try:
        if engine.dialect.name == "sqlite":
            rows = _backup_sqlite(engine, temp)
            kind = "sqlite"
        else:
            snap = snapshot(engine)
            write_archive(snap, temp)
            rows = sum(snap.counts().values())
            kind = "archive"
        with temp.open("rb+") as written:  # on disk before it takes the backup's name
            os.fsync(written.fileno())
        temp.replace(out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return BackupResult(out, kind, rows)


def _backup_sqlite(engine: sa.Engine, target: Path) -> int:
    destination = sqlite3.connect(target)
    try:
        with _raw_sqlite(engine) as source:
            source.backup(destination)
        # The copy takes the live database's WAL setting; a backup file is one self-contained file.
        destination.execute("PRAGMA journal_mode = DELETE")
        _check_sqlite(destination, str(target))
        tables = {part.table.name for part in PARTS}
        return sum(
            int(destination.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            for name in sorted(tables)
        )
    finally:
        destination.close()


def write_archive(snap: Snapshot, path: Path) -> None:
    """Write a snapshot as a zip archive of dump files."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in PARTS:
            archive.writestr(part.file, rows_text(snap.parts[part.file]))
        archive.writestr(MANIFEST, manifest_text(snap))


# --- restore -------------------------------------------------------------------------------


def backup_kind(path: Path) -> BackupKind:
    """Return "sqlite", "archive" or "directory" for a backup, judged by its bytes."""
    if path.is_dir():
        return "directory"
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no such file") from None
    except OSError as exc:
        raise InvalidValueError(f"{path}: {exc.strerror or exc}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(ZIP_MAGIC):
        return "archive"
    raise InvalidValueError(
        f"{path}: not a stackmap backup (neither a SQLite database nor a dump archive)"
    )


def read_archive(path: Path) -> Snapshot:
    """Read a backup archive, refusing one whose parts would inflate beyond reason."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist()}
            declared = sum(info.file_size for info in members.values())
            if declared > MAX_ARCHIVE_BYTES:
                raise InvalidValueError(f"{path}: the archive would inflate to {declared:,} bytes")

            def read(name: str) -> bytes | None:
                info = members.get(name)
                if info is None:
                    return None
                with archive.open(info) as handle:
                    data = handle.read(info.file_size + 1)
                if len(data) > info.file_size:
                    raise InvalidValueError(f"{path}: {name} is larger than the archive says")
                return data

            return parse_snapshot(str(path), read)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise InvalidValueError(f"{path}: a damaged archive: {exc}") from None


@contextmanager
def _sqlite_source(path: Path) -> Iterator[sa.Engine]:
    """Yield an engine on a private copy of a SQLite backup, brought up to this schema."""
    temp = Path(tempfile.mkdtemp(prefix="stackmap-restore-")) / "catalog.db"
    try:
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise InvalidValueError(f"{path}: cannot open: {exc}") from None
        try:
            _check_sqlite(source, str(path))
            copy = sqlite3.connect(temp)
            try:
                source.backup(copy)
            finally:
                copy.close()
        except sqlite3.DatabaseError as exc:
            raise InvalidValueError(f"{path}: not a usable SQLite database: {exc}") from None
        finally:
            source.close()
        engine = db.make_engine(f"sqlite:///{temp}")
        try:
            revision = db.current_revision(engine)
            if revision is None:
                raise InvalidValueError(f"{path}: a SQLite database, but not a stackmap catalog")
            if not db.known_revision(revision):
                raise InvalidValueError(
                    f"{path}: schema revision {revision} is newer than this stackmap; "
                    "upgrade stackmap to restore it"
                )
            db.upgrade(engine)
            yield engine
        finally:
            engine.dispose()
    finally:
        for leftover in temp.parent.iterdir():
            leftover.unlink()
        temp.parent.rmdir()


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    kind: BackupKind
    rows: int
    kept: Path | None = None  # the safety copy of the catalog as it was, if one was made


def read_backup(source: Path) -> tuple[BackupKind, Snapshot]:
    """Read a backup of any kind (a SQLite backup, an archive or a dump directory) into
    memory, brought up to this schema; return its kind and its rows."""
    kind = backup_kind(source)
    if kind == "sqlite":
        with _sqlite_source(source) as backup:
            return kind, snapshot(backup)
    if kind == "archive":
        return kind, read_archive(source)
    return kind, read_snapshot(source)


def restore_snapshot(
    engine: sa.Engine, source: Path, kind: BackupKind, snap: Snapshot
) -> RestoreResult:
    """Replace the whole catalog with a backup read by read_backup, in one transaction: on
    any error the catalog is as it was."""
    counts = load_snapshot(engine, snap, str(source), replace=True)
    return RestoreResult(source, kind, sum(counts.values()))


def restore_catalog(engine: sa.Engine, source: Path) -> RestoreResult:
    """Replace the whole catalog with a backup, in one transaction."""
    kind, snap = read_backup(source)
    return restore_snapshot(engine, source, kind, snap)


def restore_keeping_a_copy(
    engine: sa.Engine, source: Path, kind: BackupKind, snap: Snapshot
) -> RestoreResult:
    """Back the catalog up beside itself, then replace it with a backup read by read_backup.

    The copy is what makes a restore undoable: a person who restored the wrong file gets the
    catalog back with `stackmap restore` of the copy. If the restore fails the catalog is
    unchanged, and the copy, which would only be clutter, is removed.
    """
    keep = safety_copy_path(engine, datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    if keep is not None:
        backup_catalog(engine, keep)
    try:
        result = restore_snapshot(engine, source, kind, snap)
    except BaseException:
        if keep is not None:
            keep.unlink(missing_ok=True)
        raise
    return replace(result, kept=keep)


def safety_copy_path(engine: sa.Engine, stamp: str) -> Path | None:
    """Where to keep the catalog before a restore replaces it: beside a SQLite file, or in
    the user's data directory for a server catalog; None for an in-memory catalog."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        path = Path(database)
        return path.with_name(f"{path.stem}.before-restore-{stamp}.db")
    name = make_url(url).database or "catalog"
    return db.default_database_path().parent / f"{name}.before-restore-{stamp}.zip"
