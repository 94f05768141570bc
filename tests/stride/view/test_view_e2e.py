"""End to end in Debian's headless Chromium: ``stride demo --view 127.0.0.1:0 --no-ui``
announces its page as the first JSON line, the page connects, its step count grows with the
session and ends equal to the steps printed, ``#last-error-cm`` shows the last printed
step's error, and the room sees the session end."""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from browser import SKIP_REASON
from cli_helpers import CMD, env

from benchmarks.chromium import CHROMIUM, launch
from stride.view.hub import error_text

pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON), pytest.mark.slow]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        context = launch(playwright, tmp_path_factory.mktemp("chromium-profile"))
        yield context
        context.close()


class Demo:
    """``stride demo`` in a subprocess; its stdout lines collected as they come."""

    def __init__(self, *args: str) -> None:
        cmd = [*CMD, "demo", "--no-ui", "--no-record", "--no-history", *args]
        self.err = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by wait())
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=self.err,
            text=True,
            env=env(),
            stdin=subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None
        self.first = json.loads(self.proc.stdout.readline())
        self.lines: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(json.loads(line))

    def wait(self) -> list[dict[str, Any]]:
        self.proc.wait(120)
        self._reader.join(10)
        if not self._reader.is_alive():
            self.proc.stdout.close()  # type: ignore[union-attr]
        self.err.seek(0)
        err = self.err.read()
        self.err.close()
        assert self.proc.returncode == 0, err
        return self.lines


def count(page: Any) -> int:
    return int(page.text_content("#step-count"))


def test_the_page_follows_a_demo_session_to_its_end(browser: Any) -> None:
    demo = Demo("--view", "127.0.0.1:0", "--duration", "12", "--speedup", "3")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        url = demo.first["view"]
        assert url.startswith("http://127.0.0.1:") and "token" not in url
        assert page.goto(url).status == 200
        page.wait_for_function("() => document.body.dataset.status === 'running'", timeout=30000)
        page.wait_for_function(
            "() => +document.getElementById('step-count').textContent >= 3", timeout=30000
        )
        seen = count(page)
        assert demo.proc.poll() is None  # still walking
        page.wait_for_function(
            f"() => +document.getElementById('step-count').textContent > {seen}", timeout=30000
        )
        steps = demo.wait()
        assert len(steps) > seen + 1
        page.wait_for_function("() => document.body.dataset.status === 'ended'", timeout=30000)
        assert count(page) == len(steps)
        last = steps[-1]["target_error_m"]
        assert page.text_content("#last-error-cm") == error_text(last)
        assert page.text_content("#overlay-title") == "SESSION ENDED"
        assert page.evaluate("window.strideView.belt.speed_mps") == pytest.approx(1.0, abs=0.05)
    finally:
        page.close()
        if demo.proc.poll() is None:
            demo.proc.kill()
            demo.proc.wait(30)
    assert not errors, errors
