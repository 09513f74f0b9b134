"""What can be known of a catalog without SQLAlchemy: where it is (an option, the environment
or the default place), how long a connection waits for another writer's lock, and the schema
revision this stackmap's migrations end at.

Light on purpose: the read-only commands on an embedded catalog (`stackmap.reader`) open it
with the standard library's sqlite3 and never load SQLAlchemy; `stackmap.db` builds on this.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib.resources import files
from pathlib import Path

from platformdirs import user_data_dir

from stackmap import DATABASE_URL_ENV

ENV_URL = DATABASE_URL_ENV
ENV_BUSY = "STACKMAP_BUSY_TIMEOUT"
BUSY_TIMEOUT_MS = 15_000
_SQLITE_FILE = "sqlite:///"


def default_database_path() -> Path:
    """Return the embedded catalog's file in the platform's per-user data directory."""
    return Path(user_data_dir("stackmap", appauthor=False)) / "stackmap.db"


def resolve_url(value: str | None = None) -> str:
    """Return a SQLAlchemy URL from an option, the environment or the default location.

    A value without "://" is a path to a SQLite file.
    """
    raw = value or os.environ.get(ENV_URL) or ""
    if not raw:
        return f"{_SQLITE_FILE}{default_database_path()}"
    if "://" not in raw:
        return f"{_SQLITE_FILE}{Path(raw).expanduser().resolve()}"
    return raw


def sqlite_file(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL; None for any other URL, an in-memory
    database, or one with options or escapes only SQLAlchemy's parser should read."""
    if not url.startswith(_SQLITE_FILE):
        return None
    path = url[len(_SQLITE_FILE) :]
    if not path or path == ":memory:" or path.startswith("file:") or any(c in path for c in "?#%"):
        return None
    return Path(path)


def busy_timeout_ms() -> int:
    """How long a writer waits for another one's lock: STACKMAP_BUSY_TIMEOUT seconds, else 15."""
    raw = os.environ.get(ENV_BUSY, "")
    try:
        seconds = float(raw) if raw else BUSY_TIMEOUT_MS / 1000
    except ValueError:
        seconds = BUSY_TIMEOUT_MS / 1000
    return max(0, int(seconds * 1000))


# Alembic is imported only to migrate: opening a catalog already at the newest schema (every
# start of the TUI and the CLI) reads the revision with one query and the migration files'
# headers, which saves a tenth of a second of imports.

_REVISION = re.compile(
    r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:[\"']([^\"']+)[\"']|None)", re.M
)


@cache
def revisions() -> dict[str, str | None]:
    """Each migration's revision and the one before it, read from the scripts' headers."""
    found: dict[str, str | None] = {}
    for script in (files("stackmap.migrations") / "versions").iterdir():
        if not script.name.endswith(".py") or script.name.startswith("_"):
            continue
        values = dict(_REVISION.findall(script.read_text("utf-8")))
        if values.get("revision"):
            found[values["revision"]] = values.get("down_revision") or None
    return found


def head_revision() -> str:
    """Return the newest schema revision this version of stackmap knows."""
    found = revisions()
    heads = set(found) - {down for down in found.values() if down}
    assert len(heads) == 1, heads
    return heads.pop()


def known_revision(revision: str) -> bool:
    """Whether a schema revision is one of this stackmap's migrations."""
    return revision in revisions()
