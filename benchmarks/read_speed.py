"""Speed of reading a session recording, as ``stride analyze`` reads it: MB/s of recorded bytes.

Not a test. Run: ``python benchmarks/read_speed.py [--baseline DIR] [--stages]``. The
recording is the 60-minute 1 kHz 4-channel session of ``benchmarks/analyze_speed.py``
(``stride sim session --minutes 60 --rate 1000 --speed 3.6kmh --profile healthy --seed 3
--no-history``, 45.8 MB; made once in ``--work`` and reused). Reports, with a warm numba
cache and the machine's load average before and after (the figures are the best of
``--repeat`` rounds; on a shared machine the CPU seconds are the steadier figure):

1. ``stride analyze S --json``: ``timing.read_s`` (wall) as MB/s, and the command's CPU;
2. ``stride.ingest.recording.read_session`` alone in a fresh process, kernels loaded
   first: wall and CPU seconds, best of 3 calls, as MB/s;
3. ``--stages``: the same read cut into its stages (file read and chunk scan, the
   whole-stream decoder kernels, per-block gather, HELLO/STATUS/ERROR events, sample gather,
   times and float32 forces in place), each timed alone, for this checkout only.

``--baseline DIR`` (another checkout, e.g. ``git archive main | tar -x -C DIR``) runs 1
and 2 for it and for this checkout interleaved round by round (both meet the same load)
and reports this/baseline ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analyze_speed as common  # the session and the command runner

#: Run by a fresh interpreter of the checkout measured: argv[1] the session directory.
IN_PROCESS = """
import json, sys, time
from stride.ingest.recording import load_kernels, read_session
try:  # threads as stride analyze chooses them (a checkout from before them: one)
    from devices.cores import set_read_threads
    from stride.cli.first_run import idle_core
    set_read_threads(2 if idle_core() else 1)
except ImportError:
    pass
try:  # one thread framing ahead, as stride analyze does once that kernel is cached
    from devices.cores import set_frame_ahead
    from stride.cli.first_run import framing_kernel_ready
    set_frame_ahead(framing_kernel_ready())
except ImportError:
    pass
load_kernels()
read_session(sys.argv[1])
wall = cpu = float("inf")
for _ in range(3):
    w, c = time.perf_counter(), time.process_time()
    signals = read_session(sys.argv[1])
    wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    del signals
print(json.dumps({"wall_s": wall, "cpu_s": cpu}))
"""


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def one_round(session: Path, size: int) -> dict[str, Any]:
    """Blocks 1 and 2 once, in the checkout ``common.ENV`` names."""
    docs, _, _ = common.run_analyze([str(session)])
    read_s = float(docs[0]["timing"]["read_s"])
    got = subprocess.run(  # not run in the checkout: `-c` puts the current folder first
        [sys.executable, "-c", IN_PROCESS, str(session)],
        capture_output=True,
        text=True,
        env=common.ENV,
        check=True,
        cwd=session,
    )
    alone = json.loads(got.stdout)
    return {
        "command_read_s": round(read_s, 3),
        "command_read_MB_per_s": round(size / read_s / 1e6, 1),
        "command_cpu_s": round(common.CPU[str(session)], 2),
        "read_session_wall_s": round(alone["wall_s"], 3),
        "read_session_cpu_s": round(alone["cpu_s"], 3),
        "read_session_MB_per_s_cpu": round(size / alone["cpu_s"] / 1e6, 1),
        "read_session_MB_per_s_wall": round(size / alone["wall_s"] / 1e6, 1),
    }


def best(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's best round (smallest time, largest rate)."""
    out: dict[str, Any] = {}
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        out[key] = max(values) if "per_s" in key else min(values)
    return out


def compare(session: Path, size: int, baseline: Path, repeat: int) -> dict[str, Any]:
    envs = {"baseline": common.baseline_env(baseline.resolve()), "this": None}
    for env in envs.values():  # each checkout's kernels compiled or loaded before timing
        common.ENV = env
        common.run_analyze([str(session)])
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in envs}
    for _ in range(repeat):
        for name, env in envs.items():
            common.ENV = env
            rounds[name].append(one_round(session, size))
    common.ENV = None
    this, base = best(rounds["this"]), best(rounds["baseline"])
    keys = ("command_read_s", "command_cpu_s", "read_session_wall_s", "read_session_cpu_s")
    return {
        "this": this,
        "baseline": base,
        "this_over_baseline": {k: round(this[k] / base[k], 2) for k in keys},
    }


def stages(session: Path, size: int, repeat: int) -> dict[str, Any]:
    """This checkout's read cut into its stages, each the best of ``repeat``."""
    import time

    import numpy as np

    from devices.cores import frame_ahead, read_threads, set_frame_ahead, set_read_threads
    from devices.recording import SessionReader
    from devices.sensorbox import _fast_gather, _fast_inputs, fast
    from stride.cli.first_run import framing_kernel_ready, idle_core
    from stride.ingest.assembler import BlockAssembler
    from stride.ingest.recording import load_kernels, read_session

    set_read_threads(2 if idle_core() else 1)  # as stride analyze chooses
    set_frame_ahead(framing_kernel_ready())
    load_kernels()
    times: dict[str, list[float]] = {}

    def clock(name: str, start: tuple[float, float]) -> None:
        w, c = time.perf_counter() - start[0], time.process_time() - start[1]
        old = times.setdefault(name, [float("inf")] * 2)
        times[name] = [min(old[0], w), min(old[1], c)]

    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    for _ in range(repeat):
        t = now()
        data = SessionReader(session).read_stream("box")
        clock("file read, chunk scan and gather", t)
        buf, starts, ht = _fast_inputs._checked(data.data, data.offsets, data.host_t, 4)
        buf, room = _fast_inputs._own_buffer(buf, data.room, True)
        t = now()
        run = _fast_inputs._run_decoder(
            buf, starts, ht, 4, True, read_threads(), ahead=frame_ahead()
        )
        dec, rel, rel_host, rel_chunk, _, _ = run
        del run
        clock("whole-stream decoder kernels", t)
        t = now()
        f32 = np.zeros(1, np.float32)
        got = _fast_gather._gather_blocks(dec, rel, rel_host, rel_chunk, f32, f32.view(np.uint32))
        clock("per-block gather", t)
        t = now()
        fast._rare_events(got[6][0], got[6][1], dec)
        clock("HELLO/STATUS/ERROR events", t)
        t = now()
        _fast_gather.gather_samples(dec, [got[8], got[9]], got[0], got[1], room)
        clock("sample gather (counts)", t)
        del data, buf, room, dec, rel, rel_host, rel_chunk, got
        reader = SessionReader(session)
        data = reader.read_stream("box")
        reader.release("box")
        box = fast.decode_stream(data.data, data.offsets, data.host_t, consume=True, room=data.room)
        del data
        t = now()
        BlockAssembler().feed_decoded(box, consume=True, clock=True)
        clock("times (a clock) and float32 forces in place (assembler)", t)
        del box
        t = now()
        read_session(session, compact_times=True)  # as stride analyze reads it
        clock("read_session, all of it", t)
    whole = times["read_session, all of it"]
    return {
        "read_threads": read_threads(),
        "frame_ahead": frame_ahead(),
        "stages_ms": {
            k: {"wall": round(w * 1e3, 1), "cpu": round(c * 1e3, 1)} for k, (w, c) in times.items()
        },
        "MB_per_s_cpu": round(size / whole[1] / 1e6, 1),
        "MB_per_s_wall": round(size / whole[0] / 1e6, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common.add_work_option(ap, "where the simulated session is kept")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline", type=Path, help="another checkout of stride, side by side")
    ap.add_argument("--stages", action="store_true", help="this checkout's stages too")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    session = common.simulate(a.work / f"healthy-{a.minutes:g}min", a.minutes)
    size = common.recorded_bytes(session)
    report: dict[str, Any] = {"recorded_MB": round(size / 1e6, 1), "load_before": load()}
    if a.baseline is not None:
        report["side_by_side"] = compare(session, size, a.baseline, a.repeat)
    else:
        common.run_analyze([str(session)])  # kernels loaded
        report["this"] = best([one_round(session, size) for _ in range(a.repeat)])
    if a.stages:
        report["stages"] = stages(session, size, a.repeat)
    report["load_after"] = load()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
