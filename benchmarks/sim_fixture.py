"""How fast the ``stride_sim`` fixture comes up and goes away, and what it leaves behind.

Not a test. Run: ``python benchmarks/sim_fixture.py [--tests 30]``. Measured side by side in
one run, through the user's path:

1. the fixture in a real pytest run (a temporary project with ``--tests`` tests that each
   open the box with pyserial and read from it): pytest's own setup and teardown durations
   of each test (``pytest_runtest_logreport``), the first test apart (it imports the
   simulator: numpy, simpy, pyserial; no numba) and the others as median / max; after the
   last teardown, the threads, descriptors and child processes of the pytest process
   compared with those before the first test;
2. the alternative design, a ``stride sim serve`` subprocess per test: time from start to
   its control socket being there, and from SIGTERM to the process's exit.

The numbers of the issue: up within 1 s, torn down within 0.5 s, nothing left.
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
import textwrap
import time
from pathlib import Path
from typing import Any

RECORDER = """
import json, os, threading

def _state():
    fds = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds.add((int(fd), os.readlink(f"/proc/self/fd/{fd}")))
        except OSError:
            pass
    kids = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as f:
            kids |= set(f.read().split())
    return {"threads": sorted(t.name for t in threading.enumerate()),
            "fds": sorted(map(list, fds)), "children": sorted(kids)}

DURATIONS = {"setup": [], "teardown": []}
STATE = {}

def pytest_runtest_logreport(report):
    if report.when in DURATIONS:
        DURATIONS[report.when].append(report.duration)
    if report.when == "teardown" and "test_0" in report.nodeid:
        STATE["after_first"] = _state()

def pytest_sessionfinish(session):
    STATE["end"] = _state()
    with open(os.environ["FIXTURE_BENCH_OUT"], "w") as f:
        json.dump({"durations": DURATIONS, "state": STATE}, f)
"""


def in_pytest(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fixture-bench-") as tmp:
        d = Path(tmp)
        (d / "conftest.py").write_text(RECORDER)
        body = textwrap.dedent(
            """
            import pytest, serial

            def _use(stride_sim):
                with serial.Serial(stride_sim.box, timeout=0.5) as box:
                    assert box.read(64)
            """
        )
        body += "".join(f"\ndef test_{i}(stride_sim):\n    _use(stride_sim)\n" for i in range(n))
        (d / "test_fixture.py").write_text(body)
        env = dict(os.environ, FIXTURE_BENCH_OUT=str(d / "out.json"))
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(d)],
            cwd=d,
            env=env,
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            raise SystemExit(run.stdout + run.stderr)
        data: dict[str, Any] = json.loads((d / "out.json").read_text())
    return data


def subprocess_server(n: int) -> tuple[list[float], list[float]]:
    up, down = [], []
    for _ in range(n):
        with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
            d = Path(tmp) / "dev"
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "stride.cli.app", "sim", "serve", "--dir", str(d)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            while not (d / "control").exists():
                if proc.poll() is not None:
                    raise SystemExit("stride sim serve exited")
                time.sleep(0.002)
            up.append(time.perf_counter() - t0)
            t1 = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            proc.wait()
            down.append(time.perf_counter() - t1)
    return up, down


def spread(label: str, values: list[float]) -> str:
    median, worst = statistics.median(values) * 1e3, max(values) * 1e3
    return f"  {label:28s} median {median:7.1f} ms, max {worst:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=30, help="tests using the fixture")
    parser.add_argument("--servers", type=int, default=10, help="stride sim serve starts")
    args = parser.parse_args()
    print(f"stride_sim fixture, {args.tests} tests in one pytest run (each opens the box):")
    data = in_pytest(args.tests)
    setup, teardown = data["durations"]["setup"], data["durations"]["teardown"]
    print(f"  first setup (imports the simulator): {setup[0] * 1e3:.1f} ms")
    print(spread("setup (tests 2..n)", setup[1:]))
    print(spread("teardown", teardown))
    first, end = data["state"]["after_first"], data["state"]["end"]
    for key in ("threads", "fds", "children"):
        extra = [x for x in end[key] if x not in first[key]]
        print(f"  {key} after the last teardown vs after the first: {len(extra)} more {extra}")
    print(f"stride sim serve subprocess, {args.servers} starts:")
    up, down = subprocess_server(args.servers)
    print(spread("up (control socket there)", up))
    print(spread("down (SIGTERM to exit)", down))
    ratio_up = statistics.median(up) / statistics.median(setup[1:])
    ratio_down = statistics.median(down) / statistics.median(teardown)
    print(f"ratio subprocess / fixture (medians): up {ratio_up:.0f}x, down {ratio_down:.0f}x")


if __name__ == "__main__":
    main()
