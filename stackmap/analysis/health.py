"""Integration health: silos, hubs, single points of failure, islands, fragile links, and tools
nobody owns.

Connectivity is read on the undirected graph of working links: data may flow either way along
an integration, and a tool cut off from the rest cannot exchange data in any direction.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from operator import itemgetter

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.stack import Stack
from stackmap.record import written

_NAMED = 8  # tools named in a sentence before "and N more"
Node = tuple[str, int]  # a node of the block-cut tree: ("block", index) or ("tool", id)
Tree = dict[Node, list[Node]]  # each node's neighbours in the tree


@written
class Silo:
    tool: str
    owner: str | None
    why: str


@dataclass(frozen=True)
class Hub:
    tool: str
    connected_tools: int
    sends_to: int
    receives_from: int
    why: str


@dataclass(frozen=True)
class SinglePoint:
    tool: str
    cut_off: int
    cut_off_tools: tuple[str, ...]  # the first few, by name
    why: str


@dataclass(frozen=True)
class Island:
    tools: tuple[str, ...]
    why: str


@written
class FragileLink:
    source: str
    target: str
    method: str
    status: str
    problem: str  # what makes it fragile, in words
    why: str


@written
class Unowned:
    tool: str
    why: str


def silos(stack: Stack, graph: StackGraph) -> list[Silo]:
    """Tools in use with no working integration."""
    result = []
    for tool in graph.sorted_tools:
        if graph.degree(tool.id):
            continue
        if tool.id in graph.linked:
            why = (
                f"{tool.name}'s only integration(s) are marked broken: its data is stuck there "
                "until they are fixed."
            )
        else:
            why = (
                f"{tool.name} has no integration recorded: whatever it holds is typed in and "
                "stays there, invisible to the rest of the stack."
            )
        result.append(Silo(tool.name, tool.business_owner or tool.technical_owner, why))
    return result


def hubs(stack: Stack, graph: StackGraph) -> list[Hub]:
    """The most connected tools, by the number of distinct tools they exchange data with.

    Degree (not betweenness) because it is what a person means by "everything goes through
    it": each connected tool is a flow that breaks or must be rebuilt if the hub changes.
    """
    settings = stack.reference.settings.hubs
    ranked = sorted(
        (n for n, others in graph.adjacency.items() if len(others) >= settings.min_links),
        key=lambda n: (-graph.degree(n), stack.by_id[n].name.casefold()),
    )[: settings.top]
    counts = graph.flow_counts(set(ranked))
    result = []
    for node in ranked:
        name = stack.by_id[node].name
        sends, receives = counts[node]
        result.append(
            Hub(
                name,
                graph.degree(node),
                sends,
                receives,
                f"{name} exchanges data with {graph.degree(node)} tools (sends to {sends}, "
                f"receives from {receives}): a change, outage or retirement here reaches all "
                "of them.",
            )
        )
    return result


def single_points_of_failure(stack: Stack, graph: StackGraph) -> list[SinglePoint]:
    """Tools whose removal leaves other tools with no path to the rest of their connected stack.

    These are the articulation points of the undirected working-link graph. Which tools each
    one cuts off is read from the block-cut tree in linear time: the pieces left when the
    tool goes are the subtrees around it, and all but the largest are cut off.
    """
    # One depth-first search: a tool in two or more blocks is an articulation point.
    found = graph.blocks
    seen: set[int] = set()
    points: set[int] = set()
    for block in found:
        points |= seen & block
        seen |= block
    if not points:
        return []
    # The block-cut tree as plain adjacency lists: blocks joined to the points they hold.
    tree: Tree = {}
    members: dict[Node, list[int]] = {}
    for point in points:
        members[("tool", point)] = [point]
        tree[("tool", point)] = []
    for index, block in enumerate(found):
        node: Node = ("block", index)
        members[node] = [n for n in block if n not in points]
        tree[node] = [("tool", p) for p in block if p in points]
        for joined in tree[node]:
            tree[joined].append(node)
    weight = {node: len(m) for node, m in members.items()}
    result = []
    placed: set[Node] = set()
    for root in tree:  # each connected piece of the stack is one tree
        if root in placed:
            continue
        parent, order = _rooted(tree, root)
        placed.update(order)
        below = dict(weight)
        for node in reversed(order):
            above = parent[node]
            if above is not None:
                below[above] += below[node]
        total = below[root]
        for node in order:
            if node[0] != "tool":
                continue
            pieces: list[tuple[int, Node]] = [
                (below[child], child) for child in tree[node] if parent[child] == node
            ]
            up = parent[node]
            if up is not None:
                pieces.append((total - below[node], up))
            # Largest first; equal pieces in a fixed order (not set order), so the same
            # stack always reads the same.
            pieces.sort(key=lambda p: (-p[0], repr(p[1])))
            cut = pieces[1:]
            count = sum(p[0] for p in cut)
            if not count:
                continue
            shown = sorted(
                (
                    stack.by_id[t].name
                    for _, start in cut
                    for t in _collect(tree, members, start, node, _NAMED)
                ),
                key=str.casefold,
            )[:_NAMED]
            name = stack.by_id[node[1]].name
            more = f" and {count - len(shown)} more" if count > len(shown) else ""
            result.append(
                SinglePoint(
                    name,
                    count,
                    tuple(shown),
                    f"If {name} fails or is retired, {count} tool(s) lose their only path to "
                    f"the rest of the stack: {', '.join(shown)}{more}.",
                )
            )
    result.sort(key=lambda s: (-s.cut_off, s.tool.casefold()))
    return result


def _rooted(tree: Tree, root: Node) -> tuple[dict[Node, Node | None], list[Node]]:
    """Parent of every node and a top-down order, by breadth-first search from root."""
    parent: dict[Node, Node | None] = {root: None}
    order = [root]
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for other in tree[node]:
            if other not in parent:
                parent[other] = node
                order.append(other)
                queue.append(other)
    return parent, order


def _collect(
    tree: Tree, members: dict[Node, list[int]], start: Node, avoid: Node, limit: int
) -> list[int]:
    """Up to limit tools in the piece of the tree reached from start without passing avoid."""
    found: list[int] = []
    seen = {avoid, start}
    queue = deque([start])
    while queue and len(found) < limit:
        node = queue.popleft()
        found += members[node][: limit - len(found)]
        for other in tree[node]:
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return found


def islands(stack: Stack, graph: StackGraph) -> list[Island]:
    """Groups of tools linked among themselves but to nothing else (all but the largest group)."""
    parts = [p for p in graph.components if len(p) > 1]
    if len(parts) < 2:
        return []
    result = []
    for part in parts[1:]:
        tools = sorted((stack.by_id[n].name for n in part), key=str.casefold)
        result.append(
            Island(
                tuple(tools),
                f"{', '.join(tools[:_NAMED])}{' and more' if len(tools) > _NAMED else ''} "
                f"exchange data with each other but with nothing in the main stack "
                f"({len(parts[0])} connected tools).",
            )
        )
    return result


def fragile_links(stack: Stack, graph: StackGraph) -> list[FragileLink]:
    """Links between tools in use that are broken, manual, file-based or undocumented."""
    by_id = stack.by_id
    rank = stack.name_rank
    places = len(rank) + 1
    # Broken ones first, then by the two names as people sort them, as one number per link
    # (a large catalog has tens of thousands of fragile links).
    keyed: list[tuple[int, FragileLink]] = []
    for link in stack.in_use_links:
        reason = link.fragility
        if reason is None:
            continue
        source, target = by_id[link.source].name, by_id[link.target].name
        objects = f" ({', '.join(link.data_objects)})" if link.data_objects else ""
        found = FragileLink(
            source,
            target,
            link.method,
            link.status,
            reason,
            f"{source} → {target}{objects} is {reason}.",
        )
        order = ((link.status != "broken") * places + rank[link.source]) * places
        keyed.append((order + rank[link.target], found))
    keyed.sort(key=itemgetter(0))
    return [found for _, found in keyed]


def fragile_count(stack: Stack) -> int:
    """How many links `fragile_links` lists, without writing a sentence for each."""
    return sum(1 for link in stack.in_use_links if link.fragility is not None)


def unowned(stack: Stack, graph: StackGraph) -> list[Unowned]:
    """Tools in use with no business or technical owner."""
    return [
        Unowned(
            t.name,
            f"Nobody owns {t.name}: no one answers for its renewal, its data or its users.",
        )
        for t in graph.sorted_tools
        if not t.owners
    ]
