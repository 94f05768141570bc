"""Debian's Chromium driven by playwright (never a downloaded browser), headless at 1280x720:
the one way the walker's view benchmarks (view_speed.py, view_session.py) and the view's
browser tests (tests/stride/view/browser.py) open it, so that the figures and the tests see
the same browser.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

#: Debian's Chromium, or None where it is not installed.
CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).exists()),
    None,
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def launch(playwright: Any, user_data_dir: Path) -> Any:
    """A fresh headless Chromium (its own profile directory) as a persistent context."""
    if CHROMIUM is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=ARGS,
        viewport={"width": 1280, "height": 720},
    )
