"""The integration map and the stack diagram: self-contained, injection-proof, and rendered in a
real headless browser."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from browser import CHROMIUM, NO_CHROMIUM, chromium
from catalogs import arrange_everything
from stacks import link, stack, tool
from typer.testing import CliRunner

from stackmap.analysis import MapFindings, analyze, map_findings, what_if
from stackmap.cli import app
from stackmap.export.diagram import write_diagram
from stackmap.export.map import build_network, write_map
from stackmap.inventory import Inventory
from stackmap.reference import Reference
from stackmap.schemas import IntegrationFields, ToolFields

HOSTILE = [
    "<svg onload=alert(1)>",
    "</script><script>alert(2)</script>",
    '"><img src=x onerror=alert(3)>',
    "Tool [/x]",
]


def _stack(reference: Reference, names: list[str] | None = None):  # type: ignore[no-untyped-def]
    extra = [tool(10 + i, name, "seo", cost=100 * (i + 1)) for i, name in enumerate(names or [])]
    tools = [
        tool(1, "HubSpot", "marketing-automation", "email-marketing", cost=43200),
        tool(2, "Salesforce", "crm", cost=100000),
        tool(3, "Segment", "cdp", cost=30000),
        tool(4, "Snowflake", "data-warehouse", cost=90000),
        tool(5, "Lonely", "dam"),
        *extra,
    ]
    links = [
        link(1, 2, direction="two_way"),
        link(3, 1, method="ipaas"),
        link(3, 4, method="file"),
        link(2, 3, method="manual", status="broken"),
    ] + [link(10 + i, 1) for i in range(len(names or []))]
    return stack(reference, tools, links, today=date(2027, 1, 1))


def test_the_network_styles_nodes_and_edges_by_what_they_mean(reference: Reference) -> None:
    s = _stack(reference)
    analysis = analyze(s)
    net, areas = build_network(s, analysis)
    nodes = {n["label"]: n for n in net.nodes}
    assert len(nodes) == 5 and len(net.edges) == 4
    spof = {p.tool for p in analysis.single_points_of_failure}
    assert "Segment" in spof and nodes["Segment"]["borderWidth"] == 4
    assert nodes["Salesforce"]["size"] > nodes["Segment"]["size"]  # sized by cost
    lonely = nodes["Lonely"]  # a silo: a black dashed ring, thick enough to see
    assert lonely["shapeProperties"]["borderDashes"] and lonely["borderWidth"] == 3
    assert lonely["color"]["border"] == "#000000"
    assert all(n["physics"] is False and "x" in n for n in nodes.values())
    assert all(n["widthConstraint"]["maximum"] == 110 for n in nodes.values())
    edges = {(e["from"], e["to"]): e for e in net.edges}
    assert edges[(3, 4)]["dashes"] == [6, 6]  # file-based
    assert edges[(1, 2)]["arrows"] == "to, from"  # two-way
    assert edges[(2, 3)]["color"] == "#E00000" and edges[(2, 3)]["width"] > 3  # broken
    assert "Business owner: Dana Lee" in nodes["HubSpot"]["title"]
    assert {a.name for a in areas} >= {"Technology", "Data management"}


def test_manual_file_broken_and_planned_links_each_look_different(reference: Reference) -> None:
    tools = [tool(i, f"T{i}", "seo") for i in range(1, 8)]
    links = [
        link(1, 2, method="manual"),
        link(2, 3, method="file"),
        link(3, 4, method="api", status="broken"),
        link(4, 5, method="api", status="planned"),
        link(5, 6, method="ipaas"),
        link(6, 7, method="native"),
    ]
    s = stack(reference, tools, links)
    net, _ = build_network(s, analyze(s))
    looks = {
        e["kind"] + "/" + str(e["from"]): (e["color"], str(e["dashes"]), e["width"])
        for e in net.edges
    }
    assert len(looks) == 6 and len(set(looks.values())) == 6
    manual = next(v for k, v in looks.items() if k.endswith("/1"))
    broken = next(v for k, v in looks.items() if k.startswith("broken"))
    assert manual[0] != broken[0]  # manual is not drawn in the broken links' red
    assert any(k.startswith("planned") for k in looks)


def test_the_owner_filter_lists_technical_owners_too(reference: Reference, tmp_path: Path) -> None:
    s = stack(
        reference,
        [
            dataclasses.replace(tool(1, "A", "seo", owner="Biz One"), technical_owner="Tech Two"),
            tool(2, "B", "crm", owner=None),
        ],
    )
    page = write_map(tmp_path / "m.html", s, analyze(s)).path.read_text(encoding="utf-8")
    owners = re.search(r'<select id="f-owner">(.*?)</select>', page)
    assert owners is not None
    assert '<option value="Biz One">' in owners.group(1)
    assert '<option value="Tech Two">' in owners.group(1)


def test_the_what_if_view_greys_retired_tools_and_marks_what_is_cut_off(
    reference: Reference, tmp_path: Path
) -> None:
    s = _stack(reference)
    scenario = what_if(s, ["Segment"])
    net, _ = build_network(s, analyze(s), scenario)
    nodes = {n["id"]: n for n in net.nodes}
    assert nodes[3]["label"] == "Segment (retired)"
    assert nodes[3]["color"]["background"] == "#D9D9D9"
    edges = {(e["from"], e["to"]): e for e in net.edges}
    assert edges[(3, 1)]["color"] == "#E00000" and edges[(3, 4)]["color"] == "#E00000"
    assert scenario.tools_cut_off == ("Snowflake",)
    assert nodes[4]["label"] == "Snowflake (cut off)" and nodes[4]["shadow"]["enabled"]
    assert nodes[4]["cutoff"] and not nodes[1]["cutoff"]
    page = write_map(tmp_path / "w.html", s, analyze(s), scenario).path.read_text("utf-8")
    panel = re.search(r'<section id="scenario">(.*?)</section>', page, re.S)
    assert panel is not None
    assert "Annual savings (known costs)</dt><dd>USD 30,000</dd>" in panel.group(1)
    assert '<span id="cut-off">Snowflake</span>' in panel.group(1)


def test_the_map_is_one_offline_file(reference: Reference, tmp_path: Path) -> None:
    s = _stack(reference)
    path = tmp_path / "map.html"
    result = write_map(path, s, analyze(s))
    page = path.read_text(encoding="utf-8")
    assert result.nodes == 5
    assert "vis.Network" in page  # vis-network inlined
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert not re.search(r"@import", page)
    assert "default-src 'none'" in page  # the page may load nothing at all


def test_hostile_names_stay_text_in_the_map_and_the_diagram(
    reference: Reference, tmp_path: Path
) -> None:
    s = _stack(reference, HOSTILE)
    analysis = analyze(s)
    page_path = write_map(tmp_path / "map.html", s, analysis).path
    page = page_path.read_text(encoding="utf-8")
    for name in HOSTILE[:3]:
        assert name not in page
    assert "\\u003csvg onload=alert(1)\\u003e" in page
    # Only the page's own three script blocks close: no name can end one and start another.
    assert page.count("</script>") == 3
    assert "<script>alert" not in page
    diagram = write_diagram(tmp_path / "d.html", s, analysis).path.read_text(encoding="utf-8")
    assert "<script" not in diagram and "<svg onload" not in diagram and "<img" not in diagram
    assert "&lt;svg" in diagram
    svg = write_diagram(tmp_path / "d.svg", s, analysis).path.read_text(encoding="utf-8")
    root = ET.fromstring(svg)  # well-formed: every name escaped
    texts = [
        "".join("".join(t.itertext()).split())
        for t in root.iter("{http://www.w3.org/2000/svg}text")
    ]
    assert "<svgonload=alert(1)>" in texts


def test_the_cli_writes_the_map_and_the_diagram(tmp_path: Path) -> None:
    from stackmap.inventory import Inventory
    from stackmap.schemas import IntegrationFields, ToolFields

    db = str(tmp_path / "c.db")
    inventory = Inventory.open(db, actor="t")
    inventory.add_tool(ToolFields(name="HubSpot Marketing Hub"))
    inventory.add_tool(ToolFields(name="Salesforce Sales Cloud"))
    inventory.add_integration(
        IntegrationFields(source="HubSpot Marketing Hub", target="Salesforce Sales Cloud")
    )
    inventory.close()
    done = runner_invoke(["--db", db, "export", "map", str(tmp_path / "m.html")])
    assert done.exit_code == 0, done.output
    assert "2 tools, 1 integrations" in done.stdout
    whatif = runner_invoke(
        ["--db", db, "export", "map", str(tmp_path / "w.html"), "--retire", "HubSpot Marketing Hub"]
    )
    assert whatif.exit_code == 0 and "(retired)" in (tmp_path / "w.html").read_text()
    for name in ("d.html", "d.svg"):
        assert runner_invoke(["--db", db, "export", "diagram", str(tmp_path / name)]).exit_code == 0
    assert runner_invoke(["--db", db, "export", "map", str(tmp_path / "m.png")]).exit_code == 2


def runner_invoke(args: list[str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, args)


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return chromium(args, profile)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_the_map_renders_in_a_real_browser_with_every_node_and_no_error(
    reference: Reference, tmp_path: Path
) -> None:
    s = _stack(reference, HOSTILE)
    path = write_map(tmp_path / "map.html", s, analyze(s)).path
    dom = _chromium(["--dump-dom", path.as_uri()], tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body is not None
    assert 'data-rendered="9"' in body.group(0), body.group(0)
    assert 'data-errors="0"' in body.group(0)
    assert "<img src=" not in dom.stdout and "<svg onload" not in dom.stdout
    shot = tmp_path / "map.png"
    picture = _chromium(
        ["--window-size=1400,900", f"--screenshot={shot}", path.as_uri()], tmp_path / "profile2"
    )
    assert picture.returncode == 0 and shot.stat().st_size > 20_000


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_a_500_tool_map_opens_with_every_node_drawn(reference: Reference, tmp_path: Path) -> None:
    from benchmarks.analysis_speed import build_stack

    s = build_stack(500, 2500, reference)
    result = write_map(tmp_path / "big.html", s, analyze(s))
    dom = _chromium(["--dump-dom", result.path.as_uri()], tmp_path / "profile")
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body is not None and f'data-rendered="{result.nodes}"' in body.group(0)
    assert 'data-errors="0"' in body.group(0)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_the_browser_check_would_see_an_error(reference: Reference, tmp_path: Path) -> None:
    # The page counts errors itself; prove the count moves when something goes wrong.
    s = _stack(reference)
    path = write_map(tmp_path / "map.html", s, analyze(s)).path
    page = path.read_text(encoding="utf-8")
    path.write_text(
        page.replace("</body>", "<script>console.error('boom');</script></body>"),
        encoding="utf-8",
    )
    dom = _chromium(["--dump-dom", path.as_uri()], tmp_path / "profile")
    assert 'data-errors="1"' in dom.stdout


PROBE = """<script>
(function () {
  var m = window.stackmapMap, net = m.network, out = {};
  var hubs = m.nodes.get({filter: function (n) { return n.hub; }});
  function drawn(id) { return net.body.nodes[id].labelModule.visible(); }
  out.scale = net.getScale();
  out.hubs = hubs.length;
  out.hubLabels = hubs.filter(function (n) { return drawn(n.id); }).length;
  var others = m.nodes.get({filter: function (n) { return !n.hub; }});
  out.otherLabelsFar = others.filter(function (n) { return drawn(n.id); }).length;
  net.moveTo({scale: 1.0});
  out.otherLabelsNear = others.filter(function (n) { return drawn(n.id); }).length;
  out.others = others.length;
  document.getElementById("f-area").value = "technology";
  m.apply();
  out.areaShown = +document.body.dataset.shown;
  out.areaContext = +document.body.dataset.context;
  out.areaDimmed = +document.body.dataset.dimmed;
  out.areaScale = net.getScale();
  document.getElementById("f-area").value = "";
  var hub = hubs[0];
  m.select(hub.id);
  document.getElementById("f-neighbours").checked = true;
  m.apply();
  out.neighbours = +document.body.dataset.shown;
  out.hubDegree = net.getConnectedNodes(hub.id).length;
  document.body.dataset.probe = JSON.stringify(out);
})();
</script>"""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_a_500_tool_map_reads_filters_refit_and_neighbours_show(
    reference: Reference, tmp_path: Path
) -> None:
    import html
    import json

    from benchmarks.analysis_speed import build_stack

    s = build_stack(500, 2500, reference)
    path = write_map(tmp_path / "big.html", s, analyze(s)).path
    path.write_text(path.read_text("utf-8").replace("</body>", PROBE + "</body>"), "utf-8")
    dom = _chromium(["--dump-dom", path.as_uri()], tmp_path / "profile")
    found = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert found is not None, dom.stdout[-1500:]
    probe = json.loads(html.unescape(found.group(1)))
    # Fitted to 500 tools: only the hubs are named, every one of them, legibly.
    assert probe["hubs"] > 0 and probe["hubLabels"] == probe["hubs"]
    assert probe["otherLabelsFar"] < probe["others"] * 0.05
    assert probe["otherLabelsNear"] == probe["others"]  # zoomed in, every name is drawn
    # One area: its tools, the tools they link to in grey, those links dimmed, view re-fitted.
    assert 0 < probe["areaShown"] < 500 and probe["areaContext"] > 0 and probe["areaDimmed"] > 0
    assert probe["areaScale"] > probe["scale"] * 1.2
    assert probe["neighbours"] == probe["hubDegree"] + 1


@pytest.mark.parametrize("all_tools", [False, True])
def test_the_map_draws_exactly_what_the_analysis_finds(
    inventory: Inventory, all_tools: bool
) -> None:
    # The map works out only the findings it draws; they must be the analysis's own.
    arrange_everything(inventory)
    # A system outside marketing, linked in: the marketing findings must leave it out alike.
    inventory.add_tool(ToolFields(name="Workday", category="hr-people"))
    inventory.add_integration(IntegrationFields(source="Workday", target="HubSpot"))
    s = inventory.stack(date(2027, 1, 1), all_tools=all_tools)
    assert len(s.outside_marketing) == (0 if all_tools else 1)
    whole, drawn = analyze(s), map_findings(s)
    assert drawn.dispositions and drawn.single_points_of_failure and drawn.silos
    # The same values as the analysis's fields and properties of the same names.
    for name in (f.name for f in dataclasses.fields(MapFindings)):
        assert getattr(drawn, name) == getattr(whole, name), name
