"""The contact scan of this tree against the scan of another revision, side by side.

Not a test. Run: ``python benchmarks/scan_compare.py [--base main] [--minutes 5]
[--repeat 9] [--skip-compile]``. The base revision's contact scan modules (``FILES``:
``stride/core/_contact_scan.py`` and the modules of its kernels) are taken with
``git show`` into a temporary directory and imported beside this tree's. In this run,
interleaved (so both meet the same load):

1. both feet's scan over simulated sessions of three profiles (heel + toe and insole8,
   1 kHz; ``benchmarks/realistic.py``), as recorded (int16 counts) and scaled to float32
   as a reader hands them to the core (or each ``--session S`` given, read as ``stride
   analyze`` reads it): CPU time per time point, best of ``--repeat``, and
   the ratio this tree / base; every output and the final state must be identical
   (else it stops; ``--differ-ok``, for a change of the detector's rules: it says which
   outputs differ instead);
2. cold-cache compile time of the scan (and a base's ``finish_foot``, the stream's end
   before it became the scan's ``start`` -1) for int16 and float32 forces
   (an empty NUMBA_CACHE_DIR, one subprocess per revision and dtype): CPU seconds.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
#: the scan's modules, taken from the base revision (those it has)
FILES = ("_contact_state", "_contact_bounds", "_contact_layout", "_contact_envelopes",
         "_contact_cells", "_contact_cellstate", "_contact_gap", "_contact_inlining",
         "_contact_sums", "_contact_runs", "_contact_rules", "_contact_block_end",
         "_contact_scan")  # fmt: skip


def base_modules(rev: str, into: Path) -> str:
    """Write the base revision's kernels as top-level modules ``base_*`` (those it has:
    ``_contact_bounds`` came later); their prefix."""
    have = []
    for name in FILES:
        done = subprocess.run(["git", "show", f"{rev}:stride/core/{name}.py"], cwd=REPO,
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode == 0:
            have.append((name, done.stdout))
    for name, src in have:
        for other, _ in have:
            src = src.replace(f"from stride.core.{other} import", f"from base{other} import")
        (into / f"base{name}.py").write_text(src)
    return "base"


def takes_none(mod: ModuleType) -> bool:
    """Whether ``mod``'s scan takes float forces' words as None (then its float summaries
    are compiled on that test): an older base's takes an empty array instead."""
    return "xw is not None" in inspect.getsource(mod)


def run_scan(mod: ModuleType, sig: Any, x: np.ndarray, side: str) -> tuple[np.ndarray, ...]:
    from stride.core import _contact_state as k
    from stride.core import contacts as c
    from stride.core.contact_input import _NO_WORDS, _row_words

    own = importlib.import_module(mod.__name__.replace("contact_scan", "contact_state"))
    p = c._param_vector(sig.fs, c.ContactParams())
    t = np.ascontiguousarray(sig.t, np.float64)
    cols = np.asarray(sig.side_columns(side), np.int64)
    tr, fs = own.new_state(len(cols))  # the revision's own state layout
    n = t.shape[0]
    out_f = np.empty((n // 50 + 100, k.N_OF + len(cols)))
    out_i = np.empty((n // 50 + 100, k.N_OI), np.int64)
    words = _row_words(x)
    if words is None and not takes_none(mod):  # a base from before float forces came as None
        words = _NO_WORDS
    rows, nxt = mod.scan(t, x, cols, 0, p, tr, fs, out_f, out_i, words, _NO_WORDS)
    assert nxt == n, "output full: enlarge it"
    more = _finish(mod, t, x, cols, p, tr, fs, out_f[rows:], out_i[rows:], words)
    return out_f[: rows + more], out_i[: rows + more], tr, fs


def _finish(mod: ModuleType, *args: Any) -> int:
    """The end of the stream: ``finish_foot`` in a base from before it became the scan's
    ``start`` -1."""
    from stride.core.contact_input import _NO_WORDS

    t, x, cols, p, tr, fs, out_f, out_i, words = args
    if hasattr(mod, "finish_foot"):
        return int(mod.finish_foot(tr, fs, len(cols), p, out_f, out_i))
    return int(mod.scan(t, x, cols, -1, p, tr, fs, out_f, out_i, words, _NO_WORDS)[0])


def as_rows(u: np.ndarray, like: np.ndarray) -> np.ndarray:
    """This tree's tracker state ``u`` (the sum's fields, then each field's sensors) as a
    tracker a row when ``like`` (a base's) is so; other arrays as they are."""
    from stride.core import _contact_layout as k

    if u.ndim == 1 and like.ndim == 2:
        at = [k.N_T + (s // k.PAGE) * k.N_T * k.PAGE + s % k.PAGE for s in range(like.shape[0] - 1)]
        return np.vstack([u[: k.N_T], *(u[a + np.arange(k.N_T) * k.PAGE] for a in at)])
    return u


def _same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    pairs = zip(a, b, strict=True)
    return all(u.shape == v.shape and np.array_equal(u, v, equal_nan=True) for u, v in pairs)


def _inputs(minutes: float, sessions: list[Path]) -> Iterator[tuple[str, str, Any, np.ndarray]]:
    """(profile, sensors, signals, forces) to scan: the simulated sessions as recorded and
    scaled, or the ``sessions`` given, read as ``stride analyze`` reads them."""
    from benchmarks.realistic import simulated
    from stride.readers import read_signals

    if sessions:
        for path in sessions:
            sig = read_signals(path)
            yield path.name, f"{len(sig.side_columns('L'))} a foot", sig, np.asarray(sig.forces)
        return
    for sensors in ("heel-toe", "insole8"):
        for profile in ("healthy", "huntington:0.6", "parkinsonian"):
            sig = simulated(profile, sensors, minutes)
            counts = np.asarray(sig.forces)
            yield profile, sensors, sig, counts
            scaled = (counts.astype(np.float64) * 0.0625 - 3.3).astype(np.float32)
            yield profile, sensors, sig, scaled


def speed(
    new: ModuleType,
    old: ModuleType,
    minutes: float,
    repeat: int,
    differ_ok: bool = False,
    sessions: list[Path] | None = None,
) -> list[dict[str, Any]]:
    rows = []
    for profile, sensors, sig, x in _inputs(minutes, sessions or []):
        for side in ("L", "R"):
            a, b = run_scan(new, sig, x, side), run_scan(old, sig, x, side)
            if differ_ok:  # an accuracy change: the contacts found, counted
                print(f"{profile} {sensors} {x.dtype} {side}: contacts "
                      f"{len(a[0])} (base {len(b[0])}), outputs "
                      f"{'identical' if _same(a[:2], b[:2]) else 'differ'}")  # fmt: skip
                continue
            for u, v in zip(a, b, strict=True):
                if not np.array_equal(as_rows(u, v), v, equal_nan=True):
                    raise SystemExit(f"{profile} {sensors} {x.dtype}: results differ")
        best = {"new": np.inf, "base": np.inf}
        for _ in range(repeat):
            for name, mod in (("new", new), ("base", old)):
                t0 = time.process_time()
                run_scan(mod, sig, x, "L")
                run_scan(mod, sig, x, "R")
                best[name] = min(best[name], time.process_time() - t0)
        rows.append({
            "profile": profile, "sensors": sensors, "dtype": str(x.dtype),
            "base_ns_per_point": round(best["base"] * 1e9 / sig.n, 2),
            "new_ns_per_point": round(best["new"] * 1e9 / sig.n, 2),
            "new_M_points_per_s": round(sig.n / best["new"] / 1e6, 1),
            "new_over_base": round(best["new"] / best["base"], 2),
        })  # fmt: skip
        print(rows[-1], flush=True)
    return rows


_COMPILE = """
import sys, time
sys.path[:0] = [{repo!r}, {tmp!r}]
import importlib, numba, numpy as np
from benchmarks.scan_compare import takes_none
from stride.core import kernels
mod = importlib.import_module({module!r})
from stride.core import _contact_state as k
t0 = time.process_time()
args = kernels._scan_args({dtype!r})
own = importlib.import_module({module!r}.replace("contact_scan", "contact_state"))
args = (*args[:5], *own.new_state(2), *args[7:])  # the revision's own state layout
if args[9] is None and not takes_none(mod):  # a base from before float forces came as None
    args = (*args[:9], np.zeros(1, np.int64), args[10])
mod.scan.compile(tuple(numba.typeof(a) for a in args))
tr, fs = k.new_state(2)
out_i = np.zeros((1, k.N_OI), np.int64)
if hasattr(mod, "finish_foot"):  # a base from before the end became the scan's start -1
    mod.finish_foot(tr, fs, 2, np.zeros(k.N_P), np.zeros((1, k.N_OF + 2)), out_i)
print(time.process_time() - t0)
"""


def compile_cpu(module: str, tmp: Path, dtype: str) -> float:
    with tempfile.TemporaryDirectory() as cache:
        code = _COMPILE.format(repo=str(REPO), tmp=str(tmp), module=module, dtype=dtype)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(os.environ, NUMBA_CACHE_DIR=cache), check=True)  # fmt: skip
    return float(out.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="main")
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--skip-compile", action="store_true")
    ap.add_argument("--session", type=Path, action="append", default=[],
                    help="a recording to scan instead of the simulated ones (as read)")  # fmt: skip
    ap.add_argument(
        "--differ-ok", action="store_true",
        help="an accuracy change: report which outputs differ instead of stopping",
    )  # fmt: skip
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base_modules(a.base, Path(tmp))
        sys.path.insert(0, tmp)
        old = importlib.import_module("base_contact_scan")
        new = importlib.import_module("stride.core._contact_scan")
        print(f"base {a.base}; load average {os.getloadavg()[0]:.1f}", flush=True)
        speed(new, old, a.minutes, a.repeat, a.differ_ok, a.session)
        if not a.skip_compile:
            for dtype in ("int16", "float32"):
                pair = {}
                for name, module in (("base", "base_contact_scan"),
                                     ("new", "stride.core._contact_scan")):  # fmt: skip
                    pair[name] = compile_cpu(module, Path(tmp), dtype)
                ratio = round(pair["new"] / pair["base"], 2)
                got = {k: round(v, 1) for k, v in pair.items()}
                print({"compile_cpu_s": dtype, **got, "new_over_base": ratio}, flush=True)
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
