"""Walker's view figures, measured in headless Chromium: publish-to-paint latency, the page's
frame rate at 1280x720, and the publishing process's CPU with 0, 1 and 5 viewers.

Not a test. Run: ``python benchmarks/view_speed.py [--seconds 20]`` (needs the ``view``
extra, playwright and Debian's ``/usr/bin/chromium``).

The publisher runs in its own process, as a session would: a feed thread calls
``publish_belt`` 1000 times a second (a 1 kHz session publishing every sample, the worst
case; the server sends at most 50 belt frames a second to each page) and ``publish_step``
at 110 steps/min with step rows of the JSON contract, in real time. Measured side by side
in one run, ``--seconds`` each:

1. the feed alone, its calls going to a server that is not started (the baseline);
2. the server started, no viewer;
3. one page, then five pages open (one browser, five tabs), each drawing every frame.

CPU is the publishing process's own (user + system time / wall time, as a share of one
core; the browser's processes are not counted). The cost of each publishing call on the
session's thread (p50/p99, microseconds) is what the view adds to the session's latency.
Latency: from ``publish_step`` (the server's clock) to the end of the animation frame that
drew the footprint (page's clock, offset measured by ping/pong), and, conservatively, to
the start of the following frame (by then the drawn frame has been presented).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.chromium import launch


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


# -- the publishing process -----------------------------------------------------------------
def publisher(serve: bool) -> None:
    """Feed a view server in real time; answer ``measure S`` on stdin with one JSON line."""
    from stride.view import ViewServer, ViewTarget

    view = ViewServer("127.0.0.1", 0)
    view.set_target(ViewTarget(spacing_m=0.3, lines_per_step=2, tolerance_m=0.05))
    print(json.dumps({"url": view.start() if serve else None}), flush=True)
    costs: list[float] = []
    stop = threading.Event()

    def feed() -> None:
        rng = random.Random(7)
        t0 = time.monotonic()
        n, next_step, speed = 0, 0.545, 1.0
        while not stop.is_set():
            n += 1
            due = t0 + n / 1000.0
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t = n / 1000.0
            c0 = time.perf_counter()
            view.publish_belt(t, speed, speed * t)
            if t >= next_step:
                length = rng.gauss(0.60, 0.04)
                view.publish_step(
                    {
                        "side": "LR"[int(t / 0.545) % 2],
                        "ic_s": t,
                        "fc_s": t - 0.13,
                        "step_time_s": 0.545,
                        "stride_time_s": 1.09,
                        "stance_s": 0.68,
                        "swing_s": 0.41,
                        "step_length_m": length,
                        "stride_length_m": 1.2,
                        "flags": [],
                        "target_error_m": length - 0.6,
                        "confidence": 0.93,
                    }
                )
                next_step += 0.545
            costs.append((time.perf_counter() - c0) * 1e6)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    for line in sys.stdin:
        seconds = float(line.split()[1])
        costs.clear()
        r0, w0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
        time.sleep(seconds)
        r1, w1 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
        cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) / (w1 - w0) * 100
        calls = list(costs)
        print(
            json.dumps(
                {
                    "cpu": cpu,
                    "call_p50_us": percentile(calls, 50),
                    "call_p99_us": percentile(calls, 99),
                    "stats": view.stats(),
                }
            ),
            flush=True,
        )
    stop.set()
    view.stop()


class Child:
    def __init__(self, serve: bool) -> None:
        cmd = [sys.executable, __file__, "--publisher"] + ([] if serve else ["--no-server"])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = json.loads(self.proc.stdout.readline())["url"]

    def measure(self, seconds: float) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"measure {seconds}\n")
        self.proc.stdin.flush()
        result: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return result

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


class SocketViewers:
    """WebSocket viewers that read every frame (aiohttp clients in this process, not the
    publisher's): the server fans out to them as to pages, without 4 more browser tabs
    competing for this machine's CPU."""

    def __init__(self, url: str, n: int) -> None:
        import asyncio

        self.frames = 0
        self._stop = threading.Event()
        ws = url.replace("http://", "ws://").rstrip("/").split("?")[0] + "/ws"
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run(ws, n)), daemon=True)
        self._thread.start()

    async def _run(self, url: str, n: int) -> None:
        import asyncio

        import aiohttp

        async def one(session: Any) -> None:
            async with session.ws_connect(url) as ws:
                while not self._stop.is_set():
                    try:
                        await asyncio.wait_for(ws.receive(), 0.2)
                        self.frames += 1
                    except TimeoutError:
                        pass

        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(one(session) for _ in range(n)))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)


# -- the browser side -----------------------------------------------------------------------
def page_figures(page: Any, since_ms: float) -> dict[str, Any]:
    got: dict[str, Any] = page.evaluate(
        """(since) => {
            const v = window.strideView;
            const frames = v.frameTimes.filter((t) => t >= since);
            const draw = v.drawMs.slice(-frames.length);
            const after = (pairs) => pairs.filter((p) => p[0] >= since).map((p) => p[1]);
            return { frames, draw, drawn: after(v.latencies), shown: after(v.latenciesNextFrame),
                     arrived: after(v.arrivals), server: after(v.serverLegs || []) };
        }""",
        since_ms,
    )
    frames = got["frames"]
    span = (frames[-1] - frames[0]) / 1000 if len(frames) > 1 else float("nan")
    got["fps"] = (len(frames) - 1) / span if span else float("nan")
    return got


def spread(label: str, values: list[float], unit: str = "steps") -> None:
    p50, p99 = percentile(values, 50), percentile(values, 99)
    print(f"   {label:<36} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   ({len(values)} {unit})")


def row(name: str, m: dict[str, Any], extra: str = "") -> None:
    calls = f"{m['call_p50_us']:>10.1f}{m['call_p99_us']:>10.1f}"
    print(f"   {name:<26}{m['cpu']:>8.2f} %{calls}  {extra}")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--verbose", action="store_true", help="print the worst latencies")
    ap.add_argument("--publisher", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--no-server", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.publisher:
        publisher(serve=not a.no_server)
        return
    from playwright.sync_api import sync_playwright

    print(f"publishing at 1 kHz belt + 110 steps/min, {a.seconds:g} s per line")
    print(f"   {'':<26}{'CPU':>10}{'call p50':>10}{'p99 µs':>10}")
    base = Child(serve=False)
    alone = base.measure(a.seconds)
    base.close()
    row("feed alone (no server)", alone)
    child = Child(serve=True)
    try:
        idle = child.measure(a.seconds)
        row("server, no viewer", idle)
        with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
            ctx = launch(pw, Path(profile))
            pages = [ctx.new_page()]
            pages[0].goto(child.url)
            time.sleep(2)
            since = pages[0].evaluate("performance.now()")
            one = child.measure(a.seconds)
            fig = page_figures(pages[0], since)
            row("server, 1 viewer", one, f"page {fig['fps']:.1f} fps")
            sockets = SocketViewers(child.url, 4)
            since = pages[0].evaluate("performance.now()")
            mixed = child.measure(a.seconds)
            fig_mixed = page_figures(pages[0], since)
            row("1 page + 4 socket viewers", mixed, f"page {fig_mixed['fps']:.1f} fps")
            sockets.close()
            for _ in range(4):
                pages.append(ctx.new_page())
                pages[-1].goto(child.url)
            time.sleep(2)
            starts = [p.evaluate("performance.now()") for p in pages]
            five = child.measure(a.seconds)
            figs = [page_figures(p, s) for p, s in zip(pages, starts, strict=True)]
            fps = [f["fps"] for f in figs]
            row("server, 5 viewers", five, f"pages {min(fps):.1f}-{max(fps):.1f} fps")
            ctx.close()
        print()
        spread("page's own work per frame, 1 viewer", fig["draw"], "frames")
        print("publish -> page, 1 viewer:")
        spread("  arrived (message handler)", fig["arrived"])
        spread("  drawn (end of frame callback)", fig["drawn"])
        spread("  shown (start of next frame)", fig["shown"])
        print("publish -> page, 1 page + 4 socket viewers (the page):")
        spread("  shown (start of next frame)", fig_mixed["shown"])
        print("publish -> page, 5 pages in one browser on this machine (all pages):")
        for key, label in (("arrived", "arrived"), ("shown", "shown")):
            values = [x for f in figs for x in f[key]]
            spread(f"  {label}", values)
            if a.verbose:
                print("     worst:", [round(x) for x in sorted(values)[-6:]])
        over_idle, over_alone = five["cpu"] - idle["cpu"], five["cpu"] - alone["cpu"]
        print(f"\n5 viewers cost the publisher {over_idle:.2f} points of a core over the server")
        print(f"with no viewer ({over_alone:.2f} over the feed alone); {five['stats']}")
    finally:
        child.close()


if __name__ == "__main__":
    main()
