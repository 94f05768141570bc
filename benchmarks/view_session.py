"""The walker's view on a real session: what ``--view`` costs ``stride live``, and how soon
the page paints a step the analysis emitted.

Not a test. Run: ``python benchmarks/view_session.py [--seconds 30] [--rounds 2]
[--pages 1]`` (needs the ``view`` extra, playwright and Debian's ``/usr/bin/chromium``).

The user's path: ``stride sim serve`` exposes the simulated box and Trackmaster as
pseudo-terminals (1 kHz x 4 channels, real time, in their own process) and a child process
runs what ``stride live --no-ui --json [--view 127.0.0.1:0]`` runs (``run_live``), reading
them as it would hardware, and hands back the latency of every step so that the rounds can
be pooled. Side by side in each round (the order rotating from round to round),
``--seconds`` each, a fresh simulator per run:

1. ``stride live`` without ``--view``;
2. with ``--view 127.0.0.1:0`` and no viewer;
3. with ``--view`` and five viewers: ``--pages`` pages in headless Chromium (1280x720,
   drawing every frame) and the rest WebSocket clients in this process that read every
   frame (the server's work per viewer is the same; five software-rendered pages on this
   machine would compete with the session for its two cores, which viewers on their own
   screens do not).

Figures: the session's own latency (chunk arrival to step emitted: per run as its final
JSON document reports it, and p50/p99 of every step of all rounds pooled) and CPU (its
process's CPU time over wall time, as a share of one core, the view's threads included),
both as the session measures them; and for the page(s), from the
time the analysis emitted a step (stamped by the session) to: the page's message handler
(arrived), the end of the animation frame callback that drew the footprint (drawn), and
the start of the following frame, by when the drawn frame has been presented (shown). The
page's clock is set against the server's by ping/pong (same machine).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from view_speed import SocketViewers, page_figures, percentile

from benchmarks.chromium import launch

STRIDE = [sys.executable, "-m", "stride.cli.app"]
CONFIGS = ("no --view", "--view, no viewer", "--view, 5 viewers")


def serve(d: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*STRIDE, "sim", "serve", "--dir", str(d), "--seed", "11"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        if (d / "box").exists() and (d / "treadmill").exists():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("stride sim serve did not start")


def session_child(box: str, treadmill: str, seconds: float, view: str) -> None:
    """``stride live``'s own path (:func:`run_live`) in this child process; prints its JSON
    lines, then the latency histogram of every step (pooled over rounds by the parent)."""
    from stride.core.targets import Target
    from stride.session.live import Session
    from stride.session.run import LiveArgs, run_live
    from stride.view import parse_view_address

    ran: list[Session] = []

    def loop(session: Session) -> None:  # no dashboard, as with --no-ui
        ran.append(session)
        session.wait()

    run_live(
        LiveArgs(
            port=box,
            treadmill=f"trackmaster:{treadmill}",
            target=Target.from_options(spacing_m=0.30),
            duration_s=seconds,
            no_record=True,
            history=False,
            no_ui=True,
            json_doc=True,
            ui_hook=loop,
            view=parse_view_address(view) if view else None,
        )
    )
    bins = ran[0].latency._bins  # the session's 0.1 ms histogram (benchmark only)
    print(json.dumps({"latency_bins": {i: c for i, c in enumerate(bins) if c}}), flush=True)


def live(d: Path, seconds: float, config: str, ctx: Any, pages_n: int) -> dict[str, Any]:
    """One session; returns its ``session`` figures, latency bins and the pages' figures."""
    view = "" if config == CONFIGS[0] else "127.0.0.1:0"
    cmd = [sys.executable, __file__, "--child", str(d / "box"), str(d / "treadmill")]
    cmd += [str(seconds), view]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    pages: list[Any] = []
    sockets = None
    starts: list[float] = []
    try:
        if view:
            url = json.loads(proc.stdout.readline())["view"]
            if config == CONFIGS[2]:
                for _ in range(pages_n):
                    pages.append(ctx.new_page())
                    pages[-1].goto(url)
                starts = [p.evaluate("performance.now()") for p in pages]
                if pages_n < 5:
                    sockets = SocketViewers(url, 5 - pages_n)
        lines = proc.stdout.read().splitlines()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if sockets is not None:
            sockets.close()
    bins = {int(k): v for k, v in json.loads(lines[-1])["latency_bins"].items()}
    doc = json.loads(lines[-2])
    figs = [page_figures(p, s) for p, s in zip(pages, starts, strict=True)]
    for p in pages:
        p.close()
    return {"session": doc["session"], "steps": len(doc["steps"]), "bins": bins, "pages": figs}


def pooled(runs: list[dict[str, Any]], q: float) -> float:
    """The q-th percentile of every step's latency in ``runs`` (upper bin edge, ms)."""
    bins: dict[int, int] = {}
    for r in runs:
        for i, c in r["bins"].items():
            bins[i] = bins.get(i, 0) + c
    n = sum(bins.values())
    rank, seen = max(1, -(-int(q * n) // 100)), 0
    for i in sorted(bins):
        seen += bins[i]
        if seen >= rank:
            return (i + 1) * 0.1
    return float("nan")


def show(label: str, values: list[float]) -> None:
    p50, p99 = percentile(values, 50), percentile(values, 99)
    print(f"   {label:<44} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   ({len(values)} steps)")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--pages", type=int, default=1, help="of the five viewers, browser pages")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        session_child(a.child[0], a.child[1], float(a.child[2]), a.child[3])
        return
    from playwright.sync_api import sync_playwright

    load0 = os.getloadavg()
    results: dict[str, list[dict[str, Any]]] = {c: [] for c in CONFIGS}
    print(f"stride live, 1 kHz x 4 channels, real time, {a.seconds:g} s per run, {a.rounds} rounds")
    print(f"   {'round':<7}{'':<22}{'latency p50':>12}{'p99':>9}{'CPU':>10}{'steps':>7}  page")
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        ctx = launch(pw, Path(tmp) / "profile")
        for r in range(a.rounds):
            for config in CONFIGS[r % 3 :] + CONFIGS[: r % 3]:
                d = Path(tmp) / f"dev-{r}-{CONFIGS.index(config)}"
                server = serve(d)
                try:
                    got = live(d, a.seconds, config, ctx, a.pages)
                finally:
                    server.send_signal(signal.SIGTERM)
                    server.wait()
                results[config].append(got)
                s, lat = got["session"], got["session"]["latency_ms"]
                fps = " ".join(f"{f['fps']:.0f} fps" for f in got["pages"])
                print(
                    f"   {r + 1:<7}{config:<22}{lat['p50']:>9.2f} ms{lat['p99']:>6.2f} ms"
                    f"{s['cpu_percent']:>8.1f} %{got['steps']:>7}  {fps}"
                )
        ctx.close()
    load1 = os.getloadavg()
    print("\nevery step of every round pooled (p99 of the pooled latencies; CPU: median run):")
    med: dict[str, dict[str, float]] = {}
    for config in CONFIGS:
        runs = results[config]
        med[config] = {
            "p50": pooled(runs, 50),
            "p99": pooled(runs, 99),
            "cpu": statistics.median(g["session"]["cpu_percent"] for g in runs),
            "n": sum(sum(g["bins"].values()) for g in runs),
        }
        m = med[config]
        print(
            f"   {config:<22}latency p50 {m['p50']:5.1f} ms, p99 {m['p99']:5.1f} ms "
            f"({m['n']:.0f} steps), CPU {m['cpu']:.1f} %"
        )
    off, idle, five = med[CONFIGS[0]], med[CONFIGS[1]], med[CONFIGS[2]]
    print(
        f"   --view with 5 viewers: latency p99 {five['p99'] - off['p99']:+.1f} ms, "
        f"CPU {five['cpu'] - off['cpu']:+.1f} points of one core over no --view"
    )
    print(
        f"   (no viewer: p99 {idle['p99'] - off['p99']:+.1f} ms, "
        f"CPU {idle['cpu'] - off['cpu']:+.1f} points)"
    )
    figs = [f for g in results[CONFIGS[2]] for f in g["pages"]]
    print("\nstep emitted by the analysis -> the page (all rounds, every page):")
    for key, label in (
        ("server", "handed to the sockets (session process)"),
        ("arrived", "arrived (message handler)"),
        ("drawn", "drawn (end of the frame callback)"),
        ("shown", "shown (start of the next frame)"),
    ):
        show(label, [x for f in figs for x in f[key]])
    fps = [f["fps"] for f in figs]
    if fps:
        print(f"   page frame rate {min(fps):.1f}-{max(fps):.1f} fps")
    print(
        f"\nload average (1, 5, 15 min) before {load0[0]:.1f} {load0[1]:.1f} {load0[2]:.1f}, "
        f"after {load1[0]:.1f} {load1[1]:.1f} {load1[2]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
