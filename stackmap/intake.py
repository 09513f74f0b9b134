"""One way in for every import, shared by the CLI and the terminal UI: which kind of file it is
(a tool inventory, a finance spend report, a reviewed rationalisation workbook), which options
apply to that kind, the plan, and writing the plan that was shown — not whatever the path holds
by then.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from stackmap.errors import InvalidValueError, UsageError
from stackmap.importers.decisions import looks_like_review
from stackmap.importers.files import sha256_of
from stackmap.importers.mapping import Issue
from stackmap.importers.spend import SpendPlan
from stackmap.importers.spreadsheet import ImportPlan
from stackmap.progress import SILENT, Progress

if TYPE_CHECKING:
    from stackmap.inventory import Inventory, LoadResult
    from stackmap.review import DecisionPlan


class ImportKind(StrEnum):
    """What a file to import holds."""

    TOOLS = "tools"  # an inventory of tools, contracts, owners and integrations
    SPEND = "spend"  # a finance report of invoice lines
    DECISIONS = "decisions"  # a rationalisation workbook stackmap wrote, back from review


@dataclass(frozen=True)
class ImportRequest:
    """A file to import and the options given for it (None / False: not given)."""

    path: Path
    spend: bool = False  # the person says it is a spend report
    sheet: str | None = None
    profile: str | None = None
    dayfirst: bool | None = None
    currency: str | None = None
    strict: bool = False
    skip_invalid: bool = False
    rejects: Path | None = None
    apply_changed: bool = False
    period: str | None = None  # "START..END": what a spend report covers


# How each option is spelled on the command line, for messages.
OPTION_NAMES = {
    "sheet": "--sheet",
    "profile": "--profile",
    "dayfirst": "--dayfirst/--monthfirst",
    "currency": "--currency",
    "strict": "--strict",
    "skip_invalid": "--skip-invalid",
    "rejects": "--rejects",
    "apply_changed": "--apply-changed",
    "period": "--period",
}
APPLIES: dict[ImportKind, frozenset[str]] = {
    ImportKind.TOOLS: frozenset(
        {"sheet", "profile", "dayfirst", "currency", "strict", "skip_invalid", "rejects"}
    ),
    ImportKind.SPEND: frozenset(
        {"sheet", "profile", "dayfirst", "currency", "skip_invalid", "rejects", "period"}
    ),
    ImportKind.DECISIONS: frozenset({"apply_changed"}),
}
KIND_NAMES = {
    ImportKind.TOOLS: "a tool inventory",
    ImportKind.SPEND: "a spend report",
    ImportKind.DECISIONS: "a reviewed rationalisation workbook (its decisions)",
}


def import_kind(request: ImportRequest) -> ImportKind:
    """Return the kind of file the request names: a reviewed workbook is known by its bytes;
    a spend report is what the person says it is."""
    if looks_like_review(request.path):
        return ImportKind.DECISIONS
    return ImportKind.SPEND if request.spend else ImportKind.TOOLS


def check_options(kind: ImportKind, request: ImportRequest) -> None:
    """Refuse, in one line, options given that do not apply to this kind of file."""
    given = [
        f.name
        for f in fields(request)
        if f.name in OPTION_NAMES and getattr(request, f.name) not in (None, False)
    ]
    wrong = [OPTION_NAMES[name] for name in given if name not in APPLIES[kind]]
    if wrong:
        raise UsageError(
            f"{request.path.name} is {KIND_NAMES[kind]}: {', '.join(wrong)} "
            f"{'does' if len(wrong) == 1 else 'do'} not apply to it"
        )
    if request.skip_invalid and kind is ImportKind.TOOLS and not request.strict:
        raise UsageError(
            "--skip-invalid goes with --strict: without it, rows with unreadable values are "
            "imported with those values kept as written"
        )


@dataclass
class PlannedImport:
    """A file read and planned: what it is, the request, the plan, and the file's hash when
    read (the plan is written only if the file is still the one that was read)."""

    kind: ImportKind
    request: ImportRequest
    plan: ImportPlan | SpendPlan | DecisionPlan
    sha256: str

    @property
    def issues(self) -> list[Issue]:
        """Problems found in the file (none for a reviewed workbook: it reports skips)."""
        return list(self.plan.issues) if isinstance(self.plan, ImportPlan | SpendPlan) else []


def plan_file(
    inventory: Inventory, request: ImportRequest, progress: Progress = SILENT
) -> PlannedImport:
    """Read a file of any kind and return its plan; writes nothing.

    Raises UsageError for options that do not apply, InvalidValueError for a file that cannot
    be read.
    """
    kind = import_kind(request)
    check_options(kind, request)
    currency = request.currency.upper() if request.currency else None
    plan: ImportPlan | SpendPlan | DecisionPlan
    if kind is ImportKind.DECISIONS:
        from stackmap.review import plan_decisions

        plan = plan_decisions(inventory, request.path, apply_changed=request.apply_changed)
    elif kind is ImportKind.SPEND:
        plan = inventory.plan_spend(
            request.path,
            sheet=request.sheet,
            dayfirst=request.dayfirst,
            currency=currency,
            profile=request.profile,
            period=request.period,
        )
    else:
        plan = inventory.plan_import(
            request.path,
            sheet=request.sheet,
            profile=request.profile,
            dayfirst=request.dayfirst,
            currency=currency,
            strict=request.strict,
            progress=progress,
        )
    return PlannedImport(kind, request, plan, plan.sha256)


def apply_file(
    inventory: Inventory,
    planned: PlannedImport,
    *,
    dry_run: bool = False,
    progress: Progress = SILENT,
) -> LoadResult:
    """Write a planned import in one transaction (dry_run: report the diff, write nothing).

    Refuses, writing nothing, when the file changed since it was planned.
    """
    path = planned.request.path
    if not dry_run and (not path.is_file() or sha256_of(path) != planned.sha256):
        raise InvalidValueError(
            f"{path.name}: the file changed since it was checked; check it again before applying"
        )
    plan = planned.plan
    if isinstance(plan, ImportPlan):
        return inventory.apply_import(
            plan, dry_run=dry_run, skip_invalid=planned.request.skip_invalid, progress=progress
        )
    if isinstance(plan, SpendPlan):
        return inventory.apply_spend(
            plan, dry_run=dry_run, skip_invalid=planned.request.skip_invalid
        )
    from stackmap.review import apply_decisions

    return apply_decisions(inventory, plan, dry_run=dry_run)


def write_rejects(path: Path, file: str, issues: list[Issue]) -> None:
    """Write every problem of an import (row, column, value, reason) to a CSV a person can
    sort and fix from; cells are neutralised so the CSV cannot run a formula in Excel."""
    import csv

    from stackmap.export.safe import atomic_write, safe_text

    with atomic_write(path, newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["file", "row", "column", "value", "severity", "reason"])
        for issue in issues:
            row = (file, issue.row, issue.column, issue.value, issue.severity, issue.reason)
            writer.writerow([safe_text(str(v)) for v in row])
