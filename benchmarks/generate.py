"""Generate realistic synthetic martech stacks of any size, and write them as messy workbooks.

Deterministic for a given seed, so every run measures the same data. Tools get vendors,
owners, contracts (costs typed the many ways people type them), capabilities and integrations.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

CATEGORIES = [
    "CRM",
    "Marketing automation",
    "Analytics",
    "BI",
    "CDP",
    "Email",
    "Social",
    "SEO",
    "Webinars",
    "DAM",
    "Project management",
    "Enrichment",
    "Chat",
    "Attribution",
    "Landing pages",
    "Advertising",
    "Surveys",
    "Video",
    "Integration",
    "Privacy",
]
TEAMS = ["Marketing", "Sales", "Product", "Customer Success", "Data", "Finance", "Brand", "Web"]
FIRST = [
    "Alicia",
    "Marcus",
    "Priya",
    "Tom",
    "Jonas",
    "Lena",
    "Mira",
    "Nora",
    "Eva",
    "Ravi",
    "Sam",
    "Hannah",
    "Dana",
    "Omar",
    "Chen",
    "Fatima",
    "Lucas",
    "Ines",
    "Kofi",
    "Yuki",
]
LAST = [
    "Gomez",
    "Feld",
    "Natarajan",
    "Becker",
    "Weber",
    "Kraus",
    "Olsen",
    "Ali",
    "Lindqvist",
    "Shah",
    "Ortiz",
    "Cho",
    "Lee",
    "Haddad",
    "Wang",
    "Khan",
    "Silva",
    "Moreau",
    "Mensah",
    "Sato",
]
METHODS = ["Native", "API", "Zapier", "CSV export", "Manual upload", "Webhook"]
FREQUENCIES = ["Real-time", "Hourly", "Daily", "Weekly", "Ad hoc"]


@dataclass(frozen=True)
class SyntheticTool:
    name: str
    vendor: str
    category: str
    owner: str
    team: str
    cost: str | float
    billing: str
    start: date | str
    renewal: date | str
    notice: str
    auto_renew: str
    seats: int | None
    active: int | None


@dataclass(frozen=True)
class SyntheticStack:
    tools: list[SyntheticTool]
    integrations: list[tuple[str, str, str, str]]  # source, target, method, frequency


def _cost(rng: random.Random) -> tuple[str | float, str]:
    annual = rng.choice([1200, 3600, 9600, 18000, 24000, 48000, 74900, 120000])
    style = rng.randrange(7)
    if style == 0:
        return float(annual), "Annual"
    if style == 1:
        return f"${annual:,}", "Annual"
    if style == 2:
        return f"USD {annual / 12:,.0f} / month", "Monthly"
    if style == 3:
        return f"{annual // 1000}k", "Annual"
    if style == 4:
        return f"€{annual:,.2f}".replace(",", "X").replace(".", ",").replace("X", "."), "Annual"
    if style == 5:
        return f"{annual}/yr", ""
    return rng.choice(["TBD", "n/a", "free"]), ""


def synthetic_stack(tools: int, integrations: int, seed: int = 7) -> SyntheticStack:
    """Return a stack of this many tools and integrations, the same for the same seed."""
    rng = random.Random(seed)
    result = []
    today = date(2026, 11, 22)
    for i in range(tools):
        vendor = f"Vendor {i // 3:05d} Inc."
        cost, billing = _cost(rng)
        start = today - timedelta(days=rng.randrange(30, 900))
        renewal = today + timedelta(days=rng.randrange(-30, 700))
        seats = rng.choice([None, 5, 10, 25, 50, 100, 250])
        result.append(
            SyntheticTool(
                name=f"Tool {i:05d} {rng.choice(CATEGORIES)}",
                vendor=vendor,
                category=rng.choice(CATEGORIES),
                owner=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                team="; ".join(rng.sample(TEAMS, rng.randrange(1, 3))),
                cost=cost,
                billing=billing,
                start=start if rng.random() < 0.7 else start.strftime("%d/%m/%Y"),
                renewal=renewal if rng.random() < 0.7 else renewal.strftime("%d %b %Y"),
                notice=rng.choice(["30 days", "60", "90 days", "3 months", ""]),
                auto_renew=rng.choice(["Yes", "No", "Y", "TRUE", ""]),
                seats=seats,
                active=None if seats is None else rng.randrange(0, seats + 1),
            )
        )
    links: list[tuple[str, str, str, str]] = []
    names = [t.name for t in result]
    seen: set[tuple[str, str]] = set()
    while len(links) < integrations and len(names) > 1:
        source, target = rng.sample(names, 2)
        if (source, target) in seen:
            continue
        seen.add((source, target))
        links.append((source, target, rng.choice(METHODS), rng.choice(FREQUENCIES)))
    return SyntheticStack(result, links)


HEADERS = [
    "Application Name",
    "Vendor",
    "Category",
    "Business Owner",
    "Department",
    "Cost",
    "Billing",
    "Start",
    "Renewal Date",
    "Notice Period",
    "Auto-renew?",
    "Seats Purchased",
    "Active Users",
    "Internal ID",
]


def write_workbook(path: Path, stack: SyntheticStack) -> Path:
    """Write a vendor-style workbook: title rows, the tool sheet, an integrations sheet."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("Applications")
    sheet.append(["Application inventory export"])
    sheet.append(["Generated for benchmarking · amounts in USD unless stated"])
    sheet.append([])
    sheet.append(HEADERS)
    for i, t in enumerate(stack.tools):
        sheet.append(
            [
                t.name,
                t.vendor,
                t.category,
                t.owner,
                t.team,
                t.cost,
                t.billing,
                t.start,
                t.renewal,
                t.notice,
                t.auto_renew,
                t.seats,
                t.active,
                f"APP-{i:06d}",
            ]
        )
    links = wb.create_sheet("Integrations")
    links.append(["From", "To", "How", "How often"])
    for link in stack.integrations:
        links.append(list(link))
    wb.save(path)
    return path


def main() -> None:
    """`python -m benchmarks.generate TOOLS INTEGRATIONS OUT.xlsx`: write a synthetic stack."""
    tools, integrations, out = sys.argv[1:4]
    write_workbook(Path(out), synthetic_stack(int(tools), int(integrations)))


if __name__ == "__main__":
    main()
