"""The stack as graphs: tools and capabilities (bipartite), and tool-to-tool integrations.

Node keys are namespaced tuples, ("tool", id), ("capability", slug) and ("area", slug), so a
tool and a capability with the same name never merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from stackmap.analysis.stack import LinkFacts, Stack, ToolFacts

if TYPE_CHECKING:
    # networkx loads with the graphs that need it (0.1 s): a what-if's searches do not.
    import networkx as nx

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
        import networkx as nx

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
        known = reference.capabilities
        graph.add_nodes_from((tool_node(t.id), self.attributes(t)) for t in self.tools)
        graph.add_edges_from(
            (tool_node(t.id), capability_node(c))
            for t in self.tools
            for c in t.capabilities
            if c in known
        )
        return graph

    @cached_property
    def sorted_tools(self) -> tuple[ToolFacts, ...]:
        """The tools by name as people sort them (case-insensitive), the order most findings
        list them in: sorted once for all of them."""
        folded = self.stack.folded_names
        return tuple(sorted(self.tools, key=lambda t: folded[t.id]))

    @cached_property
    def _providers(self) -> dict[str, list[int]]:
        # A plain index for the analysis' own lookups: building the networkx graph for
        # 20,000 tools costs more than every lookup the analysis makes.
        known = self.stack.reference.capabilities
        index: dict[str, list[int]] = {}
        for tool in self.tools:
            for capability in dict.fromkeys(tool.capabilities):
                if capability in known:
                    index.setdefault(capability, []).append(tool.id)
        return index

    def attributes(self, tool: ToolFacts) -> dict[str, object]:
        """A tool node's attributes: name, status, cost, owner, utilisation."""
        cost = self.stack.costs[tool.id]
        return {
            "kind": "tool",
            "name": tool.name,
            "status": tool.status,
            "cost": cost.annual,
            "owner": tool.business_owner or tool.technical_owner,
            "utilisation": cost.utilisation,
        }

    @property
    def providers_by_capability(self) -> dict[str, list[int]]:
        """Ids of the tools providing each known capability (those with at least one)."""
        return self._providers

    def providers(self, slug: str) -> list[int]:
        """Ids of the tools providing a capability."""
        return self._providers.get(slug, [])

    @cached_property
    def links(self) -> tuple[LinkFacts, ...]:
        """The links between these tools that exist (not planned ones), in the catalog's order."""
        if self.tools is self.stack.in_use:
            return self.stack.in_use_links  # the analysis's other findings read them too
        ids = {t.id for t in self.tools}
        return tuple(
            link
            for link in self.stack.links
            if link.status != "planned" and link.source in ids and link.target in ids
        )

    @cached_property
    def _flows(self) -> dict[tuple[int, int], list[LinkFacts]]:
        """Links by (from, to) tool ids; a two-way link flows both ways. Only the integration
        graph and a tool's own links need it: the analysis reads self.links and adjacency."""
        flows: dict[tuple[int, int], list[LinkFacts]] = {}
        for link in self.links:
            flows.setdefault((link.source, link.target), []).append(link)
            if link.direction == "two_way":
                flows.setdefault((link.target, link.source), []).append(link)
        return flows

    @cached_property
    def links_of(self) -> dict[int, list[LinkFacts]]:
        """The existing (not planned) links of each tool, by tool id."""
        result: dict[int, list[LinkFacts]] = {}
        for (a, b), links in self._flows.items():
            for link in links:
                if (link.source, link.target) == (a, b):  # a two-way link once, not twice
                    result.setdefault(a, []).append(link)
                    result.setdefault(b, []).append(link)
        return result

    def links_touching(self, ids: set[int]) -> dict[int, list[LinkFacts]]:
        """`links_of` for a few tools (those of ids that have links): one pass over the
        links, not an index of every tool's (which a what-if on 20,000 tools never needs)."""
        if "links_of" in self.__dict__:  # already indexed (the terminal UI's graph)
            return {t: self.links_of[t] for t in ids if t in self.links_of}
        result: dict[int, list[LinkFacts]] = {}
        for (a, b), links in self._flows.items():
            if a in ids or b in ids:
                for link in links:
                    if (link.source, link.target) == (a, b):  # as links_of: a two-way link once
                        if a in ids:
                            result.setdefault(a, []).append(link)
                        if b in ids:
                            result.setdefault(b, []).append(link)
        return result

    @cached_property
    def _searched(self) -> Search:
        return search(self.adjacency)

    @property
    def blocks(self) -> list[set[int]]:
        """The biconnected components of the working-link graph (see `search`)."""
        return self._searched.blocks

    @cached_property
    def components(self) -> list[set[int]]:
        """Groups of tools connected by working links, largest first (single tools included).

        The block search finds them too, when it has run (the analysis needs its blocks);
        otherwise (a what-if) a plain breadth-first search does, in a third of the time."""
        searched = self.__dict__.get("_searched")
        found = searched.components if searched is not None else connected(self.adjacency)
        return sorted(found, key=len, reverse=True)

    @cached_property
    def main_component(self) -> set[int]:
        """The largest group of tools connected by working links: "the rest of the stack"."""
        return self.components[0] if self.components else set()

    def degree(self, tool_id: int) -> int:
        """How many tools this one exchanges data with over working links."""
        return len(self.adjacency.get(tool_id, ()))

    @cached_property
    def linked(self) -> set[int]:
        """Tools with at least one integration that exists (working or broken)."""
        # Those with a working link are in the adjacency already: only broken links are read.
        found = {t for t, others in self.adjacency.items() if others}
        for link in self.links:
            if link.status == "broken":
                found.add(link.source)
                found.add(link.target)
        return found

    def flow_counts(self, tools: set[int]) -> dict[int, tuple[int, int]]:
        """For these tools: how many tools each sends data to and receives data from (a
        two-way link both)."""
        sends: dict[int, set[int]] = {t: set() for t in tools}
        receives: dict[int, set[int]] = {t: set() for t in tools}
        for link in self.links:
            a, b = link.source, link.target
            if a in sends:
                sends[a].add(b)
            if b in receives:
                receives[b].add(a)
            if link.direction == "two_way":
                if b in sends:
                    sends[b].add(a)
                if a in receives:
                    receives[a].add(b)
        return {t: (len(sends[t]), len(receives[t])) for t in tools}

    @cached_property
    def integrations(self) -> nx.DiGraph:
        """Directed graph of integrations between the tools (edges follow the data)."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from((t.id, self.attributes(t)) for t in self.tools)
        graph.add_edges_from((a, b, {"links": links}) for (a, b), links in self._flows.items())
        return graph

    @cached_property
    def adjacency(self) -> dict[int, set[int]]:
        """Who exchanges data with whom over working (not broken) links, undirected; every
        tool is a key. Plain sets: the what-if searches them without building networkx
        graphs."""
        # Straight from the links, not through _flows (which the analysis never needs): two
        # tools exchange data when any link between them, either way, is not broken.
        result: dict[int, set[int]] = {t.id: set() for t in self.tools}
        for link in self.links:
            if link.status != "broken":
                result[link.source].add(link.target)
                result[link.target].add(link.source)
        return result


def reachable(adjacency: dict[int, set[int]], start: int, avoid: set[int]) -> set[int]:
    """Tools reachable from start over working links without passing through avoid.

    A plain breadth-first search over sets: a filtered networkx view checks its filter on
    every step and is several times slower on 100,000 links.
    """
    found = {start}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for other in adjacency[node]:
                if other not in found and other not in avoid:
                    found.add(other)
                    following.append(other)
        frontier = following
    return found


def connected(adjacency: dict[int, set[int]]) -> list[set[int]]:
    """The connected components, each a set of tools, in the order their first tool comes in
    the adjacency (as `search` gives them)."""
    components: list[set[int]] = []
    seen: set[int] = set()
    for root in adjacency:
        if root in seen:
            continue
        found = {root}
        frontier = [root]
        while frontier:
            following: list[int] = []
            for node in frontier:
                new = adjacency[node] - found
                if new:
                    found |= new
                    following.extend(new)
            frontier = following
        seen |= found
        components.append(found)
    return components


class Search(NamedTuple):
    blocks: list[set[int]]
    components: list[set[int]]  # in the order their first tool comes in the adjacency


def search(adjacency: dict[int, set[int]]) -> Search:
    """The biconnected components (blocks) of the undirected working-link graph, each a set of
    tools, and its connected components, in one iterative depth-first search (Hopcroft and
    Tarjan). A tool in two blocks is an articulation point; a tool with no working link is in
    no block, and alone in its component.

    Same answers as networkx's biconnected_components and connected_components (tests hold
    them equal on random graphs), run on the plain sets the what-if already keeps: building a
    networkx graph of 100,000 links and searching it took five times as long. Each search
    from a new root covers exactly that root's component, so the components come free.
    """
    order: dict[int, int] = {}  # discovery number, by tool
    # The lowest discovery number reachable through one back edge, by discovery number: a
    # list, and each tool's own kept in a local while its neighbours are scanned, one dict
    # lookup per neighbour instead of three (at 100,000 tools 0.82 s against 1.07 s, median
    # of six side by side).
    low: list[int] = []
    found: list[set[int]] = []
    components: list[set[int]] = []
    discovered: list[int] = []  # every tool, in the order the searches reach it
    for root, neighbours in adjacency.items():
        if root in order:
            continue
        order[root] = number = len(low)
        low.append(number)
        start = len(discovered)
        discovered.append(root)
        if not neighbours:
            components.append({root})
            continue
        path = [root]  # tools visited and not yet assigned to a block
        # (tool, its discovery number, its parent's, the neighbours left to scan)
        work = [(root, number, number, iter(neighbours))]
        while work:
            node, mine, parent, rest = work[-1]
            lowest = low[mine]
            for other in rest:
                seen = order.get(other)
                if seen is None:
                    order[other] = number = len(low)
                    low.append(number)
                    discovered.append(other)
                    path.append(other)
                    low[mine] = lowest
                    work.append((other, number, mine, iter(adjacency[other])))
                    break
                if seen < lowest and seen != parent:
                    lowest = seen
            else:
                low[mine] = lowest
                work.pop()
                if mine == parent:  # the root: its blocks were closed by its children
                    continue
                if lowest < low[parent]:
                    low[parent] = lowest
                if lowest >= parent:
                    # Nothing below node reaches above its parent: node's subtree and the
                    # parent form a block.
                    block = {discovered[parent]}
                    while True:
                        last = path.pop()
                        block.add(last)
                        if last == node:
                            break
                    found.append(block)
        components.append(set(discovered[start:]))
    return Search(found, components)
