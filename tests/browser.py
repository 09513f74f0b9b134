"""Headless Chromium for the page tests: the DOM after scripts ran, and screenshots."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = "Chromium is not installed; .ci/run installs Debian's chromium package"


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with no network (anything fetched would fail)."""
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9",
            "--virtual-time-budget=5000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def chromium_dom(page: Path, profile: Path) -> str:
    """The page's DOM once its scripts ran."""
    done = chromium(["--dump-dom", page.as_uri()], profile)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(page: Path, out: Path, profile: Path, size: tuple[int, int]) -> Path:
    """A PNG of the page as a window of this size shows it."""
    done = chromium(
        [f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", page.as_uri()], profile
    )
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]
    return out
