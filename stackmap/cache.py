"""A per-user cache of values that are slow to build from files and cheap to unpickle.

The key is a hash of the files' bytes (not their times), stackmap's version and Python's, so a
changed file, an upgrade or another interpreter can never be served a stale value. The cache is
an optimisation only: a miss, an unreadable entry or a read-only disk just builds the value.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from platformdirs import user_cache_dir

from stackmap import __version__

ENV_CACHE = "STACKMAP_CACHE_DIR"  # "off" disables the cache
T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where cached values live, or None when the cache is turned off."""
    given = os.environ.get(ENV_CACHE)
    if given == "off":
        return None
    return Path(given) if given else Path(user_cache_dir("stackmap", appauthor=False))


def key_of(kind: str, files: Iterable[Path]) -> str:
    """A key naming these files' contents, in this order, for this build of stackmap."""
    digest = hashlib.sha256(f"{kind}\0{__version__}\0{sys.version}".encode())
    for path in files:
        digest.update(str(path).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"\0absent")
        digest.update(b"\0")
    return f"{kind}-{digest.hexdigest()[:32]}"


def cached(key: str, build: Callable[[], T]) -> T:
    """The value stored under `key`, else `build()` (stored for next time when possible)."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{key}.pickle"
    try:
        with path.open("rb") as stream:
            value: T = pickle.load(stream)  # the user's own cache, written below
        return value
    except OSError:
        pass  # no entry yet, or a folder that cannot be read
    except Exception:  # a damaged or foreign entry: rebuild it and replace it
        with contextlib.suppress(OSError):
            path.unlink()
    value = build()
    temp: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
        temp = Path(name)
        with os.fdopen(fd, "wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        temp.replace(path)  # readers see the whole entry or none
    except Exception:  # a read-only or full disk: the cache is only an optimisation
        if temp is not None:
            temp.unlink(missing_ok=True)
    return value
