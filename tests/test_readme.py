"""The README's two commands come first, and CI runs the very same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", readme)


def test_the_readme_opens_with_the_demo_command_then_the_test_command() -> None:
    demo, tests = _commands()[:2]
    assert demo.endswith("stackmap demo")
    assert "pip install" in demo
    assert "pytest" in tests and 'pip install -e ".[dev]"' in tests


def test_ci_runs_the_readme_test_command() -> None:
    tests = _commands()[1]
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_changelog_follows_keep_a_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in changelog
    assert "## [Unreleased]" in changelog
