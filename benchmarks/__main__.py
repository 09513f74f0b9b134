"""`python -m benchmarks`: every command as a whole process beside its raw floor, at 2,000,
20,000 and 100,000 tools (benchmarks/processes.py), then start-up; `--kernels` adds the
in-process figures (the import's stages, the analysis, the workbook's sheets, the terminal UI,
keeping the catalog safe) that say where a command's time goes."""

from __future__ import annotations

import argparse
import sys

from benchmarks import processes, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,20000,100000", help="tools, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="commands, comma-separated: import,analyze")
    parser.add_argument("--kernels", action="store_true", help="add the in-process figures")
    parser.add_argument("--tools", type=int, default=20_000, help="size for --kernels")
    args = parser.parse_args()
    only = processes.commands(args.only)
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        results[size] = processes.measure(size, args.rounds, only)
        print(f"measured {size:,} tools", file=sys.stderr, flush=True)
    print("\n".join(processes.table(results)))
    print("\nStart-up (whole processes)")
    for name, value in startup.run(args.rounds + 2):
        print(f"  {name:<36} {value}")
    if args.kernels:
        _kernels(args.tools)


def _kernels(tools: int) -> None:
    from benchmarks import analysis_speed, import_speed, keeping_speed, tui_speed, workbook_speed

    rows = [
        ("Import", ""),
        *import_speed.run(tools),
        ("Analysis (5 integrations per tool)", ""),
        *analysis_speed.run(tools),
        ("Workbook", ""),
        *workbook_speed.run(tools),
        ("Terminal UI", ""),
        *tui_speed.run(tools),
        ("Keeping the catalog safe", ""),
        *keeping_speed.run(tools),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}" if value else f"\n{name}\n{'-' * width}")


if __name__ == "__main__":
    main()
