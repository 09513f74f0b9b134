"""The stack diagram: competitors side by side, overlaps and gaps drawn, overlays, one page up
to 150 tools at a readable size, pages beyond, and no text cut (read as data, and measured in
a real browser)."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from browser import CHROMIUM, NO_CHROMIUM, chromium_dom
from stacks import stack, tool

from stackmap.analysis import Stack, analyze
from stackmap.export.diagram import (
    MIN_FONT,
    OVERLAYS,
    PAGE_H,
    PAGE_W,
    Board,
    Box,
    board,
    compact,
    layout,
    write_diagram,
)
from stackmap.export.textwidth import width, wrap
from stackmap.reference import Reference

SVG = "{http://www.w3.org/2000/svg}"


def library_stack(reference: Reference, count: int) -> Stack:
    """A stack of real product names from the product library, spread over its categories,
    every fifth cost unknown."""
    products = sorted(reference.products, key=lambda p: p.name.casefold())
    step = len(products) / count
    chosen = [products[int(i * step)] for i in range(count)]
    return stack(
        reference,
        [
            dataclasses.replace(
                tool(i + 1, p.name, *p.capabilities, cost=1000 * (i % 7 + 1) if i % 5 else None),
                category=p.category,
            )
            for i, p in enumerate(chosen)
        ],
    )


def _boxes(drawn: Board) -> dict[tuple[str, str], Box]:
    return {(area.slug, box.job): box for area in drawn.areas for box in area.boxes if not box.gap}


def test_direct_competitors_share_one_box_framed_as_an_overlap(reference: Reference) -> None:
    # Both are marketing-automation platforms; Beta also sends email and builds forms, so most
    # of its capabilities are in Execution. It is still drawn beside Alpha, under Technology.
    beta = tool(
        2, "Beta", "marketing-automation", "email-marketing", "landing-pages-forms", cost=50000
    )
    s = stack(
        reference,
        [
            dataclasses.replace(
                tool(1, "Alpha", "marketing-automation", cost=20000),
                category="marketing-automation",
            ),
            dataclasses.replace(beta, category="marketing-automation"),
            tool(3, "Gamma SEO", "seo", cost=5000),
        ],
    )
    drawn = board(s, analyze(s))
    boxes = _boxes(drawn)
    box = boxes[("technology", "Marketing automation")]
    assert not box.chips and len(box.clusters) == 1
    cluster = box.clusters[0]
    assert [c.name for c in cluster.chips] == ["Beta", "Alpha"]  # the keeper first, starred
    assert cluster.chips[0].keeper and not cluster.chips[1].keeper
    assert cluster.label == "Overlap of 2 · USD 20,000 at stake"
    placed = [a.slug for a in drawn.areas for b in a.boxes for c in b.clusters for t in c.chips]
    assert placed == ["technology", "technology"]
    assert [c.name for c in boxes[("execution", "SEO")].chips] == ["Gamma SEO"]


def test_required_capabilities_no_tool_provides_are_drawn_as_red_boxes(
    reference: Reference, tmp_path: Path
) -> None:
    s = stack(reference, [tool(1, "Alpha", "marketing-automation", cost=20000)])
    analysis = analyze(s)
    drawn = board(s, analysis)
    gaps = {(a.slug, b.job) for a in drawn.areas for b in a.boxes if b.gap}
    expected = {(g.area, reference.capabilities[g.capability].name) for g in analysis.gaps}
    assert ("execution", "SEO") in gaps and gaps == expected
    svg = write_diagram(tmp_path / "d.svg", s, analysis).path.read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    drawn_gaps = [_joined(t) for t in root.iter(f"{SVG}text") if t.get("class") == "gap"]
    assert "NotoolprovidesSEO" in drawn_gaps
    assert 'stroke-dasharray="5 3"' in svg


def test_the_disposition_overlay_marks_each_tool_with_a_letter_and_who_decided(
    reference: Reference,
) -> None:
    s = stack(
        reference,
        [
            tool(1, "Alpha", "marketing-automation", cost=20000),
            tool(2, "Beta", "marketing-automation", cost=50000, disposition="eliminate"),
        ],
    )
    analysis = analyze(s)
    chips = {
        c.name: c
        for b in _boxes(board(s, analysis, "disposition")).values()
        for cl in b.clusters
        for c in cl.chips
    }
    decided = {r.tool: r for r in analysis.recommendations}
    assert chips["Beta"].tag == "E" and chips["Beta"].decided  # a person's decision: bold
    assert chips["Alpha"].tag == {"invest": "I", "tolerate": "T"}.get(
        decided["Alpha"].disposition, "?"
    )
    assert not chips["Alpha"].decided
    assert chips["Beta"].fill == "#FF9F9F"


def test_the_cost_overlay_never_shows_an_unknown_cost_as_zero(reference: Reference) -> None:
    s = stack(
        reference,
        [
            tool(1, "Paid", "seo", cost=43200),
            tool(2, "Free", "crm", cost=0),
            tool(3, "Unknown", "dam"),
        ],
    )
    chips = {c.name: c for b in _boxes(board(s, analyze(s), "cost")).values() for c in b.chips}
    assert chips["Paid"].tag == "43.2k"
    assert chips["Free"].tag == "0"
    assert chips["Unknown"].tag == "?" and chips["Unknown"].stripe == "#BFBFBF"
    assert [compact(Decimal(v)) for v in (950, 150000, 1250000, 99999)] == [
        "950",
        "150k",
        "1.25M",
        "100k",
    ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_150_real_products_fit_one_page_at_a_readable_size(
    reference: Reference, overlay: str
) -> None:
    s = library_stack(reference, 150)
    pages = layout(board(s, analyze(s), overlay))
    assert len(pages) == 1
    assert pages[0].font >= MIN_FONT >= 9
    placed = [
        row.chip.name
        for segment in pages[0].segments
        for lane in segment.lanes
        for _, row in lane.rows
        if row.chip
    ]
    assert sorted(placed) == sorted(t.name for t in s.in_use)


def test_a_large_stack_flows_over_pages_with_every_tool_once(
    reference: Reference, tmp_path: Path
) -> None:
    from benchmarks.analysis_speed import build_stack

    s = build_stack(500, 1000, reference)
    result = write_diagram(tmp_path / "d.svg", s, analyze(s), "cost")
    assert result.pages > 1 and result.font >= MIN_FONT
    root = ET.fromstring(result.path.read_text(encoding="utf-8"))
    assert float(root.get("height", 0)) == PAGE_H * result.pages
    names = [_joined(t) for t in root.iter(f"{SVG}text") if t.get("class") == "name"]
    assert sorted(names) == sorted(t.name.replace(" ", "") for t in s.in_use)
    titles = [_joined(t) for t in root.iter(f"{SVG}text") if "page" in _joined(t)]
    assert f"Marketingtechnologystack—page{result.pages}of{result.pages}" in titles
    # Nothing is drawn outside its page, or past the footer into the next.
    for page in range(result.pages):
        texts = [
            float(t.get("y", 0)) - page * PAGE_H
            for t in root.iter(f"{SVG}text")
            if page * PAGE_H <= float(t.get("y", 0)) < (page + 1) * PAGE_H
        ]
        assert texts and max(texts) < PAGE_H - 20 and min(texts) > 20


def _joined(element: ET.Element) -> str:
    """A text element's words run together: what it says, whatever its line breaks."""
    return re.sub(r"\s+", "", "".join(element.itertext()))


def test_no_text_is_cut_and_every_line_fits_its_room(reference: Reference, tmp_path: Path) -> None:
    names = ["Supercalifragilisticexpialidociousplatform", "AWS SaaS Optimisation Platform"]
    s = stack(
        reference,
        [tool(1 + i, n, "seo", cost=1000) for i, n in enumerate(names)]
        + [tool(10 + i, f"Long named tool number {i} for testing", "crm") for i in range(40)],
    )
    svg = write_diagram(tmp_path / "d.svg", s, analyze(s), "cost").path.read_text("utf-8")
    assert "…" not in svg
    root = ET.fromstring(svg)
    drawn = {_joined(t) for t in root.iter(f"{SVG}text") if t.get("class") == "name"}
    assert {n.replace(" ", "") for n in names} <= drawn
    for element in root.iter(f"{SVG}text"):
        size = float(element.get("font-size", 0))
        room = float(element.get("data-room", 0))
        bold = element.get("font-weight") == "bold"
        for span in element.iter(f"{SVG}tspan"):
            assert width(span.text or "", size, bold) <= room + 0.01, span.text


def test_wrapping_keeps_every_character() -> None:
    for sample in ("A B C", "Supercalifragilistic", "日本語のツール名前", "Zoë Ünïcode Tøøl"):
        lines = wrap(sample, 10, 40)
        assert "".join(lines).replace(" ", "") == sample.replace(" ", "")
        assert all(width(line, 10) <= 40 for line in lines if len(line) > 1)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_every_text_fits_its_room_as_chromium_draws_it(
    reference: Reference, tmp_path: Path
) -> None:
    # The page is measured by the browser itself: each text element's drawn length against
    # the room it was wrapped to. The measuring script is added to a copy of the page, since
    # the page allows no script.
    s = library_stack(reference, 150)
    page = write_diagram(tmp_path / "d.html", s, analyze(s), "disposition").path
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    html = html.replace("</body>", MEASURE + "</body>")
    probe = tmp_path / "probe.html"
    probe.write_text(html, encoding="utf-8")
    body = chromium_dom(probe, tmp_path / "profile")
    checked = re.search(r'data-checked="(\d+)"', body)
    over = re.search(r'data-over="([^"]*)"', body)
    assert checked is not None and int(checked.group(1)) > 300, body[:500]
    assert over is not None and over.group(1) == "", over


MEASURE = """<script>
var over = [], checked = 0;
document.querySelectorAll("text[data-room]").forEach(function (t) {
  t.querySelectorAll("tspan").forEach(function (s) {
    checked += 1;
    if (s.getComputedTextLength() > parseFloat(t.dataset.room) + 0.5) {
      over.push(s.textContent + " " + s.getComputedTextLength() + ">" + t.dataset.room);
    }
  });
});
document.body.dataset.checked = checked;
document.body.dataset.over = over.join(" | ");
</script>"""


def test_the_page_is_a4_landscape(reference: Reference, tmp_path: Path) -> None:
    s = library_stack(reference, 20)
    html = write_diagram(tmp_path / "d.html", s, analyze(s)).path.read_text(encoding="utf-8")
    assert "@page { size: A4 landscape" in html and "<script" not in html
    assert f'viewBox="0 0 {PAGE_W} {PAGE_H}"' in html


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
@pytest.mark.parametrize("count", [150, 400])
def test_the_html_prints_on_as_many_a4_pages_as_it_says(
    reference: Reference, tmp_path: Path, count: int
) -> None:
    import pdfplumber
    from browser import chromium

    s = library_stack(reference, count)
    result = write_diagram(tmp_path / "d.html", s, analyze(s), "cost")
    assert (result.pages == 1) == (count == 150)
    pdf = tmp_path / "d.pdf"
    done = chromium(
        ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", result.path.as_uri()],
        tmp_path / "profile",
    )
    assert done.returncode == 0 and pdf.exists(), done.stderr[-2000:]
    with pdfplumber.open(pdf) as printed:
        assert len(printed.pages) == result.pages
        for page in printed.pages:
            assert round(page.width) == 842 and round(page.height) == 595  # A4 landscape
        words = " ".join(p.extract_text() or "" for p in printed.pages)
    assert "Marketing technology stack" in words
