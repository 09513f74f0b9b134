"""The renewal calendar: an iCalendar (.ics) file with one all-day event per decide-by date and
per renewal date of the contracts being paid, each with the tool, its cost, its owners and what
to do, for Outlook, Google Calendar or Apple Calendar to import.

The dates come from the contract engine (stackmap.terms), the same one spend, renewals and the
what-if use. Event identifiers are stable (tool, contract, kind, date), so importing a newer
export updates events instead of duplicating them. Text is escaped by the icalendar library;
the file carries no links, attachments or scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Alarm, Calendar, Event

from stackmap import __version__
from stackmap.analysis.stack import Stack, missing_cost
from stackmap.export.safe import atomic_write
from stackmap.terms import COMMITTED
from stackmap.text import money

REMIND_DAYS = 14  # a reminder this long before a decide-by date


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: date
    summary: str
    description: str
    remind: bool  # a decide-by date: remind ahead of it


def calendar_events(stack: Stack) -> list[CalendarEvent]:
    """The decide-by and renewal dates ahead, of every contract being paid, by date."""
    today = stack.today
    base = stack.base_currency
    events = []
    for tool in stack.paid_tools:
        cost = stack.costs[tool.id]
        owners = ", ".join(tool.owners) or "nobody recorded"
        if cost.annual is not None:
            amount = money(cost.annual, base) + " a year"
        elif cost.unconverted:  # known, in a currency with no rate: say it as written
            amount = " + ".join(money(v, c) for c, v in cost.unconverted) + " a year"
            amount += f" ({missing_cost(stack, [tool])})"
        else:
            amount = "cost unknown"
        leaving = (
            " It is being sunset: give notice so it is not paid for again."
            if stack.leaving(tool)
            else ""
        )
        for p in cost.paid:
            renewal = p.renewal_date
            if renewal is None or renewal < today:
                continue
            key = f"{tool.id}-{p.contract.id}"
            facts = f"{tool.name}: {amount}. Owners: {owners}."
            renews = "renews automatically" if p.auto_renew is not False else "ends"
            if p.decide_by is not None and p.decide_by >= today and p.auto_renew is not False:
                events.append(
                    CalendarEvent(
                        f"decide-{key}-{p.decide_by.isoformat()}@stackmap",
                        p.decide_by,
                        f"Decide: {tool.name} (notice due)",
                        f"Last day to give notice: {tool.name} {renews} on "
                        f"{renewal.isoformat()} ({p.notice_days} days' notice). Decide whether to "
                        f"keep, renegotiate or leave. {facts}{leaving}",
                        True,
                    )
                )
            if p.state == COMMITTED:
                action = (
                    "The notice date has passed: this renewal is committed; the earliest exit "
                    f"is {p.exit_date.isoformat() if p.exit_date else 'a term later'}."
                )
            elif p.decide_by is None:
                action = "No notice period is recorded: check the contract well before this day."
            elif p.auto_renew is False:
                action = "It does not renew itself: renew before this day if it should continue."
            else:
                action = f"Notice was due by {p.decide_by.isoformat()}."
            events.append(
                CalendarEvent(
                    f"renewal-{key}-{renewal.isoformat()}@stackmap",
                    renewal,
                    f"{tool.name} {'renews' if p.auto_renew is not False else 'ends'}",
                    f"{tool.name} {renews} on {renewal.isoformat()}. {action} {facts}{leaving}",
                    p.decide_by is None and p.auto_renew is not False,
                )
            )
    events.sort(key=lambda e: (e.day, e.summary.casefold()))
    return events


def write_calendar(path: Path, stack: Stack) -> int:
    """Write the renewal calendar to path (atomically); return how many events it holds."""
    calendar = Calendar()
    calendar.add("prodid", f"-//stackmap {__version__}//renewal calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Martech renewals (stackmap)")
    stamp = datetime.now(UTC)
    events = calendar_events(stack)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: never blocks time
        if item.remind:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", item.summary)
            alarm.add("trigger", timedelta(days=-REMIND_DAYS))
            event.add_component(alarm)
        calendar.add_component(event)
    with atomic_write(path, "wb") as stream:
        stream.write(calendar.to_ical())
    return len(events)
