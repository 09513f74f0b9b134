"""Terminal UI speed, measured with Textual's pilot: the first screen painted with its numbers
on a 2,000-tool catalog, and one filter keystroke answered on a 20,000-tool catalog."""

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


def _measure(step: str, database: str) -> dict[str, float]:
    from rich.text import Text
    from textual.widgets import DataTable, Input, Static

    from stackmap.inventory import Inventory
    from stackmap.tui.app import create_app
    from stackmap.tui.screens import ToolsScreen

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

    ToolsScreen.fill = timed_fill  # type: ignore[method-assign]

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


def run(tools: int) -> list[tuple[str, str]]:
    folder = Path(tempfile.mkdtemp(prefix="stackmap-bench-"))
    small = max(tools // 10, 20)
    first = in_child("benchmarks.tui_speed", "first", _catalog(small, folder))
    filtered = in_child("benchmarks.tui_speed", "filter", _catalog(tools, folder))
    return [
        (
            f"first screen with its numbers, {small:,} tools",
            f"{first['first_screen_s']:.2f} s (target ≤ 1 s at 2,000)",
        ),
        (
            f"one filter keystroke, {tools:,} tools",
            f"{filtered['filter_s'] * 1000:.0f} ms (target ≤ 100 ms)",
        ),
    ]


if __name__ == "__main__":
    import json

    print(json.dumps(_measure(sys.argv[1], sys.argv[2])))
