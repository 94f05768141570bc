"""Make the screenshots of docs/view.md: the walker's view in treadmill and course modes, and
the "sensors lost" state, drawn by Debian's headless Chromium at 1280x720.

Run from the repository: ``python docs/make_view_screenshots.py`` (needs the ``view`` extra,
playwright and ``/usr/bin/chromium``). Writes docs/view-treadmill.png, docs/view-course.png
and docs/view-device-lost.png.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from stride.view import ViewServer, ViewTarget

DOCS = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
ARGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]


def step(i: int, length: float | None, flags: list[str] | None = None) -> dict[str, Any]:
    return {"side": "LR"[i % 2], "ic_s": 0.55 * i, "step_length_m": length, "flags": flags or []}


def treadmill(view: ViewServer, page: Any) -> None:
    view.set_target(ViewTarget(spacing_m=0.30, lines_per_step=2, tolerance_m=0.05))
    lengths = [0.61, 0.57, 0.63, 0.54, 0.60, 0.58, 0.62, 0.53, 0.64, 0.59, 0.61, 0.56, 0.60, 0.52]
    speed = 1.0
    for i, length in enumerate(lengths):  # each step ends a step time of belt travel later
        view.publish_belt(0.55 * i, speed, speed * 0.55 * i)
        view.publish_step(step(i, length))
        time.sleep(0.02)
    view.publish_belt(0.55 * len(lengths), 0.0, speed * 0.55 * (len(lengths) - 1))
    page.wait_for_function("() => document.getElementById('step-count').textContent === '14'")
    time.sleep(0.4)
    page.screenshot(path=str(DOCS / "view-treadmill.png"))


def course(view: ViewServer, page: Any) -> None:
    view.set_target(mode="course", pass_length_m=6.0)
    n = 14
    for p, (count, each) in enumerate(((10, 0.6), (11, 6 / 11), (9, 6 / 9))):
        for _ in range(count):
            view.publish_step(step(n, each if p < 2 else None))
            n += 1
        view.publish_step(step(n, None, ["turn"]))
        n += 1
    for k in range(6):
        view.publish_step(step(n, 0.58 + 0.01 * (k % 3)))
        n += 1
    page.wait_for_function(f"() => document.getElementById('step-count').textContent === '{n}'")
    time.sleep(0.4)
    page.screenshot(path=str(DOCS / "view-course.png"))


def device_lost(view: ViewServer, page: Any) -> None:
    view.set_target(mode="treadmill")
    view.set_status("device-lost")
    page.wait_for_function("() => document.body.dataset.status === 'device-lost'")
    time.sleep(0.3)
    page.screenshot(path=str(DOCS / "view-device-lost.png"))


def main() -> None:
    from playwright.sync_api import sync_playwright

    with (
        ViewServer("127.0.0.1", 0) as view,
        sync_playwright() as pw,
        tempfile.TemporaryDirectory() as profile,
    ):
        ctx = pw.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 720},
        )
        page = ctx.new_page()
        page.goto(view.url or "")
        page.wait_for_function("() => document.body.dataset.status === 'running'")
        treadmill(view, page)
        course(view, page)
        device_lost(view, page)
        ctx.close()
    for name in ("view-treadmill.png", "view-course.png", "view-device-lost.png"):
        print(DOCS / name)


if __name__ == "__main__":
    main()
