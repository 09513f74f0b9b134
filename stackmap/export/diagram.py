"""`stackmap export diagram`: the one-page stack diagram teams draw by hand for stakeholders.

The tools in use, by capability area and by the job they do. A job is the analysis's own (a
tool's primary capability, `Stack.jobs`), and a job belongs to one area, so direct competitors
always share a box: the overlaps the analysis found are framed inside it with the tool it would
keep starred, and each required capability no tool provides is drawn where it belongs as an
empty red box. An overlay can colour the tools by their disposition or show their cost. The
customer-journey stages run along the bottom.

Laid out as A4 landscape pages of SVG (the HTML file holds the same pages, printable): one page
with the largest type that fits, down to a readable minimum; past that (about 150 to 250 tools,
by how long the names are) the areas flow over as many pages as they need at a comfortable
size. Every text is wrapped to the room it has (see textwidth), never cut.

The model (`board`) and the layout (`layout`) are plain data, so tests read them directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from stackmap.analysis import Analysis, Stack
from stackmap.analysis.stack import ToolFacts, main_area
from stackmap.export.page import text
from stackmap.export.safe import atomic_write
from stackmap.export.textwidth import width as text_width
from stackmap.export.textwidth import wrap
from stackmap.text import money

Overlay = Literal["none", "disposition", "cost"]
OVERLAYS: tuple[str, ...] = ("none", "disposition", "cost")

COLOURS = {
    "technology": "#4472C4",
    "data-management": "#70AD47",
    "measurement": "#ED7D31",
    "process": "#7030A0",
    "execution": "#00A3A1",
    "": "#7F7F7F",
}
# Dispositions: a tint for the tool and the letter teams know from the TIME model (and C for
# consolidate), so colour is never the only sign.
LETTERS = {
    "invest": "I",
    "tolerate": "T",
    "migrate": "M",
    "consolidate": "C",
    "eliminate": "E",
}
DISPOSITION_FILLS = {
    "invest": "#C6EFCE",
    "tolerate": "#DDEBF7",
    "migrate": "#FFE699",
    "consolidate": "#F8CBAD",
    "eliminate": "#FF9F9F",
}
COST_BANDS = ("#FBE5D6", "#F4B183", "#E46C0A", "#843C0C")  # stripe: cheapest quarter to dearest
UNKNOWN_COST = "#BFBFBF"
OVERLAP = "#C55A11"
GAP = "#C00000"

PAGE_W, PAGE_H = 1123, 794  # A4 landscape at 96 px to the inch
MARGIN = 24
TOP = MARGIN + 36  # below the title
GAP_X = 6  # between lanes
MAX_FONT, MIN_FONT = 12.0, 9.0  # px; 9 px prints at 6.75 pt, the smallest comfortable size
PAGED_FONT = 10.5  # the type size when the stack needs several pages
LANE_EMS = 10.0  # the narrowest lane, in ems of the type size
FOOT_FONT = 10.0


@dataclass(frozen=True)
class Chip:
    """One tool in use, as drawn."""

    name: str
    tag: str | None = None  # the overlay's word: a disposition, a cost
    decided: bool = False  # the disposition is a person's, not the analysis's suggestion
    fill: str = "#FFFFFF"
    stripe: str | None = None  # the cost overlay's band
    keeper: bool = False  # the tool its overlap group would keep
    overlap: int | None = None  # the number of its overlap group on this diagram


@dataclass(frozen=True)
class Cluster:
    """Tools in one box that do the same job: an overlap the analysis found."""

    number: int
    label: str
    chips: tuple[Chip, ...]


@dataclass(frozen=True)
class Box:
    job: str
    clusters: tuple[Cluster, ...] = ()
    chips: tuple[Chip, ...] = ()  # the box's other tools
    gap: bool = False  # a required capability no tool provides: drawn empty and red

    @property
    def count(self) -> int:
        return len(self.chips) + sum(len(c.chips) for c in self.clusters)


@dataclass(frozen=True)
class AreaBlock:
    slug: str
    name: str
    boxes: tuple[Box, ...]

    @property
    def colour(self) -> str:
        return COLOURS.get(self.slug, COLOURS[""])

    @property
    def count(self) -> int:
        return sum(b.count for b in self.boxes)


@dataclass(frozen=True)
class Stage:
    name: str
    side: str
    tools: int


@dataclass(frozen=True)
class Board:
    """What the diagram shows, before it is laid out."""

    areas: tuple[AreaBlock, ...]
    stages: tuple[Stage, ...]
    overlay: str
    subtitle: str
    legend: tuple[str, ...]

    @property
    def tools(self) -> int:
        return sum(a.count for a in self.areas)


def _job_key(stack: Stack, tool: ToolFacts) -> str | None:
    """The capability a tool is drawn under: its job, else (several capabilities, no category
    to say which is its job) its most specific one, as the overlap analysis names such groups."""
    reference = stack.reference
    job = stack.jobs.get(tool.id)
    if job is not None:
        return job
    known = sorted(c for c in tool.capabilities if c in reference.capabilities)
    if not known:
        return None
    weight = reference.capability_weight
    return max(known, key=lambda c: weight.get(c, 1.0))


def board(stack: Stack, analysis: Analysis, overlay: str = "none") -> Board:
    """The diagram's content: areas, the job boxes in them, overlaps, gaps and the journey."""
    if overlay not in OVERLAYS:
        raise ValueError(f"overlay must be one of {', '.join(OVERLAYS)}")
    reference = stack.reference
    currency = analysis.currency
    keepers = {o.keeper for o in analysis.overlaps if o.keeper}
    group_of: dict[str, int] = {}
    labels: dict[int, str] = {}
    for number, found in enumerate(analysis.overlaps, 1):
        for name in found.tools:
            group_of[name] = number
        labels[number] = _overlap_label(found.tools, found.at_stake, found.cost_unknown, currency)
    recommendations = {r.tool: r for r in analysis.recommendations}
    costs = [c for t in stack.in_use if (c := stack.costs[t.id].annual) is not None and c > 0]
    bands = _quartiles(costs)

    def chip(tool: ToolFacts) -> Chip:
        tag, decided, fill, stripe = None, False, "#FFFFFF", None
        if overlay == "disposition":
            rec = recommendations.get(tool.name)
            if rec is None:
                tag = "-"
            else:
                tag, decided = LETTERS.get(rec.disposition, "?"), rec.decided is not None
                fill = DISPOSITION_FILLS.get(rec.disposition, fill)
        elif overlay == "cost":
            annual = stack.costs[tool.id].annual
            if annual is None:
                tag, stripe = "?", UNKNOWN_COST
            else:
                tag = compact(annual)
                stripe = COST_BANDS[_band(annual, bands)] if annual > 0 else COST_BANDS[0]
        return Chip(
            tool.name,
            tag,
            decided,
            fill,
            stripe,
            keeper=tool.name in keepers,
            overlap=group_of.get(tool.name),
        )

    grouped: dict[str, dict[str | None, list[ToolFacts]]] = {}
    for tool in stack.in_use:
        job = _job_key(stack, tool)
        area = reference.area_of.get(job, "") if job else main_area(tool, reference) or ""
        grouped.setdefault(area, {}).setdefault(job, []).append(tool)
    gaps: dict[str, list[str]] = {}
    for gap in analysis.gaps:
        gaps.setdefault(gap.area, []).append(gap.capability)

    areas: list[AreaBlock] = []
    listed = [(a.slug, a.name) for a in reference.areas] + [("", "Capabilities not recorded")]
    for slug, name in listed:
        jobs = grouped.get(slug, {})
        if slug == "" and not jobs:
            continue
        boxes = []
        for job, tools in jobs.items():
            tools.sort(key=lambda t: (t.name not in keepers, t.name.casefold()))
            clusters: dict[int, list[Chip]] = {}
            alone: list[Chip] = []
            for tool in tools:
                drawn = chip(tool)
                if drawn.overlap is None:
                    alone.append(drawn)
                else:
                    clusters.setdefault(drawn.overlap, []).append(drawn)
            boxes.append(
                Box(
                    reference.capabilities[job].name if job else "Job not recorded",
                    tuple(Cluster(n, labels[n], tuple(c)) for n, c in sorted(clusters.items())),
                    tuple(alone),
                )
            )
        boxes.sort(key=lambda b: (-b.count, b.job.casefold()))
        boxes += [Box(reference.capabilities[c].name, gap=True) for c in gaps.get(slug, [])]
        areas.append(AreaBlock(slug, name, tuple(boxes)))

    names = {s.slug: s.name for s in reference.journey}
    stages = tuple(Stage(names[j.stage], j.side, len(j.tools)) for j in analysis.coverage.journey)
    spend = analysis.spend
    unknown = len(spend.tools_without_cost)
    subtitle = (
        f"{len(stack.in_use)} tools in use · {money(spend.total, spend.currency)} a year"
        + (f" known, {unknown} tools' cost unknown" if unknown else "")
        + f" · as of {analysis.as_of}"
    )
    return Board(
        tuple(areas), stages, overlay, subtitle, _legend(overlay, bool(group_of), currency)
    )


def _overlap_label(
    tools: tuple[str, ...], at_stake: Decimal, unknown: tuple[str, ...], currency: str
) -> str:
    label = f"Overlap of {len(tools)}"
    if at_stake:
        label += f" · {money(at_stake, currency)} at stake"
    if unknown:
        label += f" · {len(unknown)} cost unknown"
    return label


def _quartiles(costs: list[Decimal]) -> tuple[Decimal, ...]:
    if not costs:
        return ()
    ordered = sorted(costs)
    return tuple(ordered[min(len(ordered) - 1, len(ordered) * q // 4)] for q in (1, 2, 3))


def _band(amount: Decimal, bands: tuple[Decimal, ...]) -> int:
    return sum(amount >= edge for edge in bands)


def compact(amount: Decimal) -> str:
    """An amount in few characters: 950, 43.2k, 1.25M (the currency is in the legend)."""
    value = float(amount)
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            scaled = value / limit
            digits = 0 if abs(scaled) >= 100 else 1 if abs(scaled) >= 10 else 2
            shown = f"{scaled:.{digits}f}"
            if "." in shown:
                shown = shown.rstrip("0").rstrip(".")
            return shown + suffix
    return f"{value:,.0f}"


def _legend(overlay: str, overlaps: bool, currency: str) -> tuple[str, ...]:
    marks = [
        "Boxes: the job tools are mainly bought for, under its capability area.",
        "Red dashed box: a required capability no tool in use provides (a gap).",
    ]
    if overlaps:
        marks.insert(1, "Orange frame: tools doing the same job (an overlap); ★ the one to keep.")
    if overlay == "disposition":
        marks.append(
            "Letter and tint: disposition — I invest (green), T tolerate (blue), M migrate "
            "(yellow), C consolidate (orange), E eliminate (red); bold where a person decided "
            "it, else the analysis's suggestion; - none."
        )
    elif overlay == "cost":
        marks.append(
            f"Figure: annual cost in {currency} (k thousand, M million), ? unknown; stripe: "
            "light to dark by quarter of the stack's costs, grey unknown."
        )
    marks.append("Journey: tools serving each stage (blue acquisition, green expansion, red none).")
    return tuple(marks)


# --- Layout -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    """Sizes that follow the type size."""

    font: float

    @property
    def line(self) -> float:
        return self.font * 1.25

    @property
    def pad(self) -> float:
        return self.font * 0.3

    def lane_min(self) -> float:
        return self.font * LANE_EMS


@dataclass(frozen=True)
class Row:
    """One thing placed in a lane, top to bottom."""

    kind: Literal["head", "label", "chip", "gap"]
    lines: tuple[str, ...]
    height: float
    box: int  # index of its box in the area
    cluster: int | None = None  # its overlap's number
    chip: Chip | None = None
    continued: bool = False
    tag_inline: bool = False  # the chip's tag sits at the end of its last line


@dataclass
class Lane:
    rows: list[tuple[float, Row]] = field(default_factory=list)  # (y from the lane top, row)
    used: float = 0.0


@dataclass(frozen=True)
class Segment:
    """An area's lanes on one page."""

    area: AreaBlock
    lanes: tuple[Lane, ...]
    continued: bool
    width: float  # of each lane


@dataclass(frozen=True)
class Page:
    segments: tuple[Segment, ...]
    font: float
    head: float  # the height of the area names above the boxes


def _chip_room(metrics: Metrics, width: float, chip: Chip) -> float:
    room = width - 2 * metrics.pad - metrics.pad * 2  # box and chip insets
    room -= metrics.pad * 2 if chip.overlap else 0  # the overlap frame
    room -= metrics.font * 1.2 if chip.keeper else 0  # the star
    room -= 5 if chip.stripe else 0
    return room


def _rows(area: AreaBlock, metrics: Metrics, width: float) -> Iterator[Row]:
    """The rows an area's boxes make at this lane width, in drawing order."""
    f, line, pad = metrics.font, metrics.line, metrics.pad
    for index, box in enumerate(area.boxes):
        head = wrap(box.job, f, width - 2 * pad, bold=True)
        if box.gap:
            body = wrap(f"No tool provides {box.job}", f, width - 4 * pad)
            yield Row("gap", tuple(body), (len(body)) * line + 3 * pad, index)
            continue
        yield Row("head", tuple(head), len(head) * line + pad, index)
        for cluster in box.clusters:
            label = wrap(cluster.label, f * 0.9, width - 4 * pad)
            yield Row(
                "label", tuple(label), len(label) * f * 0.9 * 1.25 + pad, index, cluster.number
            )
            for chip in cluster.chips:
                yield _chip_row(chip, metrics, width, index, cluster.number)
        for chip in box.chips:
            yield _chip_row(chip, metrics, width, index)


def _chip_row(
    chip: Chip, metrics: Metrics, width: float, box: int, cluster: int | None = None
) -> Row:
    room = _chip_room(metrics, width, chip)
    lines = wrap(chip.name, metrics.font, room)
    inline = chip.tag is not None and _tag_room(lines[-1], metrics, room) >= _tag_width(
        chip, metrics
    )
    count = len(lines) + (chip.tag is not None and not inline)
    height = count * metrics.line + metrics.pad * 1.6
    return Row("chip", tuple(lines), height, box, cluster, chip, tag_inline=inline)


def _tag_size(metrics: Metrics) -> float:
    return max(metrics.font * 0.9, MIN_FONT)


def _tag_width(chip: Chip, metrics: Metrics) -> float:
    return text_width(chip.tag or "", _tag_size(metrics), bold=chip.decided)


def _tag_room(last: str, metrics: Metrics, room: float) -> float:
    """What is left of a chip's last line for its tag, after the name and a space."""
    return room - text_width(last, metrics.font) - metrics.font * 0.6


def _pack(area: AreaBlock, metrics: Metrics, width: float, room: float) -> list[Lane]:
    """Fill lanes of this width top to bottom; a box that runs over goes on in the next lane
    under its name again ("cont."). A name is never left alone at the foot of a lane."""
    lanes = [Lane()]
    rows = list(_rows(area, metrics, width))
    spacing = metrics.pad * 2  # between boxes
    heads: set[int] = set()
    for position, row in enumerate(rows):
        lane = lanes[-1]
        if row.kind == "head":
            heads.add(row.box)
        starts_box = row.kind in ("head", "gap")
        before = spacing if starts_box and lane.rows else 0.0
        needed = before + row.height
        if row.kind in ("head", "label"):  # keep a heading with its first tool
            for following in rows[position + 1 : position + 3]:
                needed += following.height
                if following.kind == "chip":
                    break
        if lane.rows and lane.used + needed > room:
            lane = Lane()
            lanes.append(lane)
            before = 0.0
            if not starts_box and row.box in heads:
                lines = wrap(
                    area.boxes[row.box].job + " (cont.)",
                    metrics.font,
                    width - 2 * metrics.pad,
                    bold=True,
                )
                cont = Row(
                    "head",
                    tuple(lines),
                    len(lines) * metrics.line + metrics.pad,
                    row.box,
                    continued=True,
                )
                lane.rows.append((0.0, cont))
                lane.used = cont.height
        lane.used += before
        lane.rows.append((lane.used, row))
        lane.used += row.height
    return lanes


def _head_height(area: AreaBlock, metrics: Metrics, width: float) -> float:
    name = f"{area.name} ({area.count}) (cont.)"  # room for "(cont.)" on a following page
    lines = wrap(name, metrics.font * 1.15, width - 2 * metrics.pad, True)
    return 6 + len(lines) * metrics.font * 1.15 * 1.25 + metrics.pad


def _footer_height(board: Board) -> float:
    return _journey_height(board) + 8 + len(_legend_lines(board)) * FOOT_FONT * 1.3


def _legend_lines(board: Board) -> list[str]:
    """The legend's sentences run on across the page's width."""
    return wrap(" ".join(board.legend), FOOT_FONT, PAGE_W - 2 * MARGIN)


def _journey_height(board: Board) -> float:
    cell = (PAGE_W - 2 * MARGIN) / max(len(board.stages), 1)
    most = max(
        (len(wrap(f"{s.name}: {s.tools}", FOOT_FONT, cell - 10)) for s in board.stages),
        default=1,
    )
    return most * FOOT_FONT * 1.25 + 10


def layout(board: Board) -> list[Page]:
    """Lay the board out: one page at the largest type size from MAX_FONT down to MIN_FONT
    that fits, else as many pages as the areas need at PAGED_FONT."""
    bottom = PAGE_H - MARGIN - _footer_height(board)
    content = PAGE_W - 2 * MARGIN
    areas = list(board.areas)
    font = MAX_FONT
    while font >= MIN_FONT:
        page = _one_page(areas, Metrics(font), content, bottom)
        if page is not None:
            return [page]
        font -= 0.5
    return _pages(areas, Metrics(PAGED_FONT), content, bottom)


def _one_page(
    areas: list[AreaBlock], metrics: Metrics, content: float, bottom: float
) -> Page | None:
    """The page at this type size, or None when it does not fit.

    Each area picks its own number of lanes and their width: the narrowest total that holds
    it (a small area takes one narrow lane, a crowded one several). What is left of the page
    width is then shared out in proportion, since wider lanes never need more room."""
    floor = metrics.lane_min()
    heads = {a.slug: _head_height(a, metrics, floor) for a in areas}
    room = bottom - TOP - max(heads.values())
    if _lower_bound(areas, metrics) > room * (content // floor):
        return None  # not even one line a tool fits: skip the search
    choice: list[tuple[int, float]] = []
    for area in areas:
        least = _no_broken_words(area, metrics, floor)
        best: tuple[float, int, float] | None = None
        for lanes in range(1, int((content + GAP_X) // (least + GAP_X)) + 1):
            width = _narrowest(area, metrics, lanes, room, least, content)
            if width is None:
                continue
            total = lanes * (width + GAP_X)
            if best is None or total < best[0]:
                best = (total, lanes, width)
            if best is not None and lanes * (least + GAP_X) > best[0]:
                break  # more lanes cannot be narrower in total any more
        if best is None:
            return None
        choice.append((best[1], best[2]))
    used = sum(lanes * width for lanes, width in choice)
    gaps = GAP_X * (sum(lanes for lanes, _ in choice) - 1)
    if used + gaps > content:
        return None
    stretch = (content - gaps) / used
    segments = []
    for area, (lanes, width) in zip(areas, choice, strict=True):
        wide = width * stretch
        packed = _pack(area, metrics, wide, room)
        if len(packed) > lanes:  # a heading kept with its tool can tip a wider lane over
            wide, packed = width, _pack(area, metrics, width, room)
        packed += [Lane() for _ in range(lanes - len(packed))]
        segments.append(Segment(area, tuple(packed), False, wide))
    return Page(tuple(segments), metrics.font, max(heads.values()))


def _no_broken_words(area: AreaBlock, metrics: Metrics, floor: float) -> float:
    """The lane width at which no word of a name or a job has to be broken, within reason
    (up to twice the narrowest lane; a longer word is broken)."""
    f, pad = metrics.font, metrics.pad
    need = floor
    for box in area.boxes:
        words = box.job.split()
        need = max(need, *(text_width(w, f, bold=True) + 2 * pad for w in words))
        for cluster in box.clusters:
            for chip in cluster.chips:
                need = max(need, _word_need(chip, metrics))
        for chip in box.chips:
            need = max(need, _word_need(chip, metrics))
    return min(need, 2 * floor)


def _word_need(chip: Chip, metrics: Metrics) -> float:
    longest = max((text_width(w, metrics.font) for w in chip.name.split()), default=0.0)
    return longest + 100 - _chip_room(metrics, 100, chip)  # plus the chip's insets


def _lower_bound(areas: list[AreaBlock], metrics: Metrics) -> float:
    """The least height the tools need, a line each: a cheap test before the search."""
    return sum(a.count for a in areas) * (metrics.line + metrics.pad * 1.6)


def _narrowest(
    area: AreaBlock, metrics: Metrics, lanes: int, room: float, floor: float, content: float
) -> float | None:
    """The narrowest lane width (to 4 px) at which the area fits in this many lanes."""
    steps = int((content - floor) // 4)
    if len(_pack(area, metrics, floor + 4 * steps, room)) > lanes:
        return None
    low, high = 0, steps  # fits at high; find the smallest step that fits
    while low < high:
        middle = (low + high) // 2
        if len(_pack(area, metrics, floor + 4 * middle, room)) <= lanes:
            high = middle
        else:
            low = middle + 1
    return floor + 4 * low


def _pages(areas: list[AreaBlock], metrics: Metrics, content: float, bottom: float) -> list[Page]:
    """Several pages: a fixed number of lanes a page, areas following on from page to page."""
    per_page = max(1, int((content + GAP_X) // (metrics.lane_min() * 1.4 + GAP_X)))
    width = (content - GAP_X * (per_page - 1)) / per_page
    head = max(_head_height(a, metrics, width) for a in areas)
    pages: list[Page] = []
    current: list[Segment] = []
    free = per_page
    for area in areas:
        lanes = _pack(area, metrics, width, bottom - TOP - head)
        continued = False
        while lanes:
            if free == 0:
                pages.append(Page(tuple(current), metrics.font, head))
                current, free = [], per_page
            taken, lanes = lanes[:free], lanes[free:]
            current.append(Segment(area, tuple(taken), continued, width))
            free -= len(taken)
            continued = True
    if current:
        pages.append(Page(tuple(current), metrics.font, head))
    return pages


# --- Drawing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiagramResult:
    path: Path
    tools: int
    pages: int
    font: float  # px: the tools' type size


def write_diagram(
    path: Path, stack: Stack, analysis: Analysis, overlay: str = "none"
) -> DiagramResult:
    """Write the diagram as HTML, or as SVG when path ends in .svg (atomically, UTF-8)."""
    drawn = board(stack, analysis, overlay)
    pages = layout(drawn)
    content = _svg_document(drawn, pages) if path.suffix.lower() == ".svg" else _html(drawn, pages)
    with atomic_write(path, "w", encoding="utf-8") as stream:
        stream.write(content)
    return DiagramResult(path, drawn.tools, len(pages), pages[0].font)


def _t(
    x: float, y: float, lines: tuple[str, ...] | list[str], size: float, room: float, **attrs: str
) -> str:
    """A text element, one tspan a line; data-room is the width it was wrapped to."""
    extra = "".join(f' {k.rstrip("_").replace("_", "-")}="{text(v)}"' for k, v in attrs.items())
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else size * 1.25:.2f}">{text(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.2f}" data-room="{room:.1f}"{extra}>'
        f"{spans}</text>"
    )


def _svg_page(board: Board, page: Page, number: int, total: int, y0: float = 0) -> list[str]:
    metrics = Metrics(page.font)
    f, pad = metrics.font, metrics.pad
    out: list[str] = [
        f'<rect x="0" y="{y0}" width="{PAGE_W}" height="{PAGE_H}" fill="#FFFFFF"/>',
    ]
    title = "Marketing technology stack"
    if total > 1:
        title += f" — page {number} of {total}"
    out.append(_t(MARGIN, y0 + MARGIN + 16, [title], 20, PAGE_W / 2, font_weight="bold"))
    out.append(
        _t(
            PAGE_W - MARGIN,
            y0 + MARGIN + 16,
            [board.subtitle],
            11,
            PAGE_W / 2,
            text_anchor="end",
            fill="#555555",
        )
    )
    bottom = PAGE_H - MARGIN - _footer_height(board)
    x = float(MARGIN)
    for segment in page.segments:
        width = segment.width
        span = len(segment.lanes) * width + GAP_X * (len(segment.lanes) - 1)
        area = segment.area
        out.append(
            f'<rect x="{x:.1f}" y="{y0 + TOP:.1f}" width="{span:.1f}" '
            f'height="{bottom - TOP:.1f}" fill="#F4F4F4"/>'
            f'<rect x="{x:.1f}" y="{y0 + TOP:.1f}" width="{span:.1f}" height="5" '
            f'fill="{area.colour}"/>'
        )
        name = f"{area.name} ({area.count})" + (" (cont.)" if segment.continued else "")
        size = f * 1.15
        lines = wrap(name, size, span - 2 * pad, bold=True)
        out.append(
            _t(x + pad, y0 + TOP + 6 + size, lines, size, span - 2 * pad, font_weight="bold")
        )
        top = y0 + TOP + page.head
        if not area.boxes:
            out.append(_t(x + pad, top + f, ["No tool in use"], f, span - 2 * pad, fill=GAP))
        for lane in segment.lanes:
            out += _lane(lane, x, top, width, metrics)
            x += width + GAP_X
    out += _footer(board, y0, bottom)
    return out


def _lane(lane: Lane, x: float, top: float, width: float, metrics: Metrics) -> list[str]:
    f, pad = metrics.font, metrics.pad
    out: list[str] = []
    # Backgrounds first: each box's extent in this lane, then each overlap's frame.
    boxes: dict[int, list[float]] = {}
    frames: dict[int, list[float]] = {}
    for y, row in lane.rows:
        if row.kind == "gap":
            continue
        span = boxes.setdefault(row.box, [y, y + row.height])
        span[1] = y + row.height
        if row.cluster is not None:
            frame = frames.setdefault(row.cluster, [y, y + row.height])
            frame[1] = y + row.height
    for y1, y2 in boxes.values():
        out.append(
            f'<rect x="{x:.1f}" y="{top + y1:.1f}" width="{width:.1f}" '
            f'height="{y2 - y1 + pad:.1f}" rx="3" fill="#FFFFFF" stroke="#D0D0D0"/>'
        )
    for y1, y2 in frames.values():
        out.append(
            f'<rect x="{x + pad:.1f}" y="{top + y1:.1f}" width="{width - 2 * pad:.1f}" '
            f'height="{y2 - y1:.1f}" rx="3" fill="#FFF4EC" stroke="{OVERLAP}" '
            'stroke-width="1.5"/>'
        )
    for y, row in lane.rows:
        ty = top + y + f
        if row.kind == "head":
            out.append(
                _t(
                    x + pad,
                    ty + pad * 0.5,
                    row.lines,
                    f,
                    width - 2 * pad,
                    font_weight="bold",
                    fill="#404040",
                )
            )
        elif row.kind == "label":
            out.append(
                _t(
                    x + 2 * pad,
                    ty,
                    row.lines,
                    f * 0.9,
                    width - 4 * pad,
                    fill=OVERLAP,
                    font_style="italic",
                )
            )
        elif row.kind == "gap":
            out.append(
                f'<rect x="{x:.1f}" y="{top + y:.1f}" width="{width:.1f}" '
                f'height="{row.height:.1f}" rx="3" fill="#FFFFFF" stroke="{GAP}" '
                'stroke-width="1.5" stroke-dasharray="5 3"/>'
            )
            out.append(
                _t(x + 2 * pad, ty + pad, row.lines, f, width - 4 * pad, fill=GAP, class_="gap")
            )
        elif row.chip is not None:
            out += _chip(row, row.chip, x, top + y, width, metrics)
    return out


def _chip(row: Row, chip: Chip, x: float, y: float, width: float, metrics: Metrics) -> list[str]:
    f, pad = metrics.font, metrics.pad
    inset = pad * (2 if chip.overlap else 1)
    cx, cw = x + inset, width - 2 * inset
    ch = row.height - pad * 0.5
    room = _chip_room(metrics, width, chip)
    out = [
        f'<g class="tool"><title>{text(chip.name)}</title>'
        f'<rect x="{cx:.1f}" y="{y + pad * 0.25:.1f}" width="{cw:.1f}" height="{ch:.1f}" '
        f'rx="2" fill="{chip.fill}" stroke="#BFBFBF" stroke-width="0.6"/>'
    ]
    tx = cx + pad
    if chip.stripe:
        out.append(
            f'<rect x="{cx:.1f}" y="{y + pad * 0.25:.1f}" width="4" height="{ch:.1f}" '
            f'fill="{chip.stripe}"/>'
        )
        tx += 5
    first = y + pad * 0.8 + f * 0.95
    out.append(_t(tx, first, row.lines, f, room, class_="name"))
    if chip.tag is not None:
        size = _tag_size(metrics)
        lines = len(row.lines) - (1 if row.tag_inline else 0)
        room_left = _tag_room(row.lines[-1], metrics, room) if row.tag_inline else room
        out.append(
            _t(
                tx + room,
                first + lines * metrics.line,
                [chip.tag],
                size,
                room_left,
                text_anchor="end",
                fill="#262626",
                font_weight="bold" if chip.decided else "normal",
                class_="overlay",
            )
        )
    if chip.keeper:
        out.append(
            f'<text x="{cx + cw - pad:.1f}" y="{y + pad * 0.8 + f * 0.95:.1f}" text-anchor="end" '
            f'font-size="{f:.2f}" fill="{OVERLAP}" class="keeper">★</text>'
        )
    out.append("</g>")
    return out


def _footer(board: Board, y0: float, bottom: float) -> list[str]:
    out: list[str] = []
    stages = board.stages
    cell = (PAGE_W - 2 * MARGIN) / max(len(stages), 1)
    band = _journey_height(board)
    y = y0 + bottom + 6
    for index, stage in enumerate(stages):
        x = MARGIN + index * cell
        fill = (
            "#F8CBAD"
            if not stage.tools
            else "#DDEBF7"
            if stage.side == "acquisition"
            else "#E2EFDA"
        )
        lines = wrap(f"{stage.name}: {stage.tools}", FOOT_FONT, cell - 10)
        out.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{cell - 4:.1f}" height="{band - 2:.1f}" '
            f'fill="{fill}"/>'
        )
        out.append(
            _t(x + cell / 2, y + FOOT_FONT + 3, lines, FOOT_FONT, cell - 10, text_anchor="middle")
        )
    y += band + FOOT_FONT
    for mark in _legend_lines(board):
        out.append(_t(MARGIN, y, [mark], FOOT_FONT, PAGE_W - 2 * MARGIN, fill="#555555"))
        y += FOOT_FONT * 1.3
    return out


SVG_OPEN = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
    'font-family="DejaVu Sans, Verdana, Arial, sans-serif" class="page">'
)


def _svg_document(board: Board, pages: list[Page]) -> str:
    """One SVG; several pages are stacked one under the other."""
    parts = [SVG_OPEN.format(w=PAGE_W, h=PAGE_H * len(pages))]
    for number, page in enumerate(pages, 1):
        parts += _svg_page(board, page, number, len(pages), PAGE_H * (number - 1))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _html(board: Board, pages: list[Page]) -> str:
    svgs = "\n".join(
        SVG_OPEN.format(w=PAGE_W, h=PAGE_H)
        + "\n".join(_svg_page(board, page, number, len(pages)))
        + "</svg>"
        for number, page in enumerate(pages, 1)
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Marketing technology stack</title>
<style>
@page {{ size: A4 landscape; margin: 0; }}
body {{ margin: 0; background: #E7E7E7; }}
svg.page {{ display: block; margin: 12px auto; background: #fff;
  box-shadow: 0 1px 4px rgba(0, 0, 0, .25); }}
@media print {{
  body {{ background: none; }}
  svg.page {{ margin: 0; box-shadow: none; width: 297mm; height: 209mm;
    break-after: page; }}
  svg.page:last-child {{ break-after: auto; }}
}}
</style>
</head>
<body>
{svgs}
</body>
</html>
"""
