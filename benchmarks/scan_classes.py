"""Where the heel + toe contact scan's time goes by kind of sample on the 60-minute session,
and what its quiet blocks cost at least.

Not a test. Run: ``python benchmarks/scan_classes.py --work W [--repeat 21]`` (W: the
sessions of ``benchmarks/analyze_speed.py``; its 60-minute one is made there if missing) or
``--session S``. One foot (left) as ``stride analyze`` scans it (times as a clock, float32
newtons as read; ``detect_feet`` on one thread), best CPU time of ``--repeat`` scans:

- on the session, then on copies of it with the foot's columns held at a constant (the
  median of the samples replaced) over one kind of sample: the swing (more than 30 samples
  from every contact), the stance core (more than 30 samples inside a contact), both (only
  the 30 samples either side of each initial and final contact left as recorded), and
  every sample zero (no event: the levels never become usable);
- a bound on the quiet blocks: each 40-row block's extremes of both columns and of the
  rows' sums and the sum of its rows' sums (``pre-pass``: ``pair_rows`` block by block,
  the scan's own summary), then the block ends one after another (``recurrence``: the
  sum's and both sensors' envelopes, the sum's and the sensors' bounds from their levels,
  each block's quiet test and the commit of its count, peak and sum), with every tracker's
  state in local variables (``registers``) or in the scan's state arrays as the scan keeps
  it (``arrays``: the sensors' block ends by ``envelopes4``). Events are left out (nothing
  falls back to the one-by-one scan, the state stays in swing): what a scan that skips
  whole quiet blocks after a pre-pass would still spend on them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.analyze_speed import add_work_option, simulate  # noqa: E402
from stride.core._contact_bounds import _sum_bounds, pair_rows  # noqa: E402
from stride.core._contact_envelopes import envelopes4  # noqa: E402
from stride.core._contact_layout import (  # noqa: E402
    R_BCNT,
    R_BMAX,
    R_BMIN,
    R_LOADED,
    R_LOW,
    R_OFF,
    R_OK,
    R_PRE,
    R_PREV,
    T_BCNT,
    T_BMAX,
    T_BMIN,
    T_H,
    T_L,
    T_LOW,
    T_MID,
    T_NS,
    T_NZ,
    T_OFF,
    T_OK,
    T_ON,
    T_PREV,
    T_RREF,
    column,
)
from stride.core._contact_state import (  # noqa: E402
    BIG,
    LOADED,
    S_ACC,
    S_CNT,
    S_INDEX,
    S_PEAK,
    S_PREV_T,
    SWING,
    UNLOADED,
    envelopes,
    new_state,
)

BLOCK = 40
#: the envelope settings in ``envelope_params``' order
EP_NAMES = ("P_F_FLOOR", "P_A_ENV", "P_A_SWING", "P_A_REF", "P_A_NOISE", "P_F_OFF", "P_F_ON",
            "P_F_LOW", "P_F_MID", "P_K_NOISE")  # fmt: skip


@njit(nogil=True)
def prepass(x: np.ndarray, c0: int, ext: np.ndarray, keep: bool) -> None:
    """Each block's extremes (columns c0, c0 + 1 and the rows' sums) and its sum."""
    for b in range(ext.shape[0]):
        r = pair_rows(x, c0, b * BLOCK, (b + 1) * BLOCK, 0.0, keep)
        for k in range(7):
            ext[b, k] = r[k]


@njit(nogil=True)
def in_registers(ext: np.ndarray, ep: Any) -> float:
    """The block ends of three trackers (sum, heel, toe) with their state in locals."""
    nan = np.nan
    l0, h0, r0, z0, s0, f0, o0, w0, m0, k0 = nan, nan, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    l1, h1, r1, z1, s1, f1, w1, k1 = nan, nan, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    l2, h2, r2, z2, s2, f2, w2, k2 = nan, nan, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    acc, cnt, peak, loud = 0.0, 0.0, -np.inf, 0
    for b in range(ext.shape[0]):
        lo, hi = _sum_bounds(k0, SWING, 0.0, 0.0, 0.0, f0, o0, w0, m0)
        a1, b1 = (-BIG, BIG) if k1 == 0.0 else (f1, w1)
        a2, b2 = (-BIG, BIG) if k2 == 0.0 else (f2, w2)
        quiet = (
            (ext[b, 4] > lo)
            & (ext[b, 5] <= hi)
            & (ext[b, 0] > a1)
            & (ext[b, 1] <= b1)
            & (ext[b, 2] > a2)
            & (ext[b, 3] <= b2)
        )
        loud += 0 if quiet else 1
        acc += ext[b, 6]
        cnt += BLOCK
        peak = ext[b, 5] if ext[b, 5] > peak else peak
        l0, h0, r0, z0, s0, f0, o0, w0, m0, k0 = envelopes(
            ext[b, 4], ext[b, 5], ext[b, 4], ext[b, 5], l0, h0, r0, z0, s0, w0, True, ep
        )
        l1, h1, r1, z1, s1, f1, _, w1, _, k1 = envelopes(
            ext[b, 0], ext[b, 1], ext[b, 0], ext[b, 1], l1, h1, r1, z1, s1, w1, True, ep
        )
        l2, h2, r2, z2, s2, f2, _, w2, _, k2 = envelopes(
            ext[b, 2], ext[b, 3], ext[b, 2], ext[b, 3], l2, h2, r2, z2, s2, w2, True, ep
        )
    return acc + cnt + peak + l0 + l1 + l2 + loud  # fmt: skip


@njit(nogil=True)
def in_arrays(ext: np.ndarray, ep: Any, x: np.ndarray, c0: int, tr: np.ndarray,
              fs: np.ndarray, t: np.ndarray) -> int:  # fmt: skip
    """The same with the state in the scan's arrays, committed and ended as the scan does."""
    loud = 0
    for b in range(ext.shape[0]):
        lo, hi = _sum_bounds(tr[T_OK], SWING, 0.0, 0.0, 0.0, tr[T_OFF], tr[T_ON], tr[T_LOW],
                             tr[T_MID])  # fmt: skip
        quiet = (ext[b, 4] > lo) & (ext[b, 5] <= hi)
        for k in range(2):
            ck = column(k)
            ok = tr[ck + R_OK] != 0.0
            ld = tr[ck + R_LOADED]
            held = ok & (ld == LOADED)
            free = (ld == UNLOADED) & (tr[ck + R_PRE] == 0.0)
            s_on, s_low = tr[ck + R_OFF], tr[ck + R_LOW]
            a = s_low if held else (-BIG if (not ok) | free else s_on)
            z = BIG if (not ok) | held else (s_on if free else s_low)
            quiet &= (ext[b, 2 * k] > a) & (ext[b, 2 * k + 1] <= z)
        loud += 0 if quiet else 1
        fs[S_ACC] = fs[S_ACC] + ext[b, 6]
        fs[S_CNT] += BLOCK
        fs[S_PEAK] = ext[b, 5] if ext[b, 5] > fs[S_PEAK] else fs[S_PEAK]
        tr[T_BMIN] = ext[b, 4] if ext[b, 4] < tr[T_BMIN] else tr[T_BMIN]
        tr[T_BMAX] = ext[b, 5] if ext[b, 5] > tr[T_BMAX] else tr[T_BMAX]
        tr[T_BCNT] += BLOCK
        last = b * BLOCK + BLOCK - 1
        s_last = 0.0
        for k in range(2):
            ck = column(k)
            v = np.float64(x[last, c0 + k])
            s_last += v
            tr[ck + R_PREV] = v
            tr[ck + R_BMIN] = ext[b, 2 * k] if ext[b, 2 * k] < tr[ck + R_BMIN] else tr[ck + R_BMIN]
            tr[ck + R_BMAX] = (
                ext[b, 2 * k + 1] if ext[b, 2 * k + 1] > tr[ck + R_BMAX] else tr[ck + R_BMAX]
            )
            tr[ck + R_BCNT] += BLOCK
        tr[T_PREV] = s_last
        fs[S_PREV_T] = t[last]
        fs[S_INDEX] += BLOCK
        env = envelopes(tr[T_BMIN], tr[T_BMAX], tr[T_BMIN], tr[T_BMAX], tr[T_L], tr[T_H],
                        tr[T_RREF], tr[T_NZ], tr[T_NS], tr[T_LOW], True, ep)  # fmt: skip
        for k, field in enumerate((T_L, T_H, T_RREF, T_NZ, T_NS, T_OFF, T_ON, T_LOW, T_MID,
                                   T_OK)):  # fmt: skip
            tr[field] = env[k]
        tr[T_BMIN], tr[T_BMAX], tr[T_BCNT] = np.inf, -np.inf, 0.0
        envelopes4(tr, column(0), ep, (0.15, 3.0))  # the glitch rule as default
    return loud


def best_cpu(work: Callable[[], object], repeat: int) -> float:
    """Best CPU time (ms) of ``repeat`` calls."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.process_time()
        work()
        best = min(best, time.process_time() - t0)
    return round(1e3 * best, 3)


def _held(n: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Samples inside any of the stretches ``starts[k]..ends[k]``."""
    m = np.zeros(n + 1, np.int32)
    np.add.at(m, np.clip(starts, 0, n), 1)
    np.add.at(m, np.clip(ends + 1, 0, n), -1)
    return np.cumsum(m)[:n] > 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_work_option(ap, "where analyze_speed.py keeps its sessions")
    ap.add_argument("--session", type=Path, help="a recording instead of the 60-minute one")
    ap.add_argument("--repeat", type=int, default=21)
    a = ap.parse_args()
    from stride.core import _contact_state as k
    from stride.core.contacts import ContactParams, _param_vector, detect_feet, set_foot_threads
    from stride.readers import read_signals

    set_foot_threads(1)
    sig = read_signals(a.session or simulate(a.work / "healthy-60min", 60), compact_times=True)
    params = ContactParams()
    foot = detect_feet(sig, ("L",), params)["L"]
    x = np.asarray(sig.forces)
    cols = sig.side_columns("L")
    n, margin = x.shape[0], 30
    on, off = np.asarray(foot.on_idx), np.asarray(foot.off_idx)
    swing = ~_held(n, on - margin, off + margin)
    core = _held(n, on + margin, off - margin)

    def held(*masks: np.ndarray) -> np.ndarray:
        y = x.copy()
        for m in masks:
            for c in cols:
                y[m, c] = np.float32(np.median(x[m, c]))
        return y

    rest = 1 - swing.mean() - core.mean()
    print(f"left foot, {n} samples: swing {swing.mean():.3f}, stance core {core.mean():.3f}, "
          f"transitions {rest:.3f}; load {os.getloadavg()[0]:.2f}")  # fmt: skip
    for name, y in (("as recorded", x), ("swing held", held(swing)),
                    ("stance core held", held(core)), ("both held", held(swing, core)),
                    ("all zero", np.zeros_like(x))):  # fmt: skip
        s = dataclasses.replace(sig, forces=y)
        got = len(detect_feet(s, ("L",), params)["L"])
        ms = best_cpu(lambda s=s: detect_feet(s, ("L",), params), a.repeat)
        print(f"  scan, {name}: {ms} ms ({got} contacts)", flush=True)
    pv = _param_vector(float(sig.fs), params)
    ep = tuple(float(pv[getattr(k, name)]) for name in EP_NAMES)
    ext = np.empty((n // BLOCK, 7))
    c0, yes = int(cols[0]), n > 0
    t = np.arange(n) / float(sig.fs)
    tr, fs = new_state(2)
    prepass(x, c0, ext, yes)
    in_registers(ext, ep)
    in_arrays(ext, ep, x, c0, tr.copy(), fs.copy(), t)
    pre = best_cpu(lambda: prepass(x, c0, ext, yes), a.repeat)
    reg = best_cpu(lambda: in_registers(ext, ep), a.repeat)
    arr = best_cpu(lambda: in_arrays(ext, ep, x, c0, tr.copy(), fs.copy(), t), a.repeat)
    print(f"  quiet blocks ({ext.shape[0]}): pre-pass {pre} ms, recurrence in registers {reg} ms, "
          f"in the scan's arrays {arr} ms; load {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
