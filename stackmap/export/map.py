"""`stackmap export map`: the interactive integration map, one self-contained HTML file.

The network (nodes, edges, options) is built with pyvis from the analysis graph; the page is
written here rather than by pyvis's template, which pulls scripts and styles from CDNs and
puts names into the page unescaped. vis-network is inlined from the copy pyvis ships, so the
file works offline. Positions are computed up front (areas on a ring, each area a sunflower
spiral with its hubs in the middle), so physics stays off and 500 tools open at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any

from pyvis.network import Network

from stackmap.analysis import Analysis, Stack, WhatIf
from stackmap.analysis.stack import main_area
from stackmap.export.page import script_json, text
from stackmap.export.safe import atomic_write

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
METHODS: dict[str, dict[str, Any]] = {
    "native": {"dashes": False, "color": "#555555", "label": "native connector"},
    "api": {"dashes": False, "color": "#8C8C8C", "label": "API"},
    "ipaas": {"dashes": [10, 6], "color": "#2F75B5", "label": "iPaaS"},
    "file": {"dashes": [6, 6], "color": "#C55A11", "label": "file export/import"},
    "manual": {"dashes": [2, 6], "color": "#C00000", "label": "manual"},
    "unknown": {"dashes": [2, 10], "color": "#BFBFBF", "label": "not recorded"},
}
BROKEN = "#FF0000"
RETIRED = "#D9D9D9"


@dataclass(frozen=True)
class MapResult:
    path: Path
    nodes: int
    edges: int


def build_network(stack: Stack, analysis: Analysis, scenario: WhatIf | None = None) -> Network:
    """Return the pyvis network of the tools in use and their integrations."""
    reference = stack.reference
    counted = {t.id for t in stack.in_use}
    retired = set(scenario.retire) if scenario else set()
    spof = {p.tool for p in analysis.single_points_of_failure}
    hubs = {h.tool for h in analysis.hubs}
    silos = {s.tool for s in analysis.silos}
    decided = {r.tool: r.disposition for r in analysis.recommendations}
    degree: dict[int, int] = {}
    for link in stack.in_use_links:
        degree[link.source] = degree.get(link.source, 0) + 1
        degree[link.target] = degree.get(link.target, 0) + 1
    tools = [t for t in stack.tools if t.id in counted]
    positions = _layout(tools, reference, degree)
    costs = [float(stack.costs[t.id].annual or 0) for t in tools]
    dearest = max(costs, default=0.0) or 1.0
    net = Network(directed=True, height="100%", width="100%", cdn_resources="in_line")
    capability_names = reference.capabilities
    area_names = {a.slug: a.name for a in reference.areas}
    for tool in tools:
        cost = stack.costs[tool.id]
        area = main_area(tool, reference)
        flags = [
            label
            for label, found in (
                ("single point of failure", tool.name in spof),
                ("hub", tool.name in hubs),
                ("silo", tool.name in silos),
            )
            if found
        ]
        lines = [
            tool.name,
            f"Area: {area_names.get(area or '', 'unclassified')}",
            f"Owner: {', '.join(tool.owners) or 'nobody'}",
            "Annual cost: "
            + (
                f"{stack.base_currency} {cost.annual:,.0f}"
                if cost.annual is not None
                else "unknown"
            ),
            f"Renewal: {cost.renewal_date.isoformat() if cost.renewal_date else 'unknown'}",
            f"Seat use: {f'{cost.utilisation:.0%}' if cost.utilisation is not None else 'unknown'}",
            "Capabilities: "
            + (
                ", ".join(
                    capability_names[c].name for c in tool.capabilities if c in capability_names
                )
                or "none recorded"
            ),
        ]
        if flags:
            lines.append("Flags: " + ", ".join(flags))
        x, y = positions[tool.id]
        gone = tool.name in retired
        colour = RETIRED if gone else AREA_COLOURS.get(area, AREA_COLOURS[None])
        border = "#C00000" if tool.name in spof else "#BF9000" if tool.name in hubs else colour
        net.add_node(
            tool.id,
            label=tool.name + (" (retired)" if gone else ""),
            # vis-network shows a string title as text, never as markup.
            title="\n".join(lines),
            shape=SHAPES.get(tool.status, "dot"),
            size=10 + 30 * math.sqrt(float(cost.annual or 0) / dearest),
            color={"background": colour, "border": border},
            borderWidth=4 if tool.name in spof or tool.name in hubs else 1,
            shapeProperties={"borderDashes": [4, 4] if tool.name in silos else False},
            x=x,
            y=y,
            physics=False,
            # Read by the page's filters.
            area=area or "",
            owner=tool.business_owner or tool.technical_owner or "",
            status=tool.status,
            disposition=decided.get(tool.name, ""),
        )
    broken_by_scenario = set()
    if scenario is not None:
        broken_by_scenario = {(b.source, b.target) for b in scenario.integrations_broken}
    for link in stack.in_use_links:
        style = METHODS.get(link.method, METHODS["unknown"])
        source, target = stack.by_id[link.source].name, stack.by_id[link.target].name
        broken = link.status == "broken" or (source, target) in broken_by_scenario
        net.add_edge(
            link.source,
            link.target,
            title=f"{source} → {target}: {style['label']}"
            + (f" ({', '.join(link.data_objects)})" if link.data_objects else "")
            + (", broken" if link.status == "broken" else "")
            + (", breaks in this scenario" if (source, target) in broken_by_scenario else ""),
            color=BROKEN if broken else style["color"],
            dashes=style["dashes"],
            arrows="to, from" if link.direction == "two_way" else "to",
            width=3 if broken else 1.5,
        )
    net.set_options(
        '{"physics": {"enabled": false}, "interaction": {"hover": true, "tooltipDelay": 100,'
        ' "navigationButtons": false}, "edges": {"smooth": false}, "nodes": {"font":'
        ' {"size": 14}}}'
    )
    return net


def _layout(
    tools: list[Any], reference: Any, degree: dict[int, int]
) -> dict[int, tuple[float, float]]:
    """Areas on a ring; in each, a sunflower spiral with the most connected tools at its heart."""
    groups: dict[str | None, list[Any]] = {}
    for tool in tools:
        groups.setdefault(main_area(tool, reference), []).append(tool)
    order = [a.slug for a in reference.areas] + [None]
    present = [a for a in order if a in groups]
    spacing = 70.0
    largest = max((len(g) for g in groups.values()), default=1)
    ring = spacing * math.sqrt(largest) * 1.6 + 200
    golden = math.pi * (3 - math.sqrt(5))
    positions: dict[int, tuple[float, float]] = {}
    for index, area in enumerate(present):
        angle = 2 * math.pi * index / max(len(present), 1)
        cx, cy = (ring * math.cos(angle), ring * math.sin(angle)) if len(present) > 1 else (0, 0)
        members = sorted(groups[area], key=lambda t: (-degree.get(t.id, 0), t.name.casefold()))
        for k, tool in enumerate(members):
            r = spacing * math.sqrt(k)
            positions[tool.id] = (cx + r * math.cos(k * golden), cy + r * math.sin(k * golden))
    return positions


def write_map(
    path: Path, stack: Stack, analysis: Analysis, scenario: WhatIf | None = None
) -> MapResult:
    """Write the map to path as one UTF-8 file with everything inline (atomically)."""
    net = build_network(stack, analysis, scenario)
    nodes, edges, _, _, _, options = net.get_network_data()
    vis = files("pyvis") / "lib" / "vis-9.1.2"
    page = _page(
        stack,
        analysis,
        scenario,
        nodes,
        edges,
        options,
        (vis / "vis-network.min.js").read_text(encoding="utf-8"),
        (vis / "vis-network.css").read_text(encoding="utf-8"),
    )
    with atomic_write(path, "w", encoding="utf-8") as stream:
        stream.write(page)
    return MapResult(path, len(nodes), len(edges))


def _stroke(dashes: Any) -> str:
    if not dashes:
        return "solid"
    return "dotted" if dashes[0] <= 2 else "dashed"


def _options(values: list[str], label: str) -> str:
    items = "".join(f'<option value="{text(v)}">{text(v)}</option>' for v in values)
    return f'<option value="">{text(label)}</option>{items}'


def _page(
    stack: Stack,
    analysis: Analysis,
    scenario: WhatIf | None,
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    options: str,
    vis_js: str,
    vis_css: str,
) -> str:
    reference = stack.reference
    areas = [(a.slug, a.name) for a in reference.areas]
    owners = sorted({n["owner"] for n in nodes if n["owner"]}, key=str.casefold)
    statuses = sorted({n["status"] for n in nodes})
    dispositions = sorted({n["disposition"] for n in nodes if n["disposition"]})
    area_options = '<option value="">All areas</option>' + "".join(
        f'<option value="{text(slug)}">{text(name)}</option>' for slug, name in areas
    )
    swatch = '<li><span class="swatch" style="background:{}"></span>{}</li>'
    legend_areas = "".join(swatch.format(AREA_COLOURS[slug], text(name)) for slug, name in areas)
    legend_areas += swatch.format(AREA_COLOURS[None], "No capability recorded")
    line = '<li><span class="line" style="border-top:3px {} {}"></span>{}</li>'
    legend_methods = "".join(
        line.format(_stroke(style["dashes"]), style["color"], text(style["label"]))
        for style in METHODS.values()
    )
    title = "Integration map"
    if scenario is not None:
        title += f" — what if {', '.join(scenario.retire)} retired" + (
            f" into {scenario.into}" if scenario.into else ""
        )
    summary = (
        f"{len(nodes)} tools in use, {len(edges)} integrations, as of {analysis.as_of}. "
        f"{len(analysis.silos)} silos, {len(analysis.single_points_of_failure)} single points "
        f"of failure, {len(analysis.fragile_integrations)} fragile links."
    )
    page = Template((files("stackmap.export") / "map_page.html").read_text(encoding="utf-8"))
    return page.substitute(
        title=text(title),
        summary=text(summary),
        vis_css=vis_css,
        vis_js=vis_js,
        area_options=area_options,
        owner_options=_options(owners, "All owners"),
        status_options=_options(statuses, "All statuses"),
        disposition_options=_options(dispositions, "All dispositions"),
        legend_areas=legend_areas,
        legend_methods=legend_methods,
        broken_colour=BROKEN,
        broken_note=" or broken by the scenario" if scenario else "",
        scenario_mark="<li>Grey: retired in this scenario</li>" if scenario else "",
        nodes=script_json(nodes),
        edges=script_json(edges),
        options=options,
    )
