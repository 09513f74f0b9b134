"""Analysis of a stack: pure functions over a snapshot of the catalog, built on networkx.

Nothing here reads the database: `Inventory.stack()` takes the snapshot, `analyze()` and
`what_if()` work on it.
"""

from stackmap.analysis.report import Analysis, MapFindings, analyze, map_findings
from stackmap.analysis.stack import LinkFacts, Stack, ToolFacts
from stackmap.analysis.whatif import WhatIf, what_if

__all__ = [
    "Analysis",
    "LinkFacts",
    "MapFindings",
    "Stack",
    "ToolFacts",
    "WhatIf",
    "analyze",
    "map_findings",
    "what_if",
]
