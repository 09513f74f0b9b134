"""The renewal calendar (.ics): one event per decide-by and renewal date, read back by an
independent iCalendar parser (vobject) the way a calendar application would read it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import vobject
from stacks import stack, tool
from typer.testing import CliRunner

from stackmap.cli import app
from stackmap.export.calendar import calendar_events
from stackmap.reference import Reference

runner = CliRunner()
TODAY = date(2027, 1, 15)


def _events(path: Path) -> dict[str, Any]:  # vobject's components are untyped
    calendar = vobject.readOne(path.read_text(encoding="utf-8"))
    return {event.summary.value: event for event in calendar.vevent_list}


def test_the_calendar_has_a_decide_by_and_a_renewal_event_a_calendar_app_can_read(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "c.db")
    added = runner.invoke(
        app,
        [
            "--db", db, "tool", "add", "ZoomInfo, Inc.", "--owner", "Priya; Ops",
            "--annual-cost", "48000", "--renewal-date", "2027-06-30", "--notice-days", "60",
            "--auto-renew",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    path = tmp_path / "renewals.ics"
    result = runner.invoke(
        app, ["--db", db, "export", "calendar", str(path), "--as-of", "2027-01-15"]
    )
    assert result.exit_code == 0, result.output
    assert "2 dates" in result.stdout
    raw = path.read_bytes()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))
    events = _events(path)
    decide = events["Decide: ZoomInfo, Inc. (notice due)"]
    assert decide.dtstart.value == date(2027, 5, 1)  # 60 days before the renewal
    assert "USD 48,000 a year" in decide.description.value
    assert "Owners: Priya; Ops" in decide.description.value
    assert decide.valarm.trigger.value.days == -14
    renewal = events["ZoomInfo, Inc. renews"]
    assert renewal.dtstart.value == date(2027, 6, 30)
    assert renewal.uid.value.startswith("renewal-") and renewal.uid.value.endswith("@stackmap")
    # Exported again, the same events keep their identifiers: an import updates, never doubles.
    again = tmp_path / "again.ics"
    runner.invoke(app, ["--db", db, "export", "calendar", str(again), "--as-of", "2027-01-15"])
    assert {e.uid.value for e in _events(again).values()} == {e.uid.value for e in events.values()}


def test_calendar_dates_follow_the_contract_engine(reference: Reference) -> None:
    s = stack(
        reference,
        [
            # Notice date passed, renews itself: no decide-by event, the renewal says committed.
            tool(1, "Committed", cost=1000, renewal=date(2027, 3, 1), notice=90, auto_renew=True),
            # No notice recorded: the renewal event asks for the contract to be checked.
            tool(2, "Unknown notice", cost=1000, renewal=date(2027, 4, 1), auto_renew=True),
            # Renewed itself last month: the next renewal, a year on.
            tool(3, "Rolled", cost=1000, renewal=date(2026, 12, 20), notice=30, auto_renew=True),
            # Lapsed: nothing to put in a calendar.
            tool(4, "Lapsed", cost=1000, renewal=date(2026, 12, 1), auto_renew=False),
            # Being sunset: its notice date is exactly what must not be missed.
            tool(5, "Old", cost=1000, renewal=date(2027, 6, 1), notice=30, status="sunsetting"),
        ],
        today=TODAY,
    )
    events = {(e.summary, e.day): e for e in calendar_events(s)}
    assert ("Decide: Committed (notice due)", date(2026, 12, 1)) not in events
    assert "committed" in events[("Committed renews", date(2027, 3, 1))].description
    assert (
        "No notice period is recorded"
        in events[("Unknown notice renews", date(2027, 4, 1))].description
    )
    assert ("Rolled renews", date(2027, 12, 20)) in events
    assert not any(summary.startswith("Lapsed") for summary, _ in events)
    assert "being sunset" in events[("Decide: Old (notice due)", date(2027, 5, 2))].description


def test_a_calendar_path_must_end_in_ics(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["--db", str(tmp_path / "c.db"), "export", "calendar", str(tmp_path / "x.txt")]
    )
    assert result.exit_code == 2 and ".ics" in result.output
