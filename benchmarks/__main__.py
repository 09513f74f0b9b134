"""Run every benchmark and print a table of figures and ratios: `python -m benchmarks`."""

from __future__ import annotations

import argparse

from benchmarks import (
    analysis_speed,
    import_speed,
    keeping_speed,
    startup,
    tui_speed,
    workbook_speed,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tools", type=int, default=20_000, help="size of the generated stack")
    args = parser.parse_args()
    rows = [
        ("Start-up (whole processes)", ""),
        *startup.run(),
        ("Import", ""),
        *import_speed.run(args.tools),
        ("Analysis (5 integrations per tool)", ""),
        *analysis_speed.run(args.tools),
        ("Workbook", ""),
        *workbook_speed.run(args.tools),
        ("Terminal UI", ""),
        *tui_speed.run(args.tools),
        ("Keeping the catalog safe", ""),
        *keeping_speed.run(args.tools),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}" if value else f"\n{name}\n{'-' * width}")


if __name__ == "__main__":
    main()
