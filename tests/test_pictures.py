"""The map and the diagram as people see them: Chromium screenshots at 40 and 500 tools,
compared with stored baselines, so a change in what they show is a change someone looked at.

A baseline is a PNG in tests/baselines. When a change to a picture is intended, look at the
new one (the failure names where it is) and run once with STACKMAP_UPDATE_BASELINES=1 to store
it. The comparison allows a little anti-aliasing noise, not a moved or missing element.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from browser import CHROMIUM, NO_CHROMIUM, screenshot
from PIL import Image, ImageChops

from stackmap.analysis import analyze
from stackmap.export.diagram import write_diagram
from stackmap.export.map import write_map
from stackmap.reference import Reference

pytestmark = pytest.mark.slow  # real processes or a real browser: make check skips it

BASELINES = Path(__file__).parent / "baselines"
UPDATE = os.environ.get("STACKMAP_UPDATE_BASELINES") == "1"
DAY = date(2026, 12, 1)
MAP_WINDOW = (1400, 900)
DIAGRAM_WINDOW = (1160, 860)  # one A4 landscape page and its margin
TOLERANCE = 0.004  # share of pixels allowed to differ visibly


def differing(actual: Path, expected: Path, diff: Path) -> float:
    """The share of pixels that differ by more than anti-aliasing would; a picture of where."""
    a = Image.open(actual).convert("RGB")
    b = Image.open(expected).convert("RGB")
    if a.size != b.size:
        return 1.0
    delta = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 48 else 0)
    delta.save(diff)
    histogram = delta.histogram()
    return histogram[255] / (a.size[0] * a.size[1])


def check(picture: Path, name: str, tmp_path: Path) -> None:
    baseline = BASELINES / f"{name}.png"
    if UPDATE or not baseline.exists():
        if not UPDATE:
            pytest.fail(
                f"no baseline {baseline}; look at {picture} and store it with "
                "STACKMAP_UPDATE_BASELINES=1"
            )
        Image.open(picture).save(baseline, optimize=True)
        return
    share = differing(picture, baseline, tmp_path / f"{name}-diff.png")
    if share > TOLERANCE:
        kept = Path(os.environ.get("STACKMAP_PICTURES", tmp_path))
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copy(picture, kept / f"{name}-actual.png")
        pytest.fail(
            f"{name}: {share:.2%} of the pixels differ from {baseline}; see "
            f"{kept / (name + '-actual.png')} and {tmp_path / (name + '-diff.png')}"
        )


@pytest.fixture(scope="module")
def demo_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stackmap.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    run_demo(out, today=DAY)
    return out


@pytest.fixture(scope="module")
def large_pages(tmp_path_factory: pytest.TempPathFactory, reference: Reference) -> Path:
    from benchmarks.analysis_speed import build_stack

    out = tmp_path_factory.mktemp("large")
    s = build_stack(500, 2500, reference)
    analysis = analyze(s)
    write_map(out / "integration-map.html", s, analysis)
    write_diagram(out / "stack-diagram.html", s, analysis)
    return out


@pytest.fixture(scope="module")
def reference() -> Reference:
    from stackmap.reference import load_reference

    return load_reference()


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
@pytest.mark.parametrize(
    ("pages", "page", "window", "name"),
    [
        ("demo_pages", "integration-map.html", MAP_WINDOW, "map-40"),
        ("large_pages", "integration-map.html", MAP_WINDOW, "map-500"),
        ("demo_pages", "stack-diagram.html", DIAGRAM_WINDOW, "diagram-40"),
        ("large_pages", "stack-diagram.html", DIAGRAM_WINDOW, "diagram-500"),
    ],
)
def test_the_picture_matches_its_baseline(
    pages: str,
    page: str,
    window: tuple[int, int],
    name: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    folder: Path = request.getfixturevalue(pages)
    shot = screenshot(folder / page, tmp_path / f"{name}.png", tmp_path / "profile", window)
    baseline = BASELINES / f"{name}.png"
    # Headless Chromium on a loaded machine has taken the picture before the page's layout
    # settled (the first of four pages cut short, the page byte for byte the one that passed
    # before): a picture that differs is taken once more before it counts. A page that
    # changed differs both times.
    if (
        not UPDATE
        and baseline.exists()
        and differing(shot, baseline, tmp_path / f"{name}-first-diff.png") > TOLERANCE
    ):
        again = tmp_path / "again"
        again.mkdir()
        shot = screenshot(folder / page, again / f"{name}.png", again / "profile", window)
    check(shot, name, tmp_path)


def test_the_comparison_sees_a_moved_element(tmp_path: Path) -> None:
    base = Image.new("RGB", (200, 100), "white")
    moved = base.copy()
    for x in range(20, 40):
        for y in range(20, 40):
            moved.putpixel((x, y), (0, 0, 0))
    base.save(tmp_path / "a.png")
    moved.save(tmp_path / "b.png")
    assert differing(tmp_path / "a.png", tmp_path / "a.png", tmp_path / "d.png") == 0
    assert differing(tmp_path / "b.png", tmp_path / "a.png", tmp_path / "d.png") > TOLERANCE
