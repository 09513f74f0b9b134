"""Terminal UI speed, measured with Textual's pilot as the user waits: from the process's start
to the dashboard showing its figures on a 2,000-tool catalog, side by side with a bare Textual
app's start to its first screen on this machine; and one filter keystroke answered on 2,000 and
20,000-tool catalogs."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.child import in_child


def _catalog(tools: int, folder: Path) -> Path:
    from benchmarks.generate import synthetic_stack, write_workbook
    from stackmap.inventory import Inventory

    database = folder / f"tui-{tools}.db"
    workbook = write_workbook(folder / f"tui-{tools}.xlsx", synthetic_stack(tools, tools * 2))
    inventory = Inventory.open(str(database), actor="benchmark")
    inventory.apply_import(inventory.plan_import(workbook))
    inventory.close()
    return database


async def _until(app: object, check: object) -> None:
    for _ in range(100_000):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.002)
    raise RuntimeError("the UI never reached the state")


def _bare(started: float) -> dict[str, float]:
    """A Textual app with one line of text: the floor any Textual program starts from."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("ready", id="ready")

    app = Bare()
    result: dict[str, float] = {}

    async def main() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            result["first_screen_s"] = time.time() - started

    asyncio.run(main())
    return result


def _measure(step: str, database: str, started: float | None = None) -> dict[str, float]:
    from rich.text import Text
    from textual.widgets import DataTable, Input, Static

    from stackmap.inventory import Inventory
    from stackmap.tui.app import create_app
    from stackmap.tui.screens import ToolsScreen

    launched = started
    import stackmap.cli  # noqa: F401  # what `stackmap tui` loads before the app

    inventory = Inventory.open(database, actor="benchmark")
    app = create_app(inventory)
    result: dict[str, float] = {}
    # A keystroke is answered when the table holds the new rows (fill() has returned); the
    # paint follows on Textual's next refresh of the visible rows. Keystrokes are measured
    # one at a time, the screen painted in between.
    answered: list[float] = []
    fill = ToolsScreen.fill

    def timed_fill(self: ToolsScreen, *args: object) -> None:
        fill(self, *args)  # type: ignore[arg-type]
        answered.append(time.perf_counter())

    ToolsScreen.fill = timed_fill  # type: ignore[method-assign,assignment]

    def figure() -> str:
        found = app.screen.query("#fig-spend")
        text = found.first(Static).render() if found else ""
        return text.plain if isinstance(text, Text) else str(text)

    async def main() -> None:
        started = time.perf_counter()
        async with app.run_test(size=(160, 48)) as pilot:
            await _until(
                app, lambda: "Annual spend\n" in figure() and figure().strip()[-1:].isdigit()
            )
            result["first_screen_s"] = time.perf_counter() - started
            if launched is not None:
                result["launch_s"] = time.time() - launched
            if step == "filter":
                await app.run_action("show('tools')")
                await _until(app, lambda: bool(app.screen.query(DataTable)))
                table = app.screen.query_one(DataTable)
                await _until(app, lambda: table.row_count > 0)
                timings = []
                for query in ("Tool 12", "Tool 1", "Tool 123", "analytics"):
                    answered.clear()
                    started = time.perf_counter()
                    app.screen.query_one("#filter", Input).value = query
                    await _until(app, lambda: bool(answered))
                    timings.append(answered[0] - started)
                    await pilot.pause()  # let the screen paint before the next keystroke
                timings.sort()
                result["filter_s"] = timings[len(timings) // 2]

    asyncio.run(main())
    inventory.close()
    return result


def _launch(step: str, *args: object) -> dict[str, float]:
    """Run a child from nothing; the child reports the wall-clock time its screen was ready,
    so the figure includes starting Python and importing everything."""
    started = time.time()
    result = in_child("benchmarks.tui_speed", step, *args, started)
    return result


def run(tools: int) -> list[tuple[str, str]]:
    folder = Path(tempfile.mkdtemp(prefix="stackmap-bench-"))
    small = max(tools // 10, 20)
    small_db = _catalog(small, folder)
    # Alternated, three of each, the median kept: the machine's noise falls on both alike.
    bare, launch = [], []
    for _ in range(3):
        bare.append(_launch("bare", "-")["first_screen_s"])
        launch.append(_launch("first", small_db)["launch_s"])
    bare.sort()
    launch.sort()
    small_filter = in_child("benchmarks.tui_speed", "filter", small_db)
    filtered = in_child("benchmarks.tui_speed", "filter", _catalog(tools, folder))
    return [
        ("bare Textual app: process start to first screen", f"{bare[1]:.2f} s"),
        (
            f"stackmap tui: process start to the dashboard's figures, {small:,} tools",
            f"{launch[1]:.2f} s, {launch[1] / bare[1]:.1f}x the bare app (target ≤ 1.5 s at 2,000)",
        ),
        (
            f"one filter keystroke, {small:,} tools",
            f"{small_filter['filter_s'] * 1000:.0f} ms (target ≤ 100 ms)",
        ),
        (
            f"one filter keystroke, {tools:,} tools",
            f"{filtered['filter_s'] * 1000:.0f} ms",
        ),
    ]


if __name__ == "__main__":
    import json

    began = float(sys.argv[3]) if len(sys.argv) > 3 else None
    if sys.argv[1] == "bare":
        print(json.dumps(_bare(float(sys.argv[3]))))
    else:
        print(json.dumps(_measure(sys.argv[1], sys.argv[2], began)))
