"""The command line: arrange with the API, act with the CLI, assert on output and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.main import get_command
from typer.testing import CliRunner

from stackmap import db
from stackmap.cli import app
from stackmap.inventory import Inventory
from stackmap.schemas import ContractFields, ToolFields

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def catalog(tmp_path: Path) -> str:
    """A catalog file with two tools, one integration."""
    path = tmp_path / "catalog.db"
    inventory = Inventory.open(str(path), actor="arranger")
    inventory.add_tool(
        ToolFields(name="HubSpot Marketing Hub", business_owner="Alicia Gomez"),
        ContractFields(
            amount=3600,
            billing_period="monthly",
            currency="USD",
            renewal_date="2027-01-15",
            notice_days=30,
            seats_purchased=25,
            seats_active=17,
        ),
    )
    inventory.add_tool(ToolFields(name="Salesforce Sales Cloud"))
    inventory.close()
    return str(path)


def test_tools_json_gives_the_documented_fields_for_each_tool(catalog: str) -> None:
    result = runner.invoke(app, ["--db", catalog, "tools", "--json"])
    assert result.exit_code == 0, result.output
    tools = json.loads(result.stdout)
    assert [t["name"] for t in tools] == ["HubSpot Marketing Hub", "Salesforce Sales Cloud"]
    hubspot = tools[0]
    assert {
        "name",
        "vendor",
        "category",
        "status",
        "owner",
        "annual_cost",
        "currency",
        "renewal_date",
        "notice_days",
        "seats_purchased",
        "seats_active",
        "capabilities",
        "integrations",
    } <= set(hubspot)
    assert hubspot["annual_cost"] == 43200.0
    assert hubspot["renewal_date"] == "2027-01-15"
    assert hubspot["owner"] == "Alicia Gomez"
    assert hubspot["vendor"] == "HubSpot"
    assert "email-marketing" in hubspot["capabilities"]
    assert result.stderr == ""


def test_tools_lists_a_table_for_people(catalog: str) -> None:
    result = runner.invoke(app, ["--db", catalog, "tools"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "2 tools" in result.stdout
    assert "USD 43,200" in result.stdout


def test_tool_add_show_edit_retire_through_the_cli(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    added = runner.invoke(
        app,
        [
            "--db",
            path,
            "--actor",
            "dana",
            "tool",
            "add",
            "Canva",
            "--owner",
            "Nora Ali",
            "--annual-cost",
            "3000",
            "--currency",
            "usd",
            "--renewal-date",
            "2027-06-30",
            "--tag",
            "design",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "Added Canva" in added.stdout
    edited = runner.invoke(
        app,
        ["--db", path, "tool", "edit", "canva", "--seats-active", "22", "--rename", "Canva Teams"],
    )
    assert edited.exit_code == 0, edited.output
    retired = runner.invoke(app, ["--db", path, "tool", "retire", "Canva Teams", "--note", "moved"])
    assert retired.exit_code == 0
    shown = json.loads(
        runner.invoke(app, ["--db", path, "tool", "show", "canva teams", "--json"]).stdout
    )
    assert shown["status"] == "retired"
    assert shown["notes"] == "moved"
    assert shown["contracts"][0]["seats_active"] == 22
    assert shown["contracts"][0]["annual_cost"] == 3000.0
    assert shown["contracts"][0]["currency"] == "USD"
    assert shown["history"][0]["changes"] == {
        "status": ["active", "retired"],
        "notes": [None, "moved"],
    }
    assert shown["history"][-1]["actor"] == "dana"


def test_integrations_add_and_list(catalog: str) -> None:
    added = runner.invoke(
        app,
        [
            "--db",
            catalog,
            "integrations",
            "add",
            "HubSpot Marketing Hub",
            "Salesforce Sales Cloud",
            "--method",
            "native",
            "--direction",
            "two_way",
            "--data",
            "contacts",
            "--data",
            "leads",
        ],
    )
    assert added.exit_code == 0, added.output
    listed = json.loads(runner.invoke(app, ["--db", catalog, "integrations", "--json"]).stdout)
    assert listed == [
        {
            "source": "HubSpot Marketing Hub",
            "target": "Salesforce Sales Cloud",
            "direction": "two_way",
            "method": "native",
            "data_objects": ["contacts", "leads"],
            "frequency": None,
            "status": "active",
            "owner": None,
            "notes": None,
        }
    ]
    tools = json.loads(runner.invoke(app, ["--db", catalog, "tools", "--json"]).stdout)
    assert [t["integrations"] for t in tools] == [1, 1]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["tool", "show", "Nope"], 66, "stackmap: error: no tool named 'Nope' in the catalog\n"),
        (
            ["tool", "add", "HubSpot Marketing Hub"],
            65,
            "stackmap: error: 'HubSpot Marketing Hub' is already in the catalog\n",
        ),
        (
            ["tool", "add", "X", "--capability", "telepathy"],
            65,
            "stackmap: error: unknown capability 'telepathy' for X; "
            "see `stackmap reference capabilities`\n",
        ),
        (["tool", "add", "X", "--currency", "dollars"], 65, None),
        (["tool", "edit", "HubSpot Marketing Hub"], 64, None),
        (
            ["tool", "edit", "HubSpot Marketing Hub", "--renewal-date", "31/02/2027"],
            65,
            "stackmap: error: --renewal-date: '31/02/2027' no such date 2027-02-31\n",
        ),
        (
            ["tool", "edit", "HubSpot Marketing Hub", "--annual-cost", "$100", "--currency", "EUR"],
            65,
            "stackmap: error: --currency says EUR but the amount says USD\n",
        ),
        (["tool", "edit", "HubSpot Marketing Hub", "--clear", "colour"], 64, None),
        (
            ["integrations", "add", "HubSpot Marketing Hub", "Ghost"],
            66,
            "stackmap: error: no tool named 'Ghost' in the catalog\n",
        ),
    ],
)
def test_errors_are_one_line_on_stderr_with_a_documented_exit_code(
    catalog: str, args: list[str], code: int, message: str | None
) -> None:
    result = runner.invoke(app, ["--db", catalog, *args])
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("stackmap: error: ")
    assert "Traceback" not in result.stderr
    if message is not None:
        assert result.stderr == message


def test_an_unreachable_database_is_one_line_with_the_password_masked() -> None:
    url = "postgresql+psycopg://ops:hunter2@127.0.0.1:1/x?connect_timeout=2"
    result = runner.invoke(app, ["--db", url, "info"])
    assert result.exit_code == 69
    assert "hunter2" not in result.output
    assert "ops:***@127.0.0.1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_debug_shows_the_traceback() -> None:
    result = runner.invoke(
        app,
        ["--debug", "--db", "postgresql+psycopg://u:pw@127.0.0.1:1/x?connect_timeout=2", "info"],
    )
    assert result.exit_code == 69
    assert "Traceback" in result.stderr


def test_info_masks_the_password_and_counts(catalog: str) -> None:
    result = runner.invoke(app, ["--db", catalog, "info", "--json"])
    data = json.loads(result.stdout)
    assert data["database"] == f"sqlite:///{catalog}"
    assert data["schema_revision"] == db.head_revision()
    assert data["counts"]["tools"] == 2
    assert data["reference_counts"]["subcategories"] == 55  # 49 landscape + 6 outside marketing


def test_the_database_can_come_from_the_environment(catalog: str) -> None:
    result = runner.invoke(app, ["tools", "--json"], env={db.ENV_URL: catalog})
    assert len(json.loads(result.stdout)) == 2


def test_init_and_db_upgrade_report_the_location(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = runner.invoke(app, ["--db", str(path), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"upgraded from empty to schema {db.head_revision()}" in result.stdout
    again = runner.invoke(app, ["--db", str(path), "init"])
    assert again.stdout == f"Catalog ready at sqlite:///{path}\n"


def test_reference_commands_show_the_model() -> None:
    areas = json.loads(runner.invoke(app, ["reference", "--json"]).stdout)
    assert len(areas) == 5
    caps = json.loads(runner.invoke(app, ["reference", "capabilities", "--json"]).stdout)
    assert {"slug": "crm", "name": "CRM", "area": "technology", "required": True}.items() <= next(
        c for c in caps if c["slug"] == "crm"
    ).items()
    cats = json.loads(runner.invoke(app, ["reference", "categories", "--json"]).stdout)
    assert sum(len(c["subcategories"]) for c in cats) == 55  # 49 landscape + 6 outside marketing
    found = json.loads(
        runner.invoke(app, ["reference", "products", "--search", "sfmc", "--json"]).stdout
    )
    assert [p["name"] for p in found] == ["Salesforce Marketing Cloud Engagement"]


def test_history_lists_recent_changes(catalog: str) -> None:
    rows = json.loads(
        runner.invoke(app, ["--db", catalog, "history", "--json", "--limit", "3"]).stdout
    )
    assert len(rows) == 3
    assert rows[0]["actor"] == "arranger"


def test_markup_in_user_data_is_printed_literally(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    for name in ("[red]X[/red]", "Tool [/x]"):
        assert runner.invoke(app, ["--db", path, "tool", "add", name]).exit_code == 0
    result = runner.invoke(app, ["--db", path, "tools"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "[red]X[/red]" in result.stdout
    assert "Tool [/x]" in result.stdout


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert re.fullmatch(r"stackmap \d+\.\d+\.\d+\n", result.stdout)


def _commands(group: object, prefix: str = "stackmap") -> list[str]:
    names = []
    for name, command in sorted(getattr(group, "commands", {}).items()):
        full = f"{prefix} {name}"
        names.append(full)
        names += _commands(command, full)
    return names


def test_every_command_has_help_and_appears_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _commands(get_command(app))
    assert len(commands) >= 14
    group = get_command(app)
    for command in commands:
        args = command.split()[1:]
        result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "400"})
        assert result.exit_code == 0, command
        assert "Usage" in result.stdout
        # The help says what the command does: its docstring's first sentence, shown.
        found = group
        for arg in args:
            found = found.commands[arg]  # type: ignore[attr-defined]
        summary = " ".join((found.help or "").split()).split(". ")[0]
        assert len(summary) > 10, f"{command} has no help text"
        shown = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stdout).split())
        assert summary[:60] in shown, command
        assert f"`{command}" in readme, f"{command} is not documented in README.md"


def test_a_command_run_alone_behaves_as_in_the_whole_app(tmp_path: Path) -> None:
    # `stackmap` builds only the command it runs (cli.only): every command's help, a bad
    # option and a run must come out as from the whole app, byte for byte.
    from stackmap.cli import _command_named, only

    path = str(tmp_path / "c.db")
    assert runner.invoke(app, ["--db", path, "init"]).exit_code == 0
    env = {"COLUMNS": "120"}
    for command in _commands(get_command(app)):
        args = command.split()[1:]
        assert only(args[0]) is not app, command
        for tried in ([*args, "--help"], [*args, "--no-such-option"]):
            whole = runner.invoke(app, tried, env=env)
            alone = runner.invoke(only(args[0]), tried, env=env)
            assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output), tried
    for tried in (["--db", path, "tools", "--json"], ["--db", path, "info"]):
        whole = runner.invoke(app, tried)
        alone = runner.invoke(only(_command_named(tried)), tried)
        assert (alone.exit_code, alone.stdout) == (whole.exit_code, whole.stdout), tried
    # What names the command, and what is left to the whole app.
    assert _command_named(["--db", "tools", "--debug", "--actor=me", "analyze"]) == "analyze"
    assert _command_named(["--reference", "x", "--reference", "y", "tool", "show"]) == "tool"
    assert _command_named(["--db=x", "whatif"]) == "whatif"
    for whole_app in ([], ["--help"], ["--version"], ["--db"], ["--nope", "tools"]):
        assert _command_named(whole_app) is None, whole_app
    assert only(None) is app and only("toolz") is app  # a mistyped name gets suggestions


def test_tool_show_says_where_each_contract_stands(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    added = runner.invoke(
        app,
        [
            "--db", path, "tool", "add", "Drift", "--annual-cost", "30000",
            "--renewal-date", "2020-03-14", "--auto-renew", "--notice-days", "60",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    shown = runner.invoke(app, ["--db", path, "tool", "show", "Drift"], env={"COLUMNS": "200"})
    # Renewed itself every year since 2020: rolled forward to the next 14 March, never shown
    # as a date in the past.
    assert "(auto-renewed; decide by" in shown.stdout or "(committed;" in shown.stdout
    assert "renews 2020-03-14" not in shown.stdout
    # On a pinned day the answer is exact, in the contract lines and in the summary alike.
    pinned = runner.invoke(
        app,
        ["--db", path, "tool", "show", "Drift", "--as-of", "2026-12-01"],
        env={"COLUMNS": "200"},
    )
    assert "renews 2027-03-14 (auto-renewed; decide by 2027-01-13" in pinned.stdout, pinned.stdout
    later = runner.invoke(
        app, ["--db", path, "tool", "show", "Drift", "--as-of", "2027-03-20", "--json"]
    )
    assert json.loads(later.stdout)["renewal_date"] == "2028-03-14"
    blank = runner.invoke(
        app,
        ["--db", path, "tool", "add", "Canva", "--annual-cost", "3000", "--end-date", "2099-01-31"],
    )
    assert blank.exit_code == 0, blank.output
    canva = runner.invoke(app, ["--db", path, "tool", "show", "Canva"], env={"COLUMNS": "200"})
    assert "notice period not recorded" in canva.stdout


def test_tool_edit_reads_spellings_an_import_accepts_and_clears_fields(catalog: str) -> None:
    edited = runner.invoke(
        app,
        [
            "--db", catalog, "tool", "edit", "HubSpot Marketing Hub",
            "--annual-cost", "EUR 1,050 / month", "--renewal-date", "31 Mar 2027",
            "--notice-days", "3 months", "--notes", "to clear",
        ],
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    cleared = runner.invoke(
        app,
        ["--db", catalog, "tool", "edit", "HubSpot Marketing Hub", "--clear", "notes",
         "--clear", "renewal-date"],
    )  # fmt: skip
    assert cleared.exit_code == 0, cleared.output
    shown = json.loads(
        runner.invoke(
            app, ["--db", catalog, "tool", "show", "HubSpot Marketing Hub", "--json"]
        ).stdout
    )
    current = shown["contracts"][-1]
    assert current["annual_cost"] == 12600.0 and current["currency"] == "EUR"
    assert current["billing_period"] == "monthly" and current["notice_days"] == 90
    assert current["renewal_date"] is None and shown["notes"] is None


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path: Path) -> None:
    # `stackmap … --json | head`: the reader leaves after a few lines; stackmap stops without a
    # traceback or an "internal error", with the shell's exit code for a closed pipe.
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "stackmap", "--db", str(tmp_path / "c.db"), "reference",
         "products", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10).startswith(b"[")
    process.stdout.close()  # the output is far larger than a pipe's buffer: it must notice
    error = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141, error
    assert error == ""


_JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    | st.dictionaries(st.integers(-(2**63), 2**63 - 1), inner, max_size=2),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    _JSON_DATA,
    st.sampled_from([0, 2, 64]),
    st.sampled_from([1, 7, 1 << 20]),
    st.sampled_from([1, 2, 1000]),
)
def test_json_is_written_a_member_at_a_time_exactly_as_orjson_writes_it_whole(
    data: object, small: int, buffer_size: int, run: int
) -> None:
    # --json output is streamed (a 100,000-tool analysis is 290 MB of JSON); it must be the
    # same bytes as one orjson.dumps of the whole, at every depth, empty or not, whichever
    # inner containers are small enough to be written whole, how many members written whole
    # go to orjson at once, and however the pieces are gathered before they are written.
    import io
    from unittest import mock

    import orjson

    from stackmap.cli import base

    buffer = io.BytesIO()
    with (
        mock.patch.object(base, "_BUFFER_SIZE", buffer_size),
        base._buffered(buffer.write) as write,
    ):
        base._write_json(write, data, 0, small, run)
    assert buffer.getvalue() == orjson.dumps(data, option=base._JSON_OPTIONS)


def test_a_long_list_inside_a_small_object_is_written_a_run_at_a_time() -> None:
    # The analysis's plan is a dozen fields around an exit per retiring tool: written whole,
    # it was one piece of 80 MB at 100,000 tools (held twice while indented), the peak of the
    # whole command. A long list inside such an object is written a run at a time; a list's
    # own small objects are still written whole (one call each run, not one per field).
    import io
    from unittest import mock

    import orjson

    from stackmap.cli import base

    exits = [
        {"tool": f"Tool {n}", "annual_cost": n, "exit_date": "2027-01-31"} for n in range(5000)
    ]
    data = {"summary": {"tools": 5000}, "plan": {"headline": "Retire 5,000", "exits": exits}}
    pieces: list[int] = []
    buffer = io.BytesIO()

    def write(piece: bytes | memoryview) -> None:
        pieces.append(len(piece))
        buffer.write(piece)

    with mock.patch.object(base, "_BUFFER_SIZE", 1), base._buffered(write) as add:
        base._write_json(add, data, 0)
    whole = orjson.dumps(data, option=base._JSON_OPTIONS)
    assert buffer.getvalue() == whole
    assert max(pieces) < len(whole) / 4, max(pieces)  # runs of a thousand exits at most
    assert len(pieces) < 100  # and not a write per field


def test_json_reaches_an_unbuffered_stdout_in_large_writes_not_one_per_member(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With PYTHONUNBUFFERED=1 every write is a system call: 20,000 tools written a field at
    # a time were 700,000 of them, about half of `tools --json`'s time.
    import io

    import orjson

    from stackmap.cli import base

    writes: list[int] = []

    class Unbuffered(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, piece: Any) -> int:
            # Like a pipe, a raw file may take only part of a large write.
            taken = min(len(memoryview(piece)), 100_000)
            writes.append(taken)
            return taken

    # stdout over a raw file, as Python opens it when PYTHONUNBUFFERED is set
    raw: Any = Unbuffered()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(raw, write_through=True))
    tools = [{f"field{i}": f"value {n} {i}" for i in range(17)} for n in range(3_000)]
    base.print_json(tools)
    size = len(orjson.dumps(tools, option=base._JSON_OPTIONS)) + 1
    assert sum(writes) == size  # nothing a partial write left over is lost
    assert len(writes) <= size // 100_000 + 3, len(writes)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("ab \t\x07\x1b\r\x0b[]:ü漢"), max_size=12), max_size=6
    ),
    st.booleans(),
)
def test_lines_printed_in_one_go_read_exactly_as_printed_one_by_one(
    lines: list[str], terminal: bool
) -> None:
    # An import reports a couple of thousand lines; printed in one go they must be the same
    # text as a print per line: control characters stripped the same, brackets not markup,
    # tabs and empty lines kept, on a terminal and off it.
    import io

    from rich.console import Console

    from stackmap.cli import base

    def printed(say: Any) -> str:
        output = base.Output(stderr=False)
        output._console = Console(
            file=io.StringIO(), highlight=False, soft_wrap=True, force_terminal=terminal
        )
        say(output)
        assert isinstance(output._console.file, io.StringIO)
        return output._console.file.getvalue()

    one_by_one = printed(lambda output: [output.say(line) for line in lines])
    assert printed(lambda output: output.say_lines(iter(lines))) == one_by_one
