"""What a review takes out of the catalog: the rationalisation workbook, the integration map,
the stack diagram and the renewal calendar, each written from one read of the catalog.

Reads only: each takes a ReadCatalog, which on an up-to-date embedded catalog is read without
SQLAlchemy (see stackmap.reader). Reviewers' decisions come back through stackmap.review.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from stackmap.analysis import analyze, map_findings, what_if
from stackmap.bulk import keep

if TYPE_CHECKING:
    # The writers load when something is written: openpyxl and pyvis (which pulls IPython)
    # would otherwise slow every start of stackmap.
    from stackmap.export.diagram import DiagramResult
    from stackmap.export.map import MapResult
    from stackmap.export.workbook import WorkbookSource
    from stackmap.reads import ReadCatalog


def export_workbook(
    catalog: ReadCatalog,
    path: Path,
    *,
    today: date | None = None,
    counted: tuple[str, ...] = ("active",),
    retire: list[str] | None = None,
    into: str | None = None,
    all_tools: bool = False,
) -> WorkbookSource:
    """Analyse the catalog and write the rationalisation workbook to path."""
    from stackmap.export.workbook import WorkbookSource, write_workbook

    # The stamps are read with the tools they stamp: a change made meanwhile is caught when
    # the decisions come back, never stamped as already seen.
    stack, versions, catalog_id = catalog.stamped_stack(today, counted, all_tools=all_tools)
    scenario = what_if(stack, retire, into) if retire else None
    source = WorkbookSource(
        stack=stack,
        analysis=analyze(stack),
        versions=versions,
        catalog_id=catalog_id,
        database=catalog.location,
        scenario=scenario,
        generated_at=datetime.now(),
    )
    write_workbook(path, source)
    keep(source)
    return source


def export_map(
    catalog: ReadCatalog,
    path: Path,
    *,
    today: date | None = None,
    counted: tuple[str, ...] = ("active",),
    retire: list[str] | None = None,
    into: str | None = None,
    all_tools: bool = False,
) -> MapResult:
    """Analyse the catalog and write the interactive integration map to path."""
    from stackmap.export.map import write_map

    # Only the findings the map draws: the money and maturity views are not worked out.
    stack = catalog.stack(today, counted, all_tools=all_tools)
    scenario = what_if(stack, retire, into) if retire else None
    findings = map_findings(stack)
    keep(stack, findings, scenario)
    return write_map(path, stack, findings, scenario)


def export_diagram(
    catalog: ReadCatalog,
    path: Path,
    *,
    today: date | None = None,
    counted: tuple[str, ...] = ("active",),
    overlay: str = "none",
) -> DiagramResult:
    """Write the stack diagram (HTML, or SVG for a .svg path); overlay: "none",
    "disposition" or "cost"."""
    stack = catalog.stack(today, counted)
    from stackmap.export.diagram import write_diagram

    return write_diagram(path, stack, analyze(stack), overlay)


def export_calendar(
    catalog: ReadCatalog,
    path: Path,
    *,
    today: date | None = None,
    counted: tuple[str, ...] = ("active",),
    paid_statuses: tuple[str, ...] | None = None,
) -> int:
    """Write the renewal calendar (.ics): every decide-by and renewal date ahead. Return the
    number of events. No analysis is needed: the dates come from the contract engine."""
    stack = catalog.stack(today, counted, paid_statuses=paid_statuses)
    from stackmap.export.calendar import write_calendar

    return write_calendar(path, stack)
