"""Slow, plain-Python contact detection: the algorithm of stride.core.contacts written out
sample by sample with named fields, to check the numba kernel against (same results to the
last bit on the same input)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from stride.core.contacts import ContactParams


@dataclass
class Tracker:
    """Envelopes and thresholds of one signal (a foot's sum, or one sensor)."""

    low_env: float = math.nan
    high_env: float = math.nan
    ref_range: float = 0.0
    noise: float = 0.0
    block: list[float] = field(default_factory=list)
    prev: float = math.nan
    low: float = 0.0
    mid: float = 0.0
    ok: bool = False
    loaded: int = -1
    up_t: float = math.nan
    up_i: int = 0
    down_t: float = math.nan
    down_i: int = 0
    onset_t: float = math.nan
    onset_i: int = -1

    def end_block(self, c: dict[str, float], unloaded: bool) -> None:
        if self.block:
            bmin, bmax = min(self.block), max(self.block)
            spread = bmax - bmin
            if math.isnan(self.low_env):
                self.low_env, self.high_env = bmin, bmax
                self.ref_range = spread
                self.noise = spread
            else:
                lo, hi = self.low_env, self.high_env
                floor = c["floor"] * self.ref_range
                if hi - lo > floor:
                    leak = c["a_env"] * ((hi - lo) - floor)
                    lo, hi = lo + leak, hi - leak
                if unloaded and bmin > lo and bmax <= self.low:
                    lo = lo + c["a_swing"] * (bmin - lo)
                self.low_env = min(lo, bmin)
                self.high_env = max(hi, bmax)
                self.ref_range = max(
                    self.ref_range * (1.0 - c["a_ref"]), self.high_env - self.low_env
                )
                if spread < self.noise:
                    self.noise = spread
                else:
                    self.noise = self.noise + c["a_noise"] * (spread - self.noise)
            rng = self.high_env - self.low_env
            self.low = self.low_env + c["low_frac"] * rng
            self.mid = self.low_env + c["mid_frac"] * rng
            self.ok = rng > 0.0 and rng > c["noise_ratio"] * self.noise
        self.block = []


def crossing(x0: float, x1: float, t0: float, t1: float, thr: float) -> float:
    if math.isnan(t0) or math.isnan(x0) or x1 == x0:
        return t1
    frac = min(1.0, max(0.0, (thr - x0) / (x1 - x0)))
    return t0 + frac * (t1 - t0)


def reference_contacts(
    t: np.ndarray, x: np.ndarray, cols: list[int], fs: float, params: ContactParams
) -> dict[str, np.ndarray]:
    """All contacts of the foot made of columns ``cols``, as arrays named like FootContacts."""
    p = params
    block_n = max(1, round(p.block_s * fs))
    dtb = block_n / fs
    c = {
        "low_frac": p.low_frac,
        "mid_frac": p.mid_frac,
        "floor": p.range_floor,
        "noise_ratio": p.noise_ratio,
        "a_env": 0.5 * (1.0 - math.exp(-dtb / p.tau_env_s)),
        "a_ref": 1.0 - math.exp(-dtb / p.tau_ref_s),
        "a_noise": 1.0 - math.exp(-dtb / p.tau_noise_s),
        "a_swing": 1.0 - math.exp(-dtb / p.tau_swing_s),
    }
    min_swing_n = max(1, math.ceil(p.min_swing_s * fs))
    gap_dt = p.gap_factor / fs
    nk = len(cols)
    foot = Tracker()
    sensors = [Tracker() for _ in range(nk)] if nk > 1 else []
    rows: list[tuple] = []
    state = "unknown"
    prev_t = math.nan
    above = False
    cand: dict[str, float] = {}
    open_c: dict[str, float] = {}
    fc: dict[str, float] = {}
    below = 0
    gap_flag = False
    prev_fc = -math.inf
    in_block = 0

    def emit(off_seen: bool, t_end: float, i_end: int) -> None:
        nonlocal prev_fc, gap_flag
        on_seen = open_c["seen"]
        on_t, on_i = open_c["t"], open_c["i"]
        if off_seen:
            off_t, off_i = fc["t"], fc["i"]
            acc, cnt, peak = fc["acc"], fc["cnt"], fc["peak"]
        else:
            off_t, off_i = t_end, i_end
            acc, cnt, peak = open_c["acc"], open_c["cnt"], open_c["peak"]
        for s in sensors:
            if not math.isnan(s.onset_t) and s.onset_t < on_t:
                on_t, on_i = s.onset_t, s.onset_i
            if off_seen and s.loaded == 0:
                d = s.down_t
                if not math.isnan(d) and d > off_t and d >= on_t:
                    off_t, off_i = d, s.down_i
        complete = on_seen and off_seen
        if complete and off_t - on_t < p.min_contact_s:
            return
        base = open_c["base"]
        onsets = [s.onset_t for s in sensors] if sensors else [on_t if on_seen else math.nan]
        rows.append(
            (
                on_t,
                off_t,
                on_i,
                off_i,
                complete,
                open_c["gap"],
                onsets,
                (acc - cnt * base) / fs,
                peak - base,
                on_seen,
                off_seen,
            )
        )
        prev_fc = off_t
        gap_flag = False

    def open_contact(seen: bool) -> None:
        nonlocal state
        state = "stance"
        open_c.clear()
        open_c.update(
            t=cand["t"],
            i=cand["i"],
            acc=cand["acc"],
            cnt=cand["cnt"],
            peak=cand["peak"],
            base=cand["base"],
            seen=seen,
            gap=gap_flag,
        )
        for s in sensors:
            if s.loaded == 1 and s.up_t > prev_fc:
                s.onset_t, s.onset_i = s.up_t, s.up_i
            else:
                s.onset_t, s.onset_i = math.nan, -1

    for i in range(t.shape[0]):
        ti = float(t[i])
        vals = [float(x[i, k]) for k in cols]
        total = 0.0
        for v in vals:
            total += v
        valid = not (math.isnan(total) or math.isinf(total))
        if not valid or (not math.isnan(prev_t) and ti - prev_t > gap_dt):
            if state in ("stance", "ending"):
                emit(state == "ending", prev_t, i - 1)
            state = "unknown"
            above = False
            gap_flag = True
            prev_t = math.nan
            for tr in [foot, *sensors]:
                tr.prev = math.nan
                tr.loaded = -1
        if valid:
            s_ = total
            for s, v in zip(sensors, vals if sensors else [], strict=True):
                if s.ok:
                    if v > s.low and s.loaded != 1:
                        if s.loaded == 0:
                            s.up_t, s.up_i = crossing(s.prev, v, prev_t, ti, s.low), i
                            if state in ("stance", "ending") and math.isnan(s.onset_t):
                                s.onset_t, s.onset_i = s.up_t, i
                        s.loaded = 1
                    elif v <= s.low and s.loaded != 0:
                        if s.loaded == 1:
                            s.down_t, s.down_i = crossing(s.prev, v, prev_t, ti, s.low), i
                        s.loaded = 0
                s.prev = v
                s.block.append(v)
            low, mid = foot.low, foot.mid
            if state == "stance":
                open_c["acc"] += s_
                open_c["cnt"] += 1
                open_c["peak"] = max(open_c["peak"], s_)
                if s_ <= low:
                    fc.clear()
                    fc.update(
                        t=crossing(foot.prev, s_, prev_t, ti, low),
                        i=i,
                        acc=open_c["acc"] - s_,
                        cnt=open_c["cnt"] - 1,
                        peak=open_c["peak"],
                    )
                    state = "ending"
                    above = False
                    below = 1
            elif state in ("swing", "ending"):
                if state == "ending":
                    open_c["acc"] += s_
                    open_c["cnt"] += 1
                    open_c["peak"] = max(open_c["peak"], s_)
                    if s_ >= mid:
                        state = "stance"
                    else:
                        if s_ <= low:
                            below += 1
                        if below >= min_swing_n:
                            emit(True, ti, i)
                            state = "swing"
                if state != "stance":
                    if s_ > low:
                        if not above:
                            above = True
                            cand.clear()
                            cand.update(
                                t=crossing(foot.prev, s_, prev_t, ti, low),
                                i=i,
                                base=foot.low_env,
                                acc=0.0,
                                cnt=0,
                                peak=-math.inf,
                            )
                        cand["acc"] += s_
                        cand["cnt"] += 1
                        cand["peak"] = max(cand["peak"], s_)
                        if state == "swing" and s_ >= mid and foot.ok:
                            open_contact(True)
                    else:
                        above = False
            elif foot.ok:
                if s_ <= low:
                    state = "swing"
                    above = False
                elif s_ >= mid:
                    cand.clear()
                    cand.update(t=ti, i=i, base=foot.low_env, acc=s_, cnt=1, peak=s_)
                    open_contact(False)
            foot.prev = s_
            prev_t = ti
            foot.block.append(s_)
        in_block += 1
        if in_block >= block_n:
            in_block = 0
            foot.end_block(c, state in ("swing", "ending"))
            for s in sensors:
                s.end_block(c, s.loaded == 0)
    if state in ("stance", "ending"):
        emit(state == "ending", prev_t, t.shape[0] - 1)
    k = max(nk, 1)
    return {
        "on_t": np.array([r[0] for r in rows], np.float64),
        "off_t": np.array([r[1] for r in rows], np.float64),
        "on_idx": np.array([r[2] for r in rows], np.int64),
        "off_idx": np.array([r[3] for r in rows], np.int64),
        "complete": np.array([r[4] for r in rows], bool),
        "gap_before": np.array([r[5] for r in rows], bool),
        "sensor_on_t": np.array([r[6] for r in rows], np.float64).reshape(len(rows), k),
        "impulse": np.array([r[7] for r in rows], np.float64),
        "peak": np.array([r[8] for r in rows], np.float64),
        "on_seen": np.array([r[9] for r in rows], bool),
        "off_seen": np.array([r[10] for r in rows], bool),
    }
