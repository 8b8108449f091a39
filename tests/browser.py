"""What every browser test needs: Debian's Chromium through Playwright, and where screenshots go."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("ARREARS_ARTIFACTS") or Path(__file__).parent / "artifacts")


def chromium() -> str:
    """The browser, or a failure under CI (CI must run the browser tests), or a skip here."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        missing.append(f"Chromium ({CHROMIUM}; apt-get install chromium fonts-wqy-microhei)")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set: the browser test may not be skipped)")
        pytest.skip(reason)
    return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))
