"""`stackmap export map`: the interactive integration map, one self-contained HTML file.

The network (nodes, edges, options) is built with pyvis from the analysis graph; the page is
written here rather than by pyvis's template, which pulls scripts and styles from CDNs and
puts names into the page unescaped. vis-network is inlined from the copy pyvis ships, so the
file works offline. Positions are computed up front (areas on a ring, each area a sunflower
spiral with its hubs in the middle), so physics stays off and 500 tools open at once.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any

from pyvis.network import Network

from stackmap.analysis import Analysis, MapFindings, Stack, ToolFacts, WhatIf
from stackmap.analysis.stack import main_area
from stackmap.bulk import bulk_work, keep
from stackmap.export.page import script_json, script_json_bytes, text
from stackmap.export.safe import atomic_write
from stackmap.text import money

AREA_COLOURS = {
    "technology": "#4472C4",
    "data-management": "#70AD47",
    "measurement": "#ED7D31",
    "process": "#7030A0",
    "execution": "#00A3A1",
    None: "#A5A5A5",
}
SHAPES = {"active": "dot", "evaluating": "diamond", "sunsetting": "triangle", "retired": "square"}
# How a link works, drawn: solid for automated, dashed for files and iPaaS, dotted for people.
# Each has its own colour; red is kept for broken links alone.
METHODS: dict[str, dict[str, Any]] = {
    "native": {"dashes": False, "color": "#404040", "label": "native connector"},
    "api": {"dashes": False, "color": "#8C8C8C", "label": "API"},
    "ipaas": {"dashes": [10, 6], "color": "#2F75B5", "label": "iPaaS"},
    "file": {"dashes": [6, 6], "color": "#C55A11", "label": "file export/import"},
    "manual": {"dashes": [2, 6], "color": "#7030A0", "label": "manual (people)"},
    "unknown": {"dashes": [2, 10], "color": "#BFBFBF", "label": "not recorded"},
}
BROKEN = "#E00000"  # broken: red and thick, in the method's own dash
PLANNED = {"dashes": [16, 8], "color": "#70AD47", "label": "planned"}
RETIRED = "#D9D9D9"
_LINK_STATUS = {"broken": ", broken", "planned": ", planned (not built yet)"}  # in a link's title
CUT_OFF = "rgba(224, 0, 0, 0.75)"  # the glow round a tool a scenario cuts off
SPACING = 120.0  # between neighbouring tools, in map units: a label's width and a margin
LABEL_WIDTH = 110  # labels wrap at this width, so neighbours' labels do not run together


# What the map draws: the whole analysis, or just the part of it the map needs.
Findings = Analysis | MapFindings


@dataclass(frozen=True)
class MapResult:
    path: Path
    nodes: int
    edges: int


@dataclass(frozen=True)
class AreaMark:
    """An area's place on the canvas, for its name and its halo."""

    slug: str
    name: str
    colour: str
    x: float
    y: float
    radius: float


def build_network(
    stack: Stack, analysis: Findings, scenario: WhatIf | None = None
) -> tuple[Network, list[AreaMark]]:
    """Return the pyvis network of the tools in use and their integrations (working, broken
    and planned), and where each area sits."""
    reference = stack.reference
    counted = {t.id for t in stack.in_use}
    retired = set(scenario.retire) if scenario else set()
    cut_off = set(scenario.tools_cut_off) if scenario else set()
    spof = {p.tool for p in analysis.single_points_of_failure}
    hubs = {h.tool for h in analysis.hubs}
    silos = {s.tool for s in analysis.silos}
    decided = analysis.dispositions
    degree: dict[int, int] = {}
    for link in stack.in_use_links:
        degree[link.source] = degree.get(link.source, 0) + 1
        degree[link.target] = degree.get(link.target, 0) + 1
    tools = [t for t in stack.tools if t.id in counted]
    area_of = {t.id: main_area(t, reference) or "" for t in tools}
    positions, areas = _layout(
        tools, area_of, reference, degree, {t.id for t in tools if t.name in hubs}
    )
    costs = [float(stack.costs[t.id].annual or 0) for t in tools]
    dearest = max(costs, default=0.0) or 1.0
    net = Network(directed=True, height="100%", width="100%", cdn_resources="in_line")
    # pyvis checks every new node and both ends of every edge against a list of the ids so far:
    # O(nodes x edges), 30 s at 20,000 tools. The same list, answering membership from a set
    # (for whatever else asks pyvis about the network).
    net.node_ids = _Ids()
    area_names = {a.slug: a.name for a in reference.areas}
    for tool in tools:
        area = area_of[tool.id] or None
        x, y = positions[tool.id]
        gone = tool.name in retired
        colour = RETIRED if gone else AREA_COLOURS.get(area, AREA_COLOURS[None])
        silo, hub, spf = tool.name in silos, tool.name in hubs, tool.name in spof
        border = "#C00000" if spf else "#BF9000" if hub else "#000000" if silo else colour
        label = tool.name + (" (retired)" if gone else " (cut off)" if tool.name in cut_off else "")
        # As pyvis's add_node records a node (Node's options: color, then the options in the
        # order given, then id, label and shape), without its checks and Node object.
        node = {
            "color": {"background": colour, "border": border},
            # vis-network shows a string title as text, never as markup.
            "title": _tooltip(
                stack, tool, area_names, area, (spf, hub, silo, tool.name in cut_off)
            ),
            "size": 10 + 30 * math.sqrt(float(stack.costs[tool.id].annual or 0) / dearest),
            "borderWidth": 4 if spf or hub else 3 if silo else 1,
            "shapeProperties": {"borderDashes": [5, 4] if silo else False},
            "font": {"size": 18 if hub else 14, "strokeWidth": 3, "strokeColor": "#FFFFFF"},
            "widthConstraint": {"maximum": LABEL_WIDTH},
            "shadow": (
                {"enabled": True, "color": CUT_OFF, "size": 28, "x": 0, "y": 0}
                if tool.name in cut_off
                else False
            ),
            "x": x,
            "y": y,
            "physics": False,
            # Read by the page's filters, and by its zoom (hub labels stay readable).
            "area": area or "",
            "owners": list(tool.owners),
            "status": tool.status,
            "disposition": decided.get(tool.name, ""),
            "hub": hub,
            "cutoff": tool.name in cut_off,
            "id": tool.id,
            "label": label,
            "shape": SHAPES.get(tool.status, "dot"),
        }
        net.nodes.append(node)
        net.node_ids.append(tool.id)
        net.node_map[tool.id] = node
    broken_by_scenario = set()
    if scenario is not None:
        broken_by_scenario = {(b.source, b.target) for b in scenario.integrations_broken}
    planned = [
        link
        for link in stack.links
        if link.status == "planned" and link.source in counted and link.target in counted
    ]
    name_of = {t.id: t.name for t in tools}
    # Both ends of every link are nodes (counted above), so each edge goes straight into
    # pyvis's list, in the form its add_edge gives it (options, then "from" and "to"):
    # add_edge's checks and Edge object cost more than the rest of the loop.
    edges = net.edges
    # 100,000 links: what depends only on a link's kind is worked out once per kind.
    styles: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any], str]] = {}
    for link in (*stack.in_use_links, *planned):
        kind = (link.method, link.status)
        if kind not in styles:
            method = METHODS.get(link.method, METHODS["unknown"])
            suffix = _LINK_STATUS.get(link.status, "")
            styles[kind] = (method, PLANNED if link.status == "planned" else method, suffix)
        method, style, suffix = styles[kind]
        source, target = name_of[link.source], name_of[link.target]
        breaks = (source, target) in broken_by_scenario
        broken = link.status == "broken" or breaks
        title = f"{source} → {target}: {method['label']}"
        if link.data_objects:
            title += f" ({', '.join(link.data_objects)})"
        title += suffix
        if breaks:
            title += ", breaks in this scenario"
        edges.append(
            {
                "title": title,
                "color": BROKEN if broken else style["color"],
                "dashes": style["dashes"],
                "arrows": "to, from" if link.direction == "two_way" else "to",
                "width": 3.5 if broken else 1.5,
                "kind": "broken" if broken else link.status,
                "cross": area_of[link.source] != area_of[link.target],
                "from": link.source,
                "to": link.target,
            }
        )
    net.set_options(
        '{"physics": {"enabled": false}, "interaction": {"hover": true, "tooltipDelay": 100,'
        ' "navigationButtons": false}, "edges": {"smooth": false}, "nodes": {"font":'
        ' {"size": 14}, "scaling": {"label": {"drawThreshold": 10, "maxVisible": 24}}}}'
    )
    return net, areas


def _tooltip(
    stack: Stack,
    tool: ToolFacts,
    area_names: dict[str, str],
    area: str | None,
    marks: tuple[bool, bool, bool, bool],
) -> str:
    """The node's hover text; marks: single point of failure, hub, silo, cut off."""
    spof, hub, silo, cut_off = marks
    cost = stack.costs[tool.id]
    capabilities = stack.reference.capabilities
    flags = [
        label
        for label, found in (
            ("single point of failure", spof),
            ("hub", hub),
            ("silo: no working integration", silo),
            ("cut off from the rest of the stack in this scenario", cut_off),
        )
        if found
    ]
    annual = f"{stack.base_currency} {cost.annual:,.0f}" if cost.annual is not None else "unknown"
    use = f"{cost.utilisation:.0%}" if cost.utilisation is not None else "unknown"
    lines = [
        tool.name,
        f"Area: {area_names.get(area or '', 'unclassified')}",
        f"Business owner: {tool.business_owner or 'nobody recorded'}",
        f"Technical owner: {tool.technical_owner or 'nobody recorded'}",
        f"Annual cost: {annual}",
        f"Renewal: {cost.renewal_date.isoformat() if cost.renewal_date else 'unknown'}",
        f"Seat use: {use}",
        "Capabilities: "
        + (
            ", ".join(capabilities[c].name for c in tool.capabilities if c in capabilities)
            or "none recorded"
        ),
    ]
    if flags:
        lines.append("Flags: " + ", ".join(flags))
    return "\n".join(lines)


def _layout(
    tools: list[Any],
    area_of: dict[int, str],
    reference: Any,
    degree: dict[int, int],
    hubs: set[int],
) -> tuple[dict[int, tuple[float, float]], list[AreaMark]]:
    """Areas on a ring; in each, a sunflower spiral with the most connected tools at its heart,
    but the hubs spread along it: their names are always drawn, and must not pile up."""
    groups: dict[str | None, list[Any]] = {}
    for tool in tools:
        groups.setdefault(area_of[tool.id] or None, []).append(tool)
    names = {a.slug: a.name for a in reference.areas}
    order = [a.slug for a in reference.areas] + [None]
    present = [a for a in order if a in groups]
    largest = max((len(g) for g in groups.values()), default=1)
    # Far enough out that neighbouring areas' spirals (and the names above them) stay apart.
    reach = SPACING * math.sqrt(max(largest - 1, 0)) + SPACING
    ring = (reach + 2 * SPACING) / math.sin(math.pi / len(present)) if len(present) > 1 else 0
    golden = math.pi * (3 - math.sqrt(5))
    positions: dict[int, tuple[float, float]] = {}
    marks: list[AreaMark] = []
    for index, area in enumerate(present):
        angle = 2 * math.pi * index / max(len(present), 1) - math.pi / 2
        cx, cy = (ring * math.cos(angle), ring * math.sin(angle)) if len(present) > 1 else (0, 0)
        members = _spread(
            sorted(groups[area], key=lambda t: (-degree.get(t.id, 0), t.name.casefold())), hubs
        )
        for k, tool in enumerate(members):
            r = SPACING * math.sqrt(k)
            positions[tool.id] = (cx + r * math.cos(k * golden), cy + r * math.sin(k * golden))
        radius = SPACING * math.sqrt(max(len(members) - 1, 0)) + SPACING * 0.8
        colour = AREA_COLOURS.get(area, AREA_COLOURS[None])
        name = names.get(area or "", "No capability recorded")
        marks.append(AreaMark(area or "", name, colour, cx, cy, radius))
    return positions, marks


def _spread(members: list[Any], hubs: set[int]) -> list[Any]:
    """The members in spiral order: the hubs at evenly spaced places (the first at the
    heart), the others in their order between them."""
    chosen = [t for t in members if t.id in hubs]
    rest = [t for t in members if t.id not in hubs]
    if not chosen:
        return members
    every = len(members) / len(chosen)
    slots = {round(j * every): hub for j, hub in enumerate(chosen)}
    others = iter(rest)
    return [slots[k] if k in slots else next(others) for k in range(len(members))]


def write_map(
    path: Path, stack: Stack, analysis: Findings, scenario: WhatIf | None = None
) -> MapResult:
    """Write the map to path as one UTF-8 file with everything inline (atomically)."""
    with bulk_work():  # a node and an edge dict per tool and link: no cycles to collect
        net, areas = build_network(stack, analysis, scenario)
        nodes, edges, _, _, _, options = net.get_network_data()
        vis = files("pyvis") / "lib" / "vis-9.1.2"
        page = _page(
            stack,
            analysis,
            scenario,
            (nodes, edges, areas),
            options,
            (vis / "vis-network.min.js").read_text(encoding="utf-8"),
            (vis / "vis-network.css").read_text(encoding="utf-8"),
        )
    with atomic_write(path, "wb") as stream:
        stream.writelines(page)  # type: ignore[arg-type]  # a binary stream
    keep(net, nodes, edges, page)
    return MapResult(path, len(nodes), len(edges))


def _stroke(dashes: Any) -> str:
    if not dashes:
        return "solid"
    return "dotted" if dashes[0] <= 2 else "dashed"


def _options(values: list[str], label: str) -> str:
    items = "".join(f'<option value="{text(v)}">{text(v)}</option>' for v in values)
    return f'<option value="">{text(label)}</option>{items}'


def _scenario_panel(scenario: WhatIf | None) -> str:
    """What a what-if scenario does, in figures, beside the map."""
    if scenario is None:
        return ""
    cur = scenario.currency
    figures = [
        ("Annual savings (known costs)", money(scenario.annual_savings, cur)),
        ("Owed until the contracts let go", money(scenario.committed_until_renewal, cur)),
        ("Savings in the next 12 months", money(scenario.savings_next_12_months, cur)),
    ]
    if scenario.into:
        figures += [
            (f"Extra cost on {scenario.into}", money(scenario.target_extra_cost, cur)),
            ("Net annual savings", money(scenario.net_annual_savings, cur)),
        ]
    rows = "".join(f"<dt>{text(k)}</dt><dd>{text(v)}</dd>" for k, v in figures)
    cut = ", ".join(scenario.tools_cut_off) or "none"
    lost = ", ".join(c.capability for c in scenario.capabilities_lost) or "none"
    why = "".join(f"<li>{text(sentence)}</li>" for sentence in scenario.why)
    return (
        '<section id="scenario"><strong>What this scenario does</strong>'
        f'<dl id="savings">{rows}</dl>'
        f'<p><b>Cut off from the rest of the stack</b> (red glow): <span id="cut-off">'
        f"{text(cut)}</span></p>"
        f"<p><b>Integrations that break</b> (red): {len(scenario.integrations_broken)}</p>"
        f"<p><b>Capabilities left with no provider</b>: {text(lost)}</p>"
        f'<ul class="why">{why}</ul></section>'
    )


def _page(
    stack: Stack,
    analysis: Findings,
    scenario: WhatIf | None,
    data: tuple[list[dict[str, Any]], list[dict[str, Any]], list[AreaMark]],
    options: str,
    vis_js: str,
    vis_css: str,
) -> list[bytes]:
    """The page as UTF-8, in pieces: the nodes' and links' JSON go in as orjson wrote them
    (30 MB at 20,000 tools), never through a str."""
    nodes, edges, marks = data
    reference = stack.reference
    areas = [(a.slug, a.name) for a in reference.areas]
    # Every owner, business and technical, so a technical owner finds their tools too.
    owners = sorted({o for n in nodes for o in n["owners"]}, key=str.casefold)
    statuses = sorted({n["status"] for n in nodes})
    dispositions = sorted({n["disposition"] for n in nodes if n["disposition"]})
    area_options = '<option value="">All areas</option>' + "".join(
        f'<option value="{text(slug)}">{text(name)}</option>' for slug, name in areas
    )
    swatch = '<li><span class="swatch" style="background:{}"></span>{}</li>'
    legend_areas = "".join(swatch.format(AREA_COLOURS[slug], text(name)) for slug, name in areas)
    legend_areas += swatch.format(AREA_COLOURS[None], "No capability recorded")
    line = '<li><span class="line" style="border-top:{}px {} {}"></span>{}</li>'
    legend_methods = "".join(
        line.format(3, _stroke(style["dashes"]), style["color"], text(style["label"]))
        for style in (*METHODS.values(), PLANNED)
    )
    broken_note = "broken" + (" or broken by the scenario" if scenario else "")
    legend_methods += line.format(5, "solid", BROKEN, text(broken_note))
    title = "Integration map"
    if scenario is not None:
        title += f" — what if {', '.join(scenario.retire)} retired" + (
            f" into {scenario.into}" if scenario.into else ""
        )
    planned = sum(1 for e in edges if e["kind"] == "planned")
    summary = (
        f"{len(nodes)} tools in use, {len(edges) - planned} integrations"
        + (f" and {planned} planned" if planned else "")
        + f", as of {analysis.as_of}. {len(analysis.silos)} silos, "
        f"{len(analysis.single_points_of_failure)} single points of failure, "
        f"{analysis.fragile_count} fragile links."
    )
    # The template in three pieces around the nodes and the links, each filled in on its own.
    template = (files("stackmap.export") / "map_page.html").read_text(encoding="utf-8")
    head, rest = template.split("$nodes")
    middle, tail = rest.split("$edges")
    values = {
        "title": text(title),
        "summary": text(summary),
        "vis_css": vis_css,
        "vis_js": vis_js,
        "area_options": area_options,
        "owner_options": _options(owners, "All owners"),
        "status_options": _options(statuses, "All statuses"),
        "disposition_options": _options(dispositions, "All dispositions"),
        "legend_areas": legend_areas,
        "legend_methods": legend_methods,
        "scenario_panel": _scenario_panel(scenario),
        "scenario_mark": (
            "<li>Grey: retired in this scenario</li>"
            "<li>Red glow: cut off from the rest of the stack</li>"
            if scenario
            else ""
        ),
        "areas": script_json([asdict(m) for m in marks]),
        "options": options,
    }
    return [
        Template(head).substitute(values).encode(),
        script_json_bytes(nodes),
        Template(middle).substitute(values).encode(),
        script_json_bytes(edges),
        Template(tail).substitute(values).encode(),
    ]


class _Ids(list[Any]):
    """A list of node ids whose `in` is a set lookup (pyvis's node_ids, used as a list)."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[Any] = set()

    def append(self, item: Any) -> None:
        super().append(item)
        self._seen.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._seen
