"""The analysis's sections, in the order the terminal shows them (`analyze --section`).

Apart from their renderer (stackmap.render) so that the command line can list them without
loading Rich.
"""

from __future__ import annotations

SECTIONS = (
    "summary",
    "overlaps",
    "gaps",
    "coverage",
    "integrations",
    "renewals",
    "underutilized",
    "spend",
    "recommendations",
    "maturity",
)
