"""Speed of ``stride analyze`` where users meet it: simulated sessions through the command.

Not a test. Run: ``python benchmarks/analyze_speed.py`` (about 10 minutes on 2 cores: it
simulates the sessions first, into ``--work``, and reuses them on the next run);
``--quick`` is a 2-minute session, 3 recordings and two profiles (a smoke run). Reports,
measured side by side in this run, each ``stride analyze`` with a warm numba cache:

1. a ``--minutes`` (60) 1 kHz 4-channel session (``stride sim session --minutes 60 --rate
   1000 --speed 3.6kmh --profile healthy --seed 3 --no-history``) through ``stride analyze
   S --json``: ``timing.analysis_s`` as time points/s and as a ratio to one numpy copy of
   the same int16 array (timed here, in this run), ``timing.read_s`` as MB/s of recorded
   bytes, ``timing.prepare_s``, the command's wall and CPU time (each the best of the
   runs), and its peak RSS above the interpreter baseline (the peak RSS of the same
   command on a 10-second session; each its process's own ``VmHWM``, not ``wait4``'s
   ``ru_maxrss``, which carries this benchmark's memory over the ``exec``) as a multiple
   of the recording's bytes;
2. ``--count`` (10) recordings of ``--short`` (5) minutes: ``stride analyze A B ...`` on
   every core (the default) against ``--workers 1``, wall time ratio (the strict reading of
   "one after another": one command, one start-up); and against ``stride analyze A``,
   ``stride analyze B``, ... run one after another (what a shell loop does: a start-up
   each), which users without the several-recordings form meet; and from CPU times
   (which the machine's load barely moves), the part paid once and the part each
   recording adds, and the best ratio two cores can then give (``two_core_bound``);
3. time points/s of the analysis of every simulator profile's recording, heel+toe and
   insole8 layouts on the belt and heel+toe overground (course mode), read and analysed
   as the command reads and analyses them (the realistic figures; in-process, kernels
   loaded; each with the feet one after the other and side by side on two threads, as
   ``stride analyze`` runs them on a busy and on an idle machine), and of the same core on
   a square wave with +/-4 counts of noise, labelled as the best case it is (the contact
   scan skips almost all of it).

``--baseline DIR`` (another checkout, e.g. ``git archive main | tar -x -C DIR``) runs only
blocks 1 and 2 (``--several-only``: block 2; ``--one-only``: block 1), for it and for this
checkout interleaved round by round (best of ``--repeat`` rounds each), and reports
this/baseline ratios; with ``--profiles-only``, block 3's profiles alone, each checkout in
a child process of its own, alternating round by round. Block 1's analysis
cut into stages: ``benchmarks/analyze_stages.py``.
The first run (an empty numba cache): ``benchmarks/first_run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def add_work_option(ap: argparse.ArgumentParser, help: str) -> None:
    """``--work``: the folder of simulated sessions, one for the speed benchmarks that
    import this module, so each session is made once and then reused by all of them."""
    ap.add_argument(
        "--work",
        type=Path,
        default=Path(os.environ.get("TMPDIR", "/tmp")) / "stride-analyze-speed",
        help=help,
    )


def stride_cmd() -> list[str]:
    """The ``stride`` entry point of this interpreter's environment."""
    exe = Path(sys.executable).parent / "stride"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "stride.cli.app"]


def simulate(
    out: Path,
    minutes: float,
    *,
    profile: str = "healthy",
    seed: int = 3,
    sensors: str = "heel-toe",
    overground: bool = False,
) -> Path:
    """The session (made once: an existing complete one is reused); ``overground``: passes
    along the lines, no belt (analysed in course mode)."""
    if (out / "summary.json").is_file():
        return out
    args = [
        "sim",
        "session",
        "--out",
        str(out),
        "--minutes",
        f"{minutes:g}",
        "--rate",
        "1000",
        "--speed",
        "3.6kmh",
        "--profile",
        profile,
        "--seed",
        str(seed),
        "--sensors",
        sensors,
        "--no-history",
        "--force",
        *(["--overground"] if overground else []),
    ]
    done = subprocess.run([*stride_cmd(), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"stride {' '.join(args)} failed: {done.stderr.strip()}")
    return out


def recorded_bytes(session: Path) -> int:
    return sum(f.stat().st_size for f in (session / "streams").glob("*.rec"))


#: CPU seconds of every ``stride analyze`` run so far (``wait4``), by its arguments.
CPU: dict[str, float] = {}


#: Environment of the ``stride analyze`` runs (``--baseline``: another checkout's).
ENV: dict[str, str] | None = None


def baseline_env(checkout: Path) -> dict[str, str]:
    """Run another checkout of stride (e.g. ``git archive main | tar -x -C DIR``) with this
    environment's packages: its modules first on the path, its own numba cache."""
    cache = checkout / ".numba-cache"
    env = dict(os.environ, PYTHONPATH=str(checkout), NUMBA_CACHE_DIR=str(cache))
    return {**env, "PYTHONDONTWRITEBYTECODE": "1"}


#: Runs ``stride ARGS`` as its console script does and writes, as it exits, the peak RSS of
#: its own memory (``VmHWM`` of /proc/self/status, in kB) to the file its first argument
#: names. Not ``wait4``'s ``ru_maxrss``: Linux carries the parent's resident size over the
#: ``exec`` into a child's ``ru_maxrss``, so that figure grew with this benchmark's own
#: memory (its int16 copy of the session, the JSON of earlier runs) and not the command's.
PEAK_PROBE = """
import atexit, os, sys
sys.path[0] = os.path.dirname(sys.executable)  # as the console script's: not the cwd
out = sys.argv.pop(1)
def peak():
    with open("/proc/self/status") as f:
        kb = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    with open(out, "w") as f:
        f.write(kb)
atexit.register(peak)
sys.argv[0] = "stride"
from stride.cli.app import main
sys.exit(main())
"""


def run_analyze(args: list[str]) -> tuple[list[dict[str, Any]], float, int]:
    """JSON documents of ``stride analyze ARGS --json``, wall seconds and peak RSS (bytes)
    of the command's own process (:data:`PEAK_PROBE`; its worker processes, with several
    recordings, not included); its CPU time (``wait4``: workers included) goes to ``CPU``."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        with tempfile.NamedTemporaryFile(suffix=".kB") as peak_file:
            t0 = time.perf_counter()
            cmd = [sys.executable, "-c", PEAK_PROBE, peak_file.name, "analyze", *args, "--json"]
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=ENV)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            peak_kb = Path(peak_file.name).read_text().strip()
        proc.returncode = os.waitstatus_to_exitcode(status)
        CPU[" ".join(args)] = usage.ru_utime + usage.ru_stime
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"stride analyze failed: {err.read().decode(errors='replace')}")
        docs = [json.loads(line) for line in out.read().splitlines() if line.strip()]
    return docs, wall, int(peak_kb) * 1024


def best_of(
    work: Callable[[], object], repeat: int, before: Callable[[], object] | None = None
) -> float:
    """Best wall time of ``repeat`` calls of ``work``; its result is freed after the clock
    stops, before the next call (freeing is not the work measured); ``before``, if given,
    is called (untimed) before each."""
    best = np.inf
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        out = work()
        best = min(best, time.perf_counter() - t0)
        del out
    return float(best)


def copy_seconds(n: int, channels: int = 4, repeat: int = 7) -> float:
    """Best time of one numpy copy of an (n, channels) int16 array."""
    a = np.random.default_rng(0).integers(0, 4096, (n, channels)).astype(np.int16)
    return best_of(a.copy, repeat)


def long_session(work: Path, minutes: float, repeat: int) -> dict[str, Any]:
    """Figures of block 1 (best of ``repeat`` warm runs)."""
    session = simulate(work / f"healthy-{minutes:g}min", minutes)
    tiny = simulate(work / "healthy-10s", 10 / 60)
    run_analyze([str(tiny)])  # compile or load the kernels: a warm cache from here on
    base_rss = min(run_analyze([str(tiny)])[2] for _ in range(2))
    runs, cpus = [], []
    for _ in range(repeat):
        runs.append(run_analyze([str(session)]))
        cpus.append(CPU[str(session)])
    timing = [docs[0]["timing"] for docs, _, _ in runs]
    analysis = min(t["analysis_s"] for t in timing)
    read = min(t["read_s"] for t in timing)
    samples = int(timing[0]["samples"])
    copy = copy_seconds(samples)
    size = recorded_bytes(session)
    peak = min(rss for _, _, rss in runs)
    prepare = min(t.get("prepare_s", 0.0) for t in timing)
    return {
        "session": f"{minutes:g} min healthy, 1 kHz, 4 channels (seed 3)",
        "samples": samples,
        "analysis_s": round(analysis, 4),
        "M_points_per_s": round(samples / analysis / 1e6, 1),
        "numpy_copy_s": round(copy, 5),
        "analysis_over_copy": round(analysis / copy, 1),
        "read_s": round(read, 3),
        "prepare_s": round(prepare, 3),
        "command_wall_s": round(min(wall for _, wall, _ in runs), 2),
        "command_cpu_s": round(min(cpus), 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "recorded_MB": round(size / 1e6, 1),
        "read_MB_per_s": round(size / 1e6 / read, 1),
        "peak_rss_MB": round(peak / 1e6, 1),
        "baseline_rss_MB": round(base_rss / 1e6, 1),
        "rss_above_baseline_over_recording": round((peak - base_rss) / size, 2),
    }


def many(work: Path, count: int, minutes: float, repeat: int) -> dict[str, Any]:
    """Block 2: several recordings on every core against one after another."""
    paths = [str(simulate(work / f"short-{i}", minutes, seed=100 + i)) for i in range(count)]
    run_analyze(paths[:2])
    seqs, pars, loops = [], [], []
    cpu: dict[str, list[float]] = {"two": [], "seq": [], "par": []}
    for _ in range(repeat):  # interleaved, so all three meet the same load
        seqs.append(run_analyze([*paths, "--workers", "1"])[1])
        cpu["seq"].append(CPU[" ".join([*paths, "--workers", "1"])])
        run_analyze([*paths[:2], "--workers", "1"])
        cpu["two"].append(CPU[" ".join([*paths[:2], "--workers", "1"])])
        docs, par, _ = run_analyze(paths)
        pars.append(par)
        cpu["par"].append(CPU[" ".join(paths)])
        assert [d["path"] for d in docs] == paths, "results must come in the order given"
        alone = [run_analyze([p]) for p in paths]
        loops.append(sum(wall for _, wall, _ in alone))
        separate = [d for docs_alone, _, _ in alone for d in docs_alone]
        assert _without_timing(separate) == _without_timing(docs), "the same results"
    seq, par, loop = min(seqs), min(pars), min(loops)
    return {
        "recordings": count,
        "minutes_each": minutes,
        "cores": os.cpu_count(),
        "sequential_wall_s": round(seq, 2),
        "parallel_wall_s": round(par, 2),
        "parallel_over_sequential": round(par / seq, 2),
        "separate_commands_wall_s": round(loop, 2),
        "parallel_over_separate_commands": round(par / loop, 2),
        **two_core_bound(count, {k: min(v) for k, v in cpu.items()}),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def two_core_bound(count: int, cpu: dict[str, float]) -> dict[str, float]:
    """What two cores can give at best, from CPU times (which a busy machine's load
    barely moves, unlike wall times): ``--workers 1`` over two recordings and over all
    ``count`` tell the CPU each recording adds (``per_recording_cpu_s``) from the part
    paid once (``fixed_cpu_s``: start-up, imports, loading the kernels; before the
    workers are forked, so on one core). With nothing else running, both cores take at
    least F + n w / 2 against F + n w one after another: ``two_core_bound``. And the
    CPU the both-cores run spent in all its processes over ``--workers 1``'s
    (``parallel_cpu_over_sequential``: what the workers cost beyond the work)."""
    out = {
        "sequential_cpu_s": round(cpu["seq"], 2),
        "parallel_cpu_s": round(cpu["par"], 2),
        "parallel_cpu_over_sequential": round(cpu["par"] / cpu["seq"], 2),
    }
    if count < 3:  # two points needed beside the two recordings' run
        return out
    w = (cpu["seq"] - cpu["two"]) / (count - 2)
    fixed = cpu["two"] - 2 * w
    return {
        **out,
        "fixed_cpu_s": round(fixed, 3),
        "per_recording_cpu_s": round(w, 3),
        "two_core_bound": round((fixed + count * w / 2) / (fixed + count * w), 2),
    }


def _without_timing(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents without their ``timing`` entries (which differ from run to run) and
    ``path`` (which only several recordings' lines carry)."""
    return [{k: v for k, v in d.items() if k not in ("timing", "path")} for d in docs]


#: block 3's layouts: (sensors, overground)
LAYOUTS = (("heel-toe", False), ("insole8", False), ("heel-toe", True))


def profile_session(work: Path, minutes: float, name: str, sensors: str, overground: bool) -> Path:
    """Block 3's session of a profile and layout (made once)."""
    out = work / f"{name}-{sensors}{'-overground' * overground}-{minutes:g}min"
    return simulate(out, minutes, profile=name, sensors=sensors, overground=overground)


def profiles(work: Path, minutes: float, names: list[str], repeat: int) -> list[dict[str, Any]]:
    """Block 3, realistic: the analysis of each profile's recording (read as ``stride
    analyze`` reads it, so in its recorded dtype), timed in this process once its kernels
    are loaded (a short session's ``analysis_s`` would mostly time their loading).

    Each twice: the feet one after the other (``analysis_s``: what ``stride analyze`` does
    on a busy machine) and side by side on two threads (``two_threads_analysis_s``: what
    it does where a core is idle, 1-minute load average at most 1.5 on 2 cores), in
    alternating rounds."""
    import inspect

    from stride.analysis import with_session_defaults
    from stride.core.analyzer import AnalysisConfig, analyze
    from stride.core.contacts import set_foot_threads
    from stride.readers import read_signals

    # times as stride analyze reads them: a clock where the checkout has one
    compact = "compact_times" in inspect.signature(read_signals).parameters
    how = {"compact_times": True} if compact else {}
    rows = []
    for sensors, overground in LAYOUTS:
        for name in names:
            sig = read_signals(profile_session(work, minutes, name, sensors, overground), **how)
            config = with_session_defaults(AnalysisConfig(), sig.meta)  # course mode's pass
            analyze(sig, config)
            best = {1: np.inf, 2: np.inf}
            for _ in range(repeat):
                for threads in best:
                    set_foot_threads(threads)
                    once = best_of(lambda sig=sig, config=config: analyze(sig, config), 1)
                    best[threads] = min(best[threads], once)
            set_foot_threads(1)
            copy = copy_seconds(sig.n, sig.forces.shape[1])
            steps_kernel = _steps_kernel()
            label = f"{sensors}, overground" if overground else sensors
            two = best[2]
            rows.append({"profile": name, "sensors": label, "dtype": str(sig.forces.dtype),
                         "analysis_s": round(best[1], 6),
                         "M_points_per_s": round(sig.n / best[1] / 1e6, 1),
                         "over_int16_copy": round(best[1] / copy, 1),
                         "two_threads_analysis_s": round(two, 6),
                         "two_threads_M_points_per_s": round(sig.n / two / 1e6, 1),
                         "steps_kernel": steps_kernel})  # fmt: skip
    return rows


def _steps_kernel() -> str:
    """Which steps path a record without gaps took in this process: ``whole`` (one kernel
    call a foot, ``stride.core._step_whole``: compiled or in numba's cache) or ``one by
    one`` (the steps table's kernels: a cache filled on a busy machine lacks the whole
    record's kernel, and these analyses then take 1.05-1.10x the CPU time:
    ``benchmarks/steps_path.py``)."""
    try:
        from stride.core.steps_whole import kernel_ready
    except ImportError:  # a checkout from before that kernel
        return "one by one"
    return "whole" if kernel_ready() else "one by one"


def square_wave(points: int, repeat: int) -> dict[str, Any]:
    """Block 3, best case: the core on heel/toe square waves with +/-4 counts of noise."""
    from stride.core.analyzer import AnalysisConfig, analyze
    from stride.core.signals import Channel, GaitSignals

    fs = 1000.0
    t = np.arange(points) / fs
    rng = np.random.default_rng(7)
    f = rng.integers(-4, 5, (points, 4)).astype(np.int16) + 10
    for col, shift in ((0, 0.0), (2, 0.55)):
        ph = (t + shift) % 1.1
        f[ph < 0.66, col] += 800
        f[(ph > 0.11) & (ph < 0.68), col + 1] += 700
    chans = tuple(Channel(s, p) for s in ("L", "R") for p in ("heel", "toe"))
    sig = GaitSignals(t, f, chans, fs, t[::100], np.full((t[::100].size, 1), 1.0))
    analyze(sig, AnalysisConfig())
    best = best_of(lambda: analyze(sig, AnalysisConfig()), repeat)
    return {
        "label": "best case: square wave, +/-4 counts noise (in-process core)",
        "points": points,
        "M_points_per_s": round(points / best / 1e6, 1),
    }


def compare(a: argparse.Namespace) -> dict[str, Any]:
    """Blocks 1 and 2 of ``--baseline`` and of this checkout, interleaved round by round in
    this run (both meet the same load; the sessions made first, by this checkout), each
    the best of ``--repeat`` rounds, with this/baseline ratios."""
    global ENV
    envs = {"baseline": baseline_env(a.baseline.resolve()), "this": None}
    for env in envs.values():  # the sessions and each checkout's kernels before timing
        ENV = env
        if not a.several_only:
            long_session(a.work, a.minutes, 1)
        if not a.one_only:
            many(a.work, a.count, a.short, 1)
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in envs}
    for _ in range(a.repeat):
        for name, env in envs.items():
            ENV = env
            one = {} if a.several_only else long_session(a.work, a.minutes, 1)
            several = {} if a.one_only else many(a.work, a.count, a.short, 1)
            rounds[name].append({"one_session": one, "several": several})
    ENV = None
    if a.several_only:
        best = {n: min((r["several"] for r in rs), key=lambda f: f["parallel_wall_s"])
                for n, rs in rounds.items()}  # fmt: skip
        key = "parallel_over_sequential"
        ratio = round(best["this"][key] / best["baseline"][key], 2)
        return {"several": best["this"], "baseline": {"several": best["baseline"]},
                "this_over_baseline": {key: ratio}}  # fmt: skip
    best = {
        name: {
            "one_session": _best_session([r["one_session"] for r in rs]),
            "several": {} if a.one_only else min((r["several"] for r in rs),
                                                 key=lambda f: f["parallel_wall_s"]),
        }
        for name, rs in rounds.items()
    }  # fmt: skip
    keys = ("analysis_s", "read_s", "prepare_s", "command_wall_s", "command_cpu_s",
            "peak_rss_MB", "rss_above_baseline_over_recording")  # fmt: skip
    this, base = best["this"]["one_session"], best["baseline"]["one_session"]
    par = "parallel_over_sequential"
    ratios = {k: round(this[k] / base[k], 2) for k in keys}
    if not a.one_only:
        ratios[par] = round(best["this"]["several"][par] / best["baseline"]["several"][par], 2)
    return {**best["this"], "baseline": best["baseline"], "this_over_baseline": ratios}


def _best_session(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Block 1's best round by ``read_s``, with the best ``analysis_s`` of all rounds (and
    its time points/s and ratio to the copy): each stage's own best under a varying load."""
    best = dict(min(rounds, key=lambda f: f["read_s"]))
    fastest = min(rounds, key=lambda f: f["analysis_s"])
    for key in ("analysis_s", "M_points_per_s", "numpy_copy_s", "analysis_over_copy"):
        best[key] = fastest[key]
    for key in ("prepare_s", "command_wall_s", "command_cpu_s"):
        best[key] = min(f[key] for f in rounds)
    return best


def profiles_of(checkout: Path | None, a: argparse.Namespace, names: list[str]) -> list[Any]:
    """Block 3 of another checkout (None: this one) in a child process: its own modules
    and numba cache, the sessions of ``--work``."""
    code = (  # this benchmark's block 3, the checkout's modules (first on the path)
        "import importlib.util, json; from pathlib import Path; "
        f"spec = importlib.util.spec_from_file_location('bench', {str(Path(__file__))!r}); "
        "bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench); "
        f"print(json.dumps(bench.profiles(Path({str(a.work.resolve())!r}), "
        f"{a.profile_minutes!r}, {names!r}, {a.repeat})))"
    )
    env = None if checkout is None else baseline_env(checkout.resolve())
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=checkout or REPO,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"block 3 of {checkout or REPO} failed: {done.stderr.strip()}")
    rows: list[Any] = json.loads(done.stdout.splitlines()[-1])
    return rows


def _best_profile_row(rows: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """A profile's best round one after the other, with the best round on two threads."""
    best = dict(min(rows, key=lambda r: r["analysis_s"]))
    two = min(rows, key=lambda r: r.get("two_threads_analysis_s", np.inf))
    for key in ("two_threads_analysis_s", "two_threads_M_points_per_s"):
        best[key] = two.get(key)
    return best


def compare_profiles(a: argparse.Namespace, names: list[str]) -> dict[str, Any]:
    """Block 3 of ``--baseline`` and of this checkout, alternating round by round (each
    round a child process per checkout, best of ``--repeat`` inside), each row's best round,
    with this/baseline ratios of ``analysis_s``."""
    for sensors, overground in LAYOUTS:  # made once, by this checkout
        for name in names:
            profile_session(a.work, a.profile_minutes, name, sensors, overground)
    rounds: dict[str, list[list[Any]]] = {"baseline": [], "this": []}
    for _ in range(a.repeat):
        rounds["baseline"].append(profiles_of(a.baseline, a, names))
        rounds["this"].append(profiles_of(None, a, names))
    best = {k: [_best_profile_row(rows) for rows in zip(*v, strict=True)]
            for k, v in rounds.items()}  # fmt: skip
    out = []
    for this, base in zip(best["this"], best["baseline"], strict=True):
        ratio = round(this["analysis_s"] / base["analysis_s"], 2)
        two = round(this["two_threads_analysis_s"] / base["two_threads_analysis_s"], 2)
        out.append({**this, "baseline_analysis_s": base["analysis_s"],
                    "baseline_M_points_per_s": base["M_points_per_s"],
                    "this_over_baseline": ratio,
                    "baseline_two_threads_M_points_per_s": base["two_threads_M_points_per_s"],
                    "two_threads_this_over_baseline": two,
                    "baseline_steps_kernel": base.get("steps_kernel")})  # fmt: skip
    return {"profiles": out, "load_average_1min": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the simulated sessions are kept")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--short", type=float, default=5.0)
    ap.add_argument("--profile-minutes", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="a small smoke run")
    ap.add_argument("--json", action="store_true", help="one JSON document")
    ap.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of stride: blocks 1 and 2 for it and this one, side by side",
    )
    ap.add_argument(
        "--several-only",
        action="store_true",
        help="block 2 only (several recordings), with or without --baseline",
    )
    ap.add_argument(
        "--one-only",
        action="store_true",
        help="with --baseline: block 1 only (the long session: analysis and read time, peak RSS)",
    )
    ap.add_argument(
        "--profiles-only",
        action="store_true",
        help="with --baseline: block 3's profiles only, each checkout in its own process",
    )
    a = ap.parse_args()
    from sim.profiles import PROFILES

    names = list(PROFILES)
    if a.quick:
        a.minutes, a.count, a.short, a.profile_minutes, a.repeat = 2.0, 3, 0.5, 0.5, 1
        names = names[:2]
    a.work.mkdir(parents=True, exist_ok=True)
    if a.baseline is not None and a.profiles_only:
        print(json.dumps(compare_profiles(a, names), indent=None if a.json else 2))
        return
    if a.baseline is not None:  # blocks 1 and 2 only
        print(json.dumps(compare(a), indent=None if a.json else 2))
        return
    if a.several_only:  # block 2 alone
        print(json.dumps(many(a.work, a.count, a.short, a.repeat), indent=None if a.json else 2))
        return
    report = {
        "one_session": long_session(a.work, a.minutes, a.repeat),
        "several": many(a.work, a.count, a.short, a.repeat),
        "profiles": profiles(a.work, a.profile_minutes, names, a.repeat),
        "square_wave": square_wave(int(a.minutes * 60_000), a.repeat),
    }
    print(json.dumps(report, indent=None if a.json else 2))


if __name__ == "__main__":
    main()
