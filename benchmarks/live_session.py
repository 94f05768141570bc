"""Live-session figures: latency, CPU with the dashboard on, flat memory over 2 hours.

Not a test. Run: ``python benchmarks/live_session.py [--seconds 60] [--hours 2]
[--speedup 40]``. The simulated box and Trackmaster run in their own process
(``stride sim serve``, pseudo-terminals), so the figures are those of the ``stride live``
process alone, as with real hardware. Measured side by side in this run:

1. real time, 1 kHz x 4 channels, ``--seconds`` each: ``stride live`` with its full-screen
   dashboard (in a pseudo-terminal, refreshed 12 times a second) and without it
   (``--no-ui``): latency p50/p99 from a frame's arrival at the host to its step being
   emitted, and CPU as a share of one core (process CPU time / wall time after start-up);
2. ``--hours`` of walking accelerated ``--speedup`` times, dashboard on: resident memory of
   the live process sampled every 2 s; reported at 10 % and at the end of the run, with the
   slope per simulated hour, next to the size of the steps the session must keep for its
   final summary (the steps table grows with the session by design).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pty
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STRIDE = [sys.executable, "-m", "stride.cli.app"]
PAGE = os.sysconf("SC_PAGE_SIZE")


def serve(d: Path, speedup: float) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*STRIDE, "sim", "serve", "--dir", str(d), "--speedup", str(speedup), "--seed", "11"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        if (d / "box").exists() and (d / "treadmill").exists():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("stride sim serve did not start")


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / 1e6
    except (OSError, ValueError, IndexError):
        return None


def run_live(
    d: Path, rec: Path, seconds: float, *, ui: bool, sample_every: float = 0.0
) -> tuple[dict[str, Any], list[tuple[float, float]]]:
    """One session; with ``ui`` it runs in a pseudo-terminal (120x40) whose screen we drain."""
    cmd = [
        *STRIDE,
        "live",
        "--port",
        str(d / "box"),
        "--treadmill",
        f"trackmaster:{d / 'treadmill'}",
    ]
    cmd += ["--spacing", "0.30", "--duration", str(seconds), "--record", str(rec), "--no-history"]
    rss: list[tuple[float, float]] = []
    env = dict(os.environ, COLUMNS="120", LINES="40", TERM="xterm-256color")
    if ui:
        master, slave = pty.openpty()
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env)
        os.close(slave)
    else:
        proc = subprocess.Popen(
            [*cmd, "--no-ui"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        master = -1
    t0 = time.monotonic()
    next_sample = t0
    while proc.poll() is None:
        if master >= 0:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                with contextlib.suppress(OSError):
                    os.read(master, 65536)
        else:
            time.sleep(0.2)
        now = time.monotonic()
        if sample_every and now >= next_sample:
            m = rss_mb(proc.pid)
            if m is not None:
                rss.append((now - t0, m))
            next_sample = now + sample_every
    if master >= 0:
        os.close(master)
    if proc.returncode != 0:
        raise SystemExit(f"stride live failed ({proc.returncode})")
    meta = json.loads((rec / "session.json").read_text())
    return meta["session"], rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="real-time run length")
    ap.add_argument("--hours", type=float, default=2.0, help="simulated hours for memory")
    ap.add_argument("--speedup", type=float, default=40.0, help="speedup of the long run")
    ap.add_argument("--skip-long", action="store_true", help="only the real-time runs")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        print(f"1. real time, 1 kHz x 4 channels, {a.seconds:.0f} s each (stride sim serve ptys)")
        rows = []
        for ui in (True, False):
            d = base / f"dev-{ui}"
            server = serve(d, 1.0)
            try:
                s, _ = run_live(d, base / f"rec-{ui}", a.seconds, ui=ui)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait()
            rows.append((ui, s))
        print(f"   {'':<22}{'latency p50':>12}{'p99':>10}{'CPU (1 core)':>14}{'frames':>9}")
        for ui, s in rows:
            lat = s["latency_ms"]
            label = "dashboard on (12 Hz)" if ui else "--no-ui (JSON lines)"
            print(
                f"   {label:<22}{lat['p50']:>9.1f} ms{lat['p99']:>7.1f} ms"
                f"{s['cpu_percent']:>12.1f} %{s['frames']:>9d}"
            )
        on, off = rows[0][1]["cpu_percent"], rows[1][1]["cpu_percent"]
        print(f"   the dashboard costs {on - off:.1f} points of a core ({on / off:.1f}x the CPU)")
        if a.skip_long:
            return
        wall = a.hours * 3600.0 / a.speedup
        print(f"\n2. {a.hours:g} h of walking at {a.speedup:g}x ({wall:.0f} s), dashboard on")
        d = base / "dev-long"
        server = serve(d, a.speedup)
        try:
            s, rss = run_live(d, base / "rec-long", wall, ui=True, sample_every=2.0)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait()
        steps = len((base / "rec-long" / "steps.csv").read_text().splitlines()) - 1
        tenth = next(m for t, m in rss if t >= 0.1 * wall)
        end = rss[-1][1]
        sim_h = lambda t: t * a.speedup / 3600.0  # noqa: E731
        later = [(sim_h(t), m) for t, m in rss if t >= 0.1 * wall]
        n = len(later)
        mx = sum(x for x, _ in later) / n
        my = sum(y for _, y in later) / n
        slope = sum((x - mx) * (y - my) for x, y in later) / max(
            1e-12, sum((x - mx) ** 2 for x, _ in later)
        )
        print(f"   resident memory at 10 %: {tenth:.1f} MB, at the end: {end:.1f} MB")
        print(f"   slope after 10 %: {slope:+.2f} MB per simulated hour")
        print(f"   steps kept for the summary: {steps} (~{steps * 21 * 8 / 1e6:.1f} MB as floats)")
        lat = s["latency_ms"]
        print(
            f"   frames {s['frames']}, CRC errors {s['crc_errors']}, gaps {s['gaps']}, "
            f"latency p50 {lat['p50']} ms p99 {lat['p99']} ms, CPU {s['cpu_percent']:.0f} %"
        )


if __name__ == "__main__":
    main()
