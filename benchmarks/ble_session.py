"""Step lengths of a live session whose belt is a simulated Bluetooth device, against the
simulator's truth: ``stride live --port "sim://box?seed=1" --treadmill ftms:sim`` at
3.6 km/h for 60 s with the link dropped at 30 s (away 2 s), as a user runs it (in this
process, the truth read from the simulated world while it runs).

Not a test (CI runs a 22 s session with faults: tests/devices/ble/test_ble_live_session.py).
Run: ``python benchmarks/ble_session.py [--seconds 60] [--hz 4,1] [--pod]``. One session per
notification rate: 4 Hz is the simulator's default, 1 Hz what real treadmills send (the
harder case: readings up to the driver's 3 s silence limit apart are the belt). ``--pod``
adds ``--speed-source rsc:sim`` (a foot pod's speed as the belt) at 1 Hz. Reported per
session: steps matched to a true step (same foot, IC within 80 ms), mean and mean absolute
error of the step length, the mean live and true lengths, steps left without a length,
the reconnect time and ``session.reconnects``, the heart rate summary, and the session's
per-notification latency from arrival to the belt sample fed to the analysis.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


def session(spec: str, seconds: float) -> dict[str, Any]:
    """One live session on a fresh world; its document, truth and in-session latencies."""
    from ble_latency import BeltTimes, pct, timed_session_class  # type: ignore[import-not-found]

    from benchmarks.live_truth import TruthWatcher, matched_errors
    from sim.ble import serve
    from sim.world import drop_world
    from stride.session import run as run_module
    from stride.session.run import LiveArgs, run_live

    key = f"bench-ble-{os.getpid()}-{time.monotonic_ns()}"
    truth, times = TruthWatcher(key), BeltTimes()
    truth.start()
    args = LiveArgs(
        port=f"sim://box?world={key}&seed=1&speed=3.6kmh",
        treadmill=spec.replace("sim?", f"sim?world={key}&"),
        duration_s=seconds,
        no_ui=True,
        json_doc=True,
        history=False,
        record=Path(tempfile.mkdtemp()) / "rec",
    )
    out = io.StringIO()
    saved = run_module.Session
    run_module.Session = timed_session_class(times)  # type: ignore[misc]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            run_live(args)
    finally:
        run_module.Session = saved  # type: ignore[misc]
        truth.stop.set()
        truth.join()
        serve.stop_all()
        drop_world(key)
    doc = json.loads(out.getvalue().splitlines()[-1])
    inside = times.inside_ms[5:]
    doc["latency"] = (pct(inside, 50), pct(inside, 99), len(inside)) if inside else None
    doc["errors"] = matched_errors(doc["steps"], truth.steps)
    doc["truth"] = list(truth.steps.values())
    return doc


def report(name: str, doc: dict[str, Any]) -> None:
    err, steps = doc["errors"], doc["steps"]
    lengths = [s["step_length_m"] for s in steps if s["step_length_m"] is not None]
    events = [e["event"] for e in doc["session"]["events"]]
    back = [m[1] for e in events if (m := re.search(r"reconnected after ([\d.]+) s", e))]
    print(f"{name}")
    flags: dict[str, int] = {}
    for s in steps:
        for f in s.get("flags") or []:
            flags[f] = flags.get(f, 0) + 1
    print(
        f"  steps {len(steps)}, matched to truth {len(err)}, without length "
        f"{len(steps) - len(lengths)} (steps flagged: {flags})"
    )
    if err:
        print(
            f"  step length error: mean {1000 * statistics.mean(err):+.2f} mm, mean |error| "
            f"{1000 * statistics.mean(abs(e) for e in err):.2f} mm, max |error| "
            f"{1000 * max(abs(e) for e in err):.2f} mm   (target: mean within 10 mm)"
        )
        print(
            f"  mean step length: live {statistics.mean(lengths):.4f} m, "
            f"truth {statistics.mean(doc['truth']):.4f} m"
        )
    print(f"  session.reconnects {doc['session']['reconnects']}, reconnected after {back} s")
    print(f"  heart rate {doc['summary'].get('heart_rate_bpm')}")
    if doc["latency"]:
        p50, p99, n = doc["latency"]
        print(
            f"  notification arrival -> belt sample fed: p50 {p50:.3f} ms, p99 {p99:.3f} ms (n {n})"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--hz", default="4,1", help="notification rates, comma-separated")
    ap.add_argument("--pod", action="store_true", help="also a foot pod as the belt")
    a = ap.parse_args()
    load = os.getloadavg()[0]
    print(f"{a.seconds:g} s at 3.6 km/h, link dropped at 30 s for 2 s; load average {load:.1f}")
    drop = f"disconnect_at={a.seconds / 2:g}&disconnect_s=2"
    for hz in (float(h) for h in a.hz.split(",")):
        report(f"ftms:sim at {hz:g} Hz", session(f"ftms:sim?notify_hz={hz:g}&{drop}", a.seconds))
    if a.pod:
        report("rsc:sim at 1 Hz (--speed-source)", session("rsc:sim?notify_hz=1", a.seconds))


if __name__ == "__main__":
    main()
