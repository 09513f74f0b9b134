"""Analysis of a stack: pure functions over a snapshot of the catalog, built on networkx.

Nothing here reads the database: `Inventory.stack()` takes the snapshot, `analyze()` and
`what_if()` work on it.
"""

from stackmap.analysis.report import Analysis, analyze
from stackmap.analysis.stack import LinkFacts, Stack, ToolFacts
from stackmap.analysis.whatif import WhatIf, what_if

__all__ = ["Analysis", "LinkFacts", "Stack", "ToolFacts", "WhatIf", "analyze", "what_if"]
