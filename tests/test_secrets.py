"""A database URL's password is never printed: not in errors, `info`, logs or tracebacks."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from catalogs import SAMPLES
from typer.testing import CliRunner

from stackmap import db
from stackmap.inventory import Inventory

PASSWORD = "Hunter2-s3cret!pw"
ENCODED = quote(PASSWORD, safe="")
runner = CliRunner()


def _leaks(text: str) -> bool:
    return PASSWORD in text or ENCODED in text or "s3cret" in text


def _invoke(args: list[str]):  # type: ignore[no-untyped-def]
    from stackmap.cli import app

    return runner.invoke(app, args)


BAD_URLS = [
    f"postgresql+psycopg://someone:{ENCODED}@127.0.0.1:1/x?connect_timeout=2",
    f"postgresql+nosuchdriver://someone:{ENCODED}@db.example/x",
    f"postgresql+psycopg://someone:{ENCODED}@[not-a-host/x",
    f"nonsense://someone:{PASSWORD}@",
    f"postgresql+psycopg://someone:{ENCODED}@127.0.0.1:1/x?sslmode=bogus",
]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
@pytest.mark.parametrize(
    "command",
    [["info"], ["tools"], ["import", str(SAMPLES / "team-audit.xlsx")], ["dump", "d"]],
    ids=["info", "tools", "import", "dump"],
)
def test_an_unusable_url_is_reported_without_its_password(
    url: str,
    debug: list[str],
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _invoke([*debug, "--db", url, *command])
    assert result.exit_code != 0
    assert not _leaks(result.output), result.output
    if debug:
        assert "Traceback" in result.stderr


def test_the_url_from_the_environment_is_scrubbed_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(db.ENV_URL, BAD_URLS[0])
    result = _invoke(["--debug", "info"])
    assert result.exit_code == 69
    assert "***" in result.stderr and not _leaks(result.output)


def test_on_a_real_server_nothing_prints_the_password(
    postgres_schema_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The test server trusts loopback, so the password is carried but not needed.
    url = sa.engine.make_url(postgres_schema_url).set(password=PASSWORD)
    full = url.render_as_string(hide_password=False)
    caplog.set_level(logging.DEBUG)
    outputs = []
    for args in (
        ["info"],
        ["info", "--json"],
        ["import", str(SAMPLES / "team-audit.xlsx")],
        ["--debug", "import", str(Path(__file__).parent / "hostile" / "zip-bomb.xlsx")],
        ["backup", str(tmp_path / "b.zip")],
        ["dump", str(tmp_path / "d")],
        ["--debug", "load", str(tmp_path / "d")],  # refused: the catalog is not empty
        ["history"],
    ):
        result = _invoke(["--db", full, *args])
        outputs.append(result.output)
    assert "***" in outputs[0]
    assert not any(_leaks(o) for o in outputs), outputs
    assert not _leaks(caplog.text)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_an_internal_error_quoting_the_url_is_scrubbed_in_its_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    secret_url = f"postgresql+psycopg://someone:{ENCODED}@db.example/x"

    def broken(self: Inventory) -> dict[str, int]:
        raise RuntimeError(f"could not talk to {secret_url} ({PASSWORD})")

    monkeypatch.setattr(Inventory, "counts", broken)
    monkeypatch.setenv(db.ENV_URL, secret_url)
    result = _invoke(["--debug", "--db", url, "info"])
    assert result.exit_code == 70
    assert "Traceback" in result.stderr and "RuntimeError" in result.stderr
    # The password of the configured URL (here from the environment) is scrubbed everywhere.
    assert not _leaks(result.output), result.output


def test_scrub_finds_the_password_in_every_spelling() -> None:
    secrets = db.url_secrets(f"postgresql://u:{ENCODED}@h/db")
    text = f"a {PASSWORD} b {ENCODED} c"
    assert db.scrub(text, secrets) == "a *** b *** c"
    assert db.url_secrets("sqlite:///x.db") == []
    assert db.url_secrets(None) == []
