"""The per-user cache of parsed files: a hit returns what was built, and a changed file, a
damaged entry or a read-only folder never serves a wrong or stale value."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from stackmap.cache import cached, key_of
from stackmap.reference import default_reference_dir, load_reference


def _counting(value: object) -> tuple[list[int], Callable[[], object]]:
    calls: list[int] = []

    def build() -> object:
        calls.append(1)
        return value

    return calls, build


def test_a_second_call_is_served_from_the_cache(tmp_path: Path) -> None:
    source = tmp_path / "a.yaml"
    source.write_text("x: 1")
    calls, build = _counting({"x": 1})
    key = key_of("test", [source])
    assert cached(key, build) == {"x": 1}
    assert cached(key, build) == {"x": 1}
    assert len(calls) == 1


def test_a_changed_file_is_a_different_key(tmp_path: Path) -> None:
    source = tmp_path / "a.yaml"
    source.write_text("x: 1")
    before = key_of("test", [source])
    source.write_text("x: 2")  # same size, maybe the same mtime: the bytes decide
    assert key_of("test", [source]) != before
    source.unlink()
    assert key_of("test", [source]) not in (before,)


def test_a_damaged_entry_is_rebuilt_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKMAP_CACHE_DIR", str(tmp_path / "cache"))
    calls, build = _counting([1, 2, 3])
    cached("entry", build)
    (tmp_path / "cache" / "entry.pickle").write_bytes(b"not a pickle")
    assert cached("entry", build) == [1, 2, 3]
    assert len(calls) == 2
    assert cached("entry", build) == [1, 2, 3]
    assert len(calls) == 2  # the damaged entry was replaced by a good one


def test_an_unwritable_cache_only_costs_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("STACKMAP_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    calls, build = _counting("v")
    assert cached("entry", build) == "v"
    assert cached("entry", build) == "v"
    assert len(calls) == 2
    monkeypatch.setenv("STACKMAP_CACHE_DIR", "off")
    assert cached("entry", build) == "v"
    assert len(calls) == 3


def test_an_edited_reference_file_is_read_again_not_served_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKMAP_CACHE_DIR", str(tmp_path / "cache"))
    extra = tmp_path / "reference"
    extra.mkdir()
    products = extra / "products.yaml"
    products.write_text(
        "products:\n  - name: Zeta Mailer\n    vendor: Zeta\n    category: email-marketing\n"
        "    capabilities: [email-marketing]\n"
    )
    first = load_reference([extra])
    assert any(p.name == "Zeta Mailer" for p in first.products)
    assert list((tmp_path / "cache").glob("reference-*.pickle"))  # it was stored
    products.write_text(
        "products:\n  - name: Zeta Sender\n    vendor: Zeta\n    category: email-marketing\n"
        "    capabilities: [email-marketing]\n"
    )
    second = load_reference([extra])
    names = {p.name for p in second.products}
    assert "Zeta Sender" in names and "Zeta Mailer" not in names


def test_the_cached_reference_is_the_parsed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKMAP_CACHE_DIR", "off")
    parsed = load_reference()
    monkeypatch.setenv("STACKMAP_CACHE_DIR", str(tmp_path / "cache"))
    load_reference()  # stores
    served = load_reference()  # reads the entry
    assert served == parsed
    assert served.products == parsed.products and served.settings == parsed.settings
    assert shutil.disk_usage(tmp_path)  # the folder exists and is usable
    assert default_reference_dir().is_dir()


def test_a_cached_reference_is_served_without_the_yaml_parser_or_pydantic(tmp_path: Path) -> None:
    # PyYAML and pydantic are a parse's cost only: a command whose reference comes from the
    # cache (most of them) must not pay their imports (a tenth of a second). Checked in fresh
    # processes, as the user runs them.
    code = (
        "import sys\n"
        "from stackmap.reference import load_reference\n"
        "load_reference()\n"
        "print('LOADED', 'yaml' in sys.modules, 'pydantic' in sys.modules)\n"
    )
    env = {**os.environ, "STACKMAP_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "LOADED True True" in first.stdout, first.stderr  # parsed and validated, then stored
    assert "LOADED False False" in again.stdout, again.stderr  # served from the cache
