"""What the screens show, fetched off the UI thread through the application API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stackmap.analysis import Analysis, Stack, analyze
from stackmap.analysis.graph import StackGraph
from stackmap.inventory import Inventory


@dataclass
class AnalysedStack:
    """The catalog as last read, and its analysis; the what-if reuses the graph."""

    stack: Stack
    analysis: Analysis
    graph: StackGraph


def analyse_catalog(inventory: Inventory, today: date | None = None) -> AnalysedStack:
    stack = inventory.stack(today)
    graph = StackGraph.of(stack)
    return AnalysedStack(stack, analyze(stack, graph), graph)
