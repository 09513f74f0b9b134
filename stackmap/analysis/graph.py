"""The stack as graphs: tools and capabilities (bipartite), and tool-to-tool integrations.

Node keys are namespaced tuples, ("tool", id), ("capability", slug) and ("area", slug), so a
tool and a capability with the same name never merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx

from stackmap.analysis.stack import Stack, ToolFacts

NodeKey = tuple[str, object]


def tool_node(tool_id: int) -> NodeKey:
    return ("tool", tool_id)


def capability_node(slug: str) -> NodeKey:
    return ("capability", slug)


@dataclass
class StackGraph:
    """Graphs over the tools in use (or those given), with cost, status and owner attributes."""

    stack: Stack
    tools: tuple[ToolFacts, ...]

    @classmethod
    def of(cls, stack: Stack, tools: tuple[ToolFacts, ...] | None = None) -> StackGraph:
        return cls(stack, stack.in_use if tools is None else tools)

    @cached_property
    def capabilities(self) -> nx.Graph:
        """Bipartite graph: tools on one side, capabilities and their areas on the other."""
        graph = nx.Graph()
        reference = self.stack.reference
        for area in reference.areas:
            graph.add_node(("area", area.slug), kind="area", name=area.name)
            for capability in area.capabilities:
                node = capability_node(capability.slug)
                graph.add_node(
                    node, kind="capability", name=capability.name, required=capability.required
                )
                graph.add_edge(("area", area.slug), node)
        costs = self.stack.costs
        for tool in self.tools:
            graph.add_node(
                tool_node(tool.id),
                kind="tool",
                name=tool.name,
                status=tool.status,
                cost=costs[tool.id].annual,
                owner=tool.business_owner,
            )
            graph.add_edges_from(
                (tool_node(tool.id), capability_node(c))
                for c in tool.capabilities
                if c in reference.capabilities
            )
        return graph

    def providers(self, slug: str) -> list[int]:
        """Ids of the tools providing a capability."""
        return [
            key[1] for key in self.capabilities.neighbors(capability_node(slug)) if key[0] == "tool"
        ]

    @cached_property
    def integrations(self) -> nx.DiGraph:
        """Directed graph of integrations between the tools (edges follow the data)."""
        graph = nx.DiGraph()
        ids = {t.id for t in self.tools}
        graph.add_nodes_from(ids)
        for link in self.stack.links:
            if link.status == "planned" or link.source not in ids or link.target not in ids:
                continue
            ends = [(link.source, link.target)]
            if link.direction == "two_way":
                ends.append((link.target, link.source))
            for a, b in ends:
                if graph.has_edge(a, b):
                    graph[a][b]["links"].append(link)
                else:
                    graph.add_edge(a, b, links=[link])
        return graph

    @cached_property
    def working(self) -> nx.Graph:
        """Undirected graph of working links (not broken): who exchanges data with whom."""
        graph = nx.Graph()
        graph.add_nodes_from(self.integrations.nodes)
        graph.add_edges_from(
            (a, b)
            for a, b, data in self.integrations.edges(data=True)
            if any(link.status != "broken" for link in data["links"])
        )
        return graph
