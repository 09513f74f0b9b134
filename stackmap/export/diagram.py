"""`stackmap export diagram`: the one-page stack diagram teams draw by hand for stakeholders.

Tools in use grouped into the five capability areas, and within an area by the job they do
(their landscape subcategory, else their main capability); the customer-journey stages they
serve along the bottom. Static HTML (no JavaScript) or SVG, one landscape page, type sized to
fit 15 to 150 tools.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from stackmap.analysis import Analysis, Stack
from stackmap.analysis.stack import job_of, main_area
from stackmap.export.page import text
from stackmap.export.safe import atomic_write

COLOURS = {
    "technology": "#4472C4",
    "data-management": "#70AD47",
    "measurement": "#ED7D31",
    "process": "#7030A0",
    "execution": "#00A3A1",
    "": "#7F7F7F",
}
PAGE_W, PAGE_H = 1123, 794  # A4 landscape at 96 dpi


@dataclass(frozen=True)
class Column:
    slug: str
    name: str
    jobs: list[tuple[str, list[str]]]  # (job, tool names)

    @property
    def count(self) -> int:
        return sum(len(tools) for _, tools in self.jobs)


def columns(stack: Stack) -> list[Column]:
    """The diagram's columns: one per area (and "Unclassified" when needed), jobs inside."""
    reference = stack.reference
    grouped: dict[str, dict[str, list[str]]] = {}
    for tool in stack.in_use:
        area = main_area(tool, reference) or ""
        job = job_of(tool, reference) or "Other"
        grouped.setdefault(area, {}).setdefault(job, []).append(tool.name)
    result = []
    for slug, name in [(a.slug, a.name) for a in reference.areas] + [("", "Unclassified")]:
        if slug == "" and slug not in grouped:
            continue
        jobs = grouped.get(slug, {})
        ordered = sorted(jobs.items(), key=lambda kv: (-len(kv[1]), kv[0].casefold()))
        result.append(
            Column(slug, name, [(job, sorted(tools, key=str.casefold)) for job, tools in ordered])
        )
    return result


ROOM = PAGE_H - 180  # the height left for the areas: title, journey band and margins


def _lines(col: Column) -> float:
    return 2 + sum(1.3 + len(tools) for _, tools in col.jobs)


def _font(cols: list[Column], spacing: float) -> float:
    """Type size that keeps every tool on one page: 12 px for small stacks, smaller when the
    longest column (in lines of `spacing` x the type size) would not fit, down to 7 px; past
    that, columns split (see _splits)."""
    lines = max((_lines(c) for c in cols), default=1)
    return max(7.0, min(12.0, ROOM / (lines * spacing)))


def _splits(col: Column, font: float, spacing: float) -> int:
    """How many sub-columns an area needs at this type size to stay on the page."""
    return max(1, math.ceil(_lines(col) * font * spacing / ROOM))


def write_diagram(path: Path, stack: Stack, analysis: Analysis) -> Path:
    """Write the diagram as HTML, or as SVG when path ends in .svg (atomically, UTF-8)."""
    content = _svg(stack, analysis) if path.suffix.lower() == ".svg" else _html(stack, analysis)
    with atomic_write(path, "w", encoding="utf-8") as stream:
        stream.write(content)
    return path


def _journey(analysis: Analysis, stack: Stack) -> list[tuple[str, str, int]]:
    names = {s.slug: s.name for s in stack.reference.journey}
    return [(names[j.stage], j.side, len(j.tools)) for j in analysis.coverage.journey]


def _html(stack: Stack, analysis: Analysis) -> str:
    cols = columns(stack)
    font = _font(cols, 1.55)
    blocks: list[str] = []
    for col in cols:
        colour = COLOURS.get(col.slug, COLOURS[""])
        jobs = (
            "".join(
                f'<div class="job"><h3>{text(job)}</h3><ul>'
                + "".join(f"<li>{text(tool)}</li>" for tool in tools)
                + "</ul></div>"
                for job, tools in col.jobs
            )
            or '<p class="empty">No tool in use</p>'
        )
        split = _splits(col, font, 1.55)
        flow = f";column-count:{split};column-gap:6px" if split > 1 else ""
        blocks.append(
            f'<section style="border-top:6px solid {colour}{flow}">'
            f"<h2>{text(col.name)} <span>{col.count}</span></h2>{jobs}</section>"
        )
    stages = "".join(
        f'<li class="{text(side)}{" gap" if not count else ""}">{text(name)}<b>{count}</b></li>'
        for name, side, count in _journey(analysis, stack)
    )
    subtitle = (
        f"{len(stack.in_use)} tools in use · {analysis.spend.currency} "
        f"{analysis.spend.total:,.0f} a year · as of {analysis.as_of}"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Marketing technology stack</title>
<style>
@page {{ size: A4 landscape; margin: 10mm; }}
body {{ font: {font:.1f}px system-ui, sans-serif; margin: 0; padding: 8px; color: #222; }}
header {{ display: flex; justify-content: space-between; align-items: baseline; }}
h1 {{ font-size: 20px; margin: 0 0 6px; }}
.areas {{ display: grid; grid-template-columns: repeat({len(cols)}, 1fr); gap: 6px; }}
section {{ background: #F7F7F7; padding: 4px 6px; break-inside: avoid; }}
h2 {{ font-size: {max(font * 1.2, 11):.1f}px; margin: 2px 0 4px; column-span: all; }}
h2 span {{ color: #777; font-weight: normal; }}
h3 {{ font-size: {font:.1f}px; margin: 4px 0 1px; color: #555; }}
ul {{ margin: 0; padding: 0; list-style: none; }}
li {{ margin: 0 0 1px; padding: 1px 4px; background: #fff; border-radius: 3px; }}
.empty {{ color: #C00000; }}
footer ol {{ display: flex; gap: 4px; padding: 0; margin: 8px 0 0; list-style: none; }}
footer li {{ flex: 1; text-align: center; padding: 3px; border-radius: 3px; font-size: 11px; }}
footer li b {{ display: block; }}
footer li.acquisition {{ background: #DDEBF7; }}
footer li.expansion {{ background: #E2EFDA; }}
footer li.gap {{ background: #F8CBAD; }}
.note {{ color: #666; }}
</style>
</head>
<body>
<header><h1>Marketing technology stack</h1>
<span class="note">{text(subtitle)}</span></header>
<div class="areas">{"".join(blocks)}</div>
<footer><ol>{stages}</ol>
<p class="note">Customer journey: tools serving each stage (blue: acquisition, green:
expansion, red: none). Tools appear under the area most of their capabilities belong to.</p>
</footer>
</body>
</html>
"""


def _fit(label: str, width: float, size: float) -> str:
    """Shorten a label to what fits a width in SVG, which does not wrap text (about 0.55 em
    per character in a sans-serif face)."""
    room = max(int(width / (size * 0.55)), 4)
    return label if len(label) <= room else label[: room - 1].rstrip() + "…"


def _svg(stack: Stack, analysis: Analysis) -> str:
    cols = columns(stack)
    font = _font(cols, 1.35)
    line = font * 1.35
    margin, gap = 20, 8
    width = (PAGE_W - 2 * margin - gap * (len(cols) - 1)) / max(len(cols), 1)
    top = margin + 32
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W}" height="{PAGE_H}" '
        f'viewBox="0 0 {PAGE_W} {PAGE_H}" font-family="sans-serif" font-size="{font}">',
        f'<text x="{margin}" y="{margin + 16}" font-size="20" '
        f'font-weight="bold">Marketing technology stack</text>',
        f'<text x="{PAGE_W - margin}" y="{margin + 16}" text-anchor="end" fill="#666" '
        'font-size="11">'
        f"{escape(f'{len(stack.in_use)} tools in use · as of {analysis.as_of}')}</text>",
    ]
    bottom = PAGE_H - margin - 40
    for index, col in enumerate(cols):
        x = margin + index * (width + gap)
        colour = COLOURS.get(col.slug, COLOURS[""])
        parts.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{bottom - top:.1f}" '
            f'fill="#F7F7F7"/><rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="5" '
            f"fill={quoteattr(colour)}/>"
        )
        y = top + 5 + line
        parts.append(
            f'<text x="{x + 5:.1f}" y="{y:.1f}" font-weight="bold" font-size="{font * 1.15}">'
            f"{escape(_fit(f'{col.name} ({col.count})', width - 10, font * 1.15 * 1.1))}</text>"
        )
        sub = width / _splits(col, font, 1.35)
        first, sx = y, x
        for job, tools in col.jobs:
            if y + 2.2 * line > bottom - 4:  # past the bottom: on at the next sub-column's top
                sx, y = sx + sub, first
            y += line * 1.2
            parts.append(
                f'<text x="{sx + 5:.1f}" y="{y:.1f}" fill="#555" font-weight="bold">'
                f"{escape(_fit(job, sub - 10, font * 1.1))}</text>"
            )
            for tool in tools:
                if y + line > bottom - 4:
                    sx, y = sx + sub, first
                y += line
                label = escape(_fit(tool, sub - 15, font))
                parts.append(f'<text x="{sx + 10:.1f}" y="{y:.1f}">{label}</text>')
    stages = _journey(analysis, stack)
    cell = (PAGE_W - 2 * margin) / max(len(stages), 1)
    for index, (name, side, count) in enumerate(stages):
        x = margin + index * cell
        fill = "#F8CBAD" if not count else "#DDEBF7" if side == "acquisition" else "#E2EFDA"
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{bottom + 6:.1f}" width="{cell - 4:.1f}" '
            f'height="28" fill="{fill}"/>'
            f'<text x="{x + cell / 2:.1f}" y="{bottom + 24:.1f}" text-anchor="middle" '
            'font-size="11">'
            f"{escape(f'{name}: {count}')}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
