"""`stackmap demo`: build a catalog from the bundled sample files, report what it holds, and
write the review workbook, the integration map and the stack diagram beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stackmap.analysis import Analysis
    from stackmap.inventory import LoadResult

DEFAULT_OUTPUT = Path("stackmap-output")


# The files a team would bring, in the order they would import them: the SaaS-management
# export first (what is paid for), then the team's own audit (what it is and who owns it).
SAMPLE_FILES = ("saas-management-export.csv", "team-audit.xlsx")


def default_samples_dir() -> Path:
    """Return the bundled sample files (wheel copy, else the repo's imports/)."""
    packaged = Path(str(files("stackmap"))) / "_samples"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "imports"


@dataclass
class DemoReport:
    """What the demo loaded, and the analysis of the resulting stack."""

    database: str
    loads: dict[str, dict[str, int]]
    analysis: Analysis
    files: dict[str, str] = field(default_factory=dict)  # what was written, and where

    @property
    def tools(self) -> int:
        return self.analysis.tools_total

    @property
    def active_tools(self) -> int:
        return self.analysis.tools_in_use

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "loads": self.loads,
            "tools": self.tools,
            "active_tools": self.active_tools,
            "analysis": self.analysis.to_json(),
            "files": self.files,
        }

    def lines(self) -> list[str]:
        """Return what was loaded and written, as sentences for the terminal."""
        labels = {
            "workbook": "Budget-review workbook",
            "map": "Integration map",
            "diagram": "Stack diagram",
        }
        return [
            f"Catalog: {self.database}",
            *(
                f"Loaded {name}: "
                + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if v)
                for name, counts in self.loads.items()
            ),
            *(f"{labels[kind]}: {path}" for kind, path in self.files.items()),
        ]


def run_demo(
    output: Path,
    *,
    database: str | None = None,
    reference_dirs: Sequence[Path] = (),
    actor: str | None = None,
    samples: Path | None = None,
    today: date | None = None,
) -> DemoReport:
    """Load the sample tools and integrations into a fresh demo catalog and summarise it.

    Without a database URL the catalog is a new SQLite file in the output folder, so the demo
    never touches the user's own catalog.
    """
    # The whole stack loads here, not on import: `stackmap --help` names this module's default.
    from stackmap import db
    from stackmap.analysis import analyze
    from stackmap.inventory import Inventory
    from stackmap.publish import export_diagram, export_map, export_workbook
    from stackmap.reference import load_reference

    samples = samples or default_samples_dir()
    output.mkdir(parents=True, exist_ok=True)
    if database is None:
        path = output / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        database = str(path)
    reference = load_reference(reference_dirs)
    inventory = Inventory(
        db.open_database(db.resolve_url(database)), reference, actor or "stackmap demo"
    )
    try:
        loads: dict[str, LoadResult] = {}
        for name in SAMPLE_FILES:
            plan = inventory.plan_import(samples / name)
            loads[name] = inventory.apply_import(plan)
        day = today or date.today()
        files = {
            "workbook": output / "stackmap-review.xlsx",
            "map": output / "integration-map.html",
            "diagram": output / "stack-diagram.html",
        }
        export_workbook(inventory, files["workbook"], today=day)
        export_map(inventory, files["map"], today=day)
        export_diagram(inventory, files["diagram"], today=day)
        return DemoReport(
            database=inventory.location,
            loads={name: result.counts() for name, result in loads.items()},
            analysis=analyze(inventory.stack(day)),
            files={kind: str(path) for kind, path in files.items()},
        )
    finally:
        inventory.close()
