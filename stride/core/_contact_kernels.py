"""numba kernels of contact detection, part 1: the state layout and the per-sample rules
(private: arrays and scalars in, called through :mod:`stride.core.contacts`).

One kernel serves batch and streaming: all state lives in the arrays ``tr`` (per tracker)
and ``fs`` (per foot) that the caller keeps between chunks, block boundaries count from the
first sample of the stream, and nothing looks ahead, so any chunking gives bit-identical
results. The fast scan that calls these rules only at events is in ``_contact_scan``. See
:mod:`stride.core.contacts` for the algorithm.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

# --- parameter vector (p) ---
P_BLOCK = 0  # samples per envelope block
P_F_LOW = 1  # contact threshold, fraction of the envelope range above the baseline
P_F_MID = 2  # confirmation threshold, fraction of the range
P_MIN_CONTACT = 3  # s
P_MIN_SWING = 4  # samples below the contact level that end a contact
P_A_ENV = 5  # per-block leak of the envelope towards its floor
P_F_FLOOR = 6  # the envelope range never leaks below this fraction of the reference range
P_A_REF = 7  # per-block decay of the reference range
P_K_NOISE = 8  # range must exceed this many times the noise spread
P_A_NOISE = 9  # per-block release of the noise estimate
P_GAP_DT = 10  # a time step above this is a gap (s)
P_FS = 11  # sample rate (Hz), for the impulse
P_A_SWING = 12  # per-block pull of the baseline towards the block minimum while unloaded
P_INT = 13  # 1 when the forces are integers (exact integer sums may replace float sums)
N_P = 14

# --- per-tracker state (tr[j, :]); tracker 0 = the foot's summed force, 1.. = its sensors ---
T_L = 0  # baseline envelope (NaN until the first block)
T_H = 1  # load envelope
T_RREF = 2  # slowly decaying reference range
T_NZ = 3  # noise spread estimate
T_BMIN = 4  # current block minimum
T_BMAX = 5  # current block maximum
T_BCNT = 6  # valid samples in the current block
T_PREV = 7  # previous valid value (NaN after a gap)
T_LOW = 8  # contact threshold in force
T_MID = 9  # confirmation threshold
T_OK = 10  # 1 when the thresholds are usable
T_LOADED = 11  # sensor trackers: 1 above LOW, 0 below, -1 unknown
T_UP_T = 12  # last upward LOW crossing (time, index)
T_UP_I = 13
T_DOWN_T = 14  # last downward LOW crossing
T_DOWN_I = 15
T_SON_T = 16  # this sensor's onset in the open contact (NaN = not yet)
T_SON_I = 17
N_T = 18

# --- per-foot state (fs[:]) ---
S_STATE = 0  # 0 unknown, 1 swing, 2 stance, 3 ending (below LOW, swing not yet long enough)
S_BPOS = 1  # samples in the current block
S_PREV_T = 2  # time of the previous valid sample (NaN after a gap / at start)
S_ABOVE = 3  # swing: 1 when above LOW since a candidate crossing
S_CAND_T = 4  # candidate initial contact (upward LOW crossing in swing)
S_CAND_I = 5
S_ACC_C = 6  # force sum / count / max since the candidate
S_CNT_C = 7
S_PEAK_C = 8
S_ON_T = 9  # open contact
S_ON_I = 10
S_ACC = 11
S_CNT = 12
S_PEAK = 13
S_L_IC = 14
S_COMPLETE = 15  # open contact's start was seen (inside valid data, usable thresholds)
S_GAP_OPEN = 16  # gap_before of the open contact
S_FC_T = 17  # candidate final contact (downward LOW crossing)
S_FC_I = 18
S_ACC_F = 19
S_CNT_F = 20
S_PEAK_F = 21
S_GAP_FLAG = 22  # a gap happened since the last emitted contact
S_PREV_FC = 23  # final contact of the last emitted contact
S_INDEX = 24  # absolute index of the next sample
S_L_C = 25  # baseline at the candidate crossing
S_BELOW = 26  # ending: samples below the contact level since the candidate final contact
N_S = 27

# --- outputs ---
O_ON_T = 0
O_OFF_T = 1
O_IMPULSE = 2
O_PEAK = 3
N_OF = 4  # then one column per sensor: its onset time
I_ON = 0
I_OFF = 1
I_COMPLETE = 2
I_GAP = 3
I_ON_SEEN = 4
I_OFF_SEEN = 5
N_OI = 6

#: the settings of ``_envelopes`` (see ``_envelope_params``)
EnvParams = tuple[float, float, float, float, float, float, float, float]

BIG = 1.7976931348623157e308  # largest float: quiet bounds never admit inf


@njit(cache=True, inline="always")
def _min(a: Any, b: Any) -> Any:
    """``min(a, b)`` exactly as numba's builtin (``b if b < a else a``: same NaN handling),
    but always inlined: in the large scan kernel the builtin stayed an out-of-line call
    per sample, which cost more than the rest of the loop and blocked vectorisation."""
    return b if b < a else a


@njit(cache=True, inline="always")
def _max(a: Any, b: Any) -> Any:
    """``max(a, b)`` exactly as numba's builtin (``b if b > a else a``), always inlined."""
    return b if b > a else a


@njit(cache=True)
def _crossing(x0: float, x1: float, t0: float, t1: float, thr: float) -> float:
    """Time where the line from (t0, x0) to (t1, x1) crosses ``thr`` (t1 if t0 is unknown)."""
    if t0 != t0 or x0 != x0 or x1 == x0:
        return t1
    frac = (thr - x0) / (x1 - x0)
    if frac < 0.0:
        frac = 0.0
    elif frac > 1.0:
        frac = 1.0
    return t0 + frac * (t1 - t0)


@njit(cache=True, inline="always")
def _envelopes(
    bmin: float,
    bmax: float,
    lo: float,
    hi: float,
    rref: float,
    nz: float,
    low: float,
    unloaded: bool,
    p: EnvParams,
) -> tuple[float, float, float, float, float, float, float]:
    """Fold a finished block (extremes ``bmin``, ``bmax``) into a tracker's envelopes:
    returns the new baseline, load level, reference range, noise, contact and confirmation
    levels, and 1.0 when the levels are usable. ``p``: ``_envelope_params(p)``.

    While the foot (sensor) is unloaded and the whole block stays below the contact level,
    the baseline follows the block minimum within ``tau_swing_s``, so a baseline that
    creeps up during swing (pre-loading, drift) does not reach the contact level early;
    otherwise it only leaks slowly. Scalars in and out: an inlined helper that takes the
    state arrays costs atomic reference counts per call in numba.
    """
    f_floor, a_env, a_swing, a_ref, a_noise, f_low, f_mid, k_noise = p
    spread = bmax - bmin
    if lo != lo:
        lo = bmin
        hi = bmax
        rref = spread
        nz = spread
    else:
        rng = hi - lo
        floor = f_floor * rref
        if rng > floor:
            leak = a_env * (rng - floor)
            lo += leak
            hi -= leak
        if unloaded and bmin > lo and bmax <= low:
            lo += a_swing * (bmin - lo)
        lo = _min(lo, bmin)
        hi = _max(hi, bmax)
        rref = _max(rref * (1.0 - a_ref), hi - lo)
        if spread < nz:
            nz = spread
        else:
            nz += a_noise * (spread - nz)
    rng = hi - lo
    ok = 1.0 if (rng > 0.0 and rng > k_noise * nz) else 0.0
    return lo, hi, rref, nz, lo + f_low * rng, lo + f_mid * rng, ok


@njit(cache=True)
def _emit(
    fs: np.ndarray,
    tr: np.ndarray,
    nk: int,
    use_fc: bool,
    t_end: float,
    i_end: float,
    out_f: np.ndarray,
    out_i: np.ndarray,
    n_out: int,
    p: np.ndarray,
) -> int:
    """Write the open contact as row ``n_out``; return the new row count.

    ``use_fc``: the contact's end was seen (it ends at the candidate final contact);
    otherwise it was cut at ``t_end``.
    """
    on_seen = fs[S_COMPLETE] != 0.0
    complete = on_seen and use_fc
    on_t = fs[S_ON_T]
    on_i = fs[S_ON_I]
    if use_fc:
        off_t = fs[S_FC_T]
        off_i = fs[S_FC_I]
        acc = fs[S_ACC_F]
        cnt = fs[S_CNT_F]
        peak = fs[S_PEAK_F]
    else:
        off_t = t_end
        off_i = i_end
        acc = fs[S_ACC]
        cnt = fs[S_CNT]
        peak = fs[S_PEAK]
    if nk > 1:
        # several sensors: IC = first sensor to load, FC = last to unload
        for k in range(nk):
            j = k + 1
            son = tr[j, T_SON_T]
            if son == son and son < on_t:
                on_t = son
                on_i = tr[j, T_SON_I]
            if use_fc and tr[j, T_LOADED] == 0.0:
                d = tr[j, T_DOWN_T]
                if d == d and d > off_t and d >= on_t:
                    off_t = d
                    off_i = tr[j, T_DOWN_I]
    if complete and off_t - on_t < p[P_MIN_CONTACT]:
        return n_out  # a blip, not a contact
    out_f[n_out, O_ON_T] = on_t
    out_f[n_out, O_OFF_T] = off_t
    out_f[n_out, O_IMPULSE] = (acc - cnt * fs[S_L_IC]) / p[P_FS]
    out_f[n_out, O_PEAK] = peak - fs[S_L_IC]
    if nk > 1:
        for k in range(nk):
            out_f[n_out, N_OF + k] = tr[k + 1, T_SON_T]
    else:
        out_f[n_out, N_OF] = on_t if on_seen else np.nan
    out_i[n_out, I_ON] = np.int64(on_i)
    out_i[n_out, I_OFF] = np.int64(off_i)
    out_i[n_out, I_COMPLETE] = 1 if complete else 0
    out_i[n_out, I_GAP] = 1 if fs[S_GAP_OPEN] != 0.0 else 0
    out_i[n_out, I_ON_SEEN] = 1 if on_seen else 0
    out_i[n_out, I_OFF_SEEN] = 1 if use_fc else 0
    fs[S_PREV_FC] = off_t
    fs[S_GAP_FLAG] = 0.0
    return n_out + 1


@njit(cache=True)
def _open_contact(fs: np.ndarray, tr: np.ndarray, nk: int, complete: bool) -> None:
    """Start a contact at the candidate crossing (or now, if it began unseen)."""
    fs[S_STATE] = 2.0
    fs[S_ON_T] = fs[S_CAND_T]
    fs[S_ON_I] = fs[S_CAND_I]
    fs[S_ACC] = fs[S_ACC_C]
    fs[S_CNT] = fs[S_CNT_C]
    fs[S_PEAK] = fs[S_PEAK_C]
    fs[S_L_IC] = fs[S_L_C]
    fs[S_COMPLETE] = 1.0 if complete else 0.0
    fs[S_GAP_OPEN] = fs[S_GAP_FLAG]
    if nk > 1:
        for k in range(nk):
            j = k + 1
            if tr[j, T_LOADED] == 1.0 and tr[j, T_UP_T] > fs[S_PREV_FC]:
                tr[j, T_SON_T] = tr[j, T_UP_T]
                tr[j, T_SON_I] = tr[j, T_UP_I]
            else:
                tr[j, T_SON_T] = np.nan
                tr[j, T_SON_I] = -1.0


@njit(cache=True, inline="always")
def _envelope_params(
    p: np.ndarray,
) -> tuple[float, float, float, float, float, float, float, float]:
    """The settings ``_envelopes`` uses, read once per chunk."""
    return (
        p[P_F_FLOOR], p[P_A_ENV], p[P_A_SWING], p[P_A_REF],
        p[P_A_NOISE], p[P_F_LOW], p[P_F_MID], p[P_K_NOISE],
    )  # fmt: skip


@njit(cache=True)
def _step(
    t: np.ndarray,
    x: np.ndarray,
    cols: np.ndarray,
    i: int,
    p: np.ndarray,
    tr: np.ndarray,
    fs: np.ndarray,
    out_f: np.ndarray,
    out_i: np.ndarray,
    n_out: int,
) -> int:
    """One sample, every rule applied (the slow path); returns the row count, -1 for a
    time that is not finite or does not increase."""
    nk = cols.shape[0]
    gap_dt = p[P_GAP_DT]
    min_swing = p[P_MIN_SWING]
    ti = t[i]
    gi = fs[S_INDEX]
    s = 0.0
    for k in range(nk):
        s += np.float64(x[i, cols[k]])
    tp = fs[S_PREV_T]
    if (tp == tp and ti <= tp) or ti != ti or abs(ti) == np.inf:
        return -1
    valid = s == s and abs(s) != np.inf
    if (not valid) or (tp == tp and ti - tp > gap_dt):
        # missing samples: cut an open contact, forget the previous sample
        st = fs[S_STATE]
        if st >= 2.0:
            # a contact whose end was already seen stays whole; one in stance is cut
            n_out = _emit(fs, tr, nk, st == 3.0, tp, gi - 1.0, out_f, out_i, n_out, p)
        fs[S_STATE] = 0.0
        fs[S_ABOVE] = 0.0
        fs[S_GAP_FLAG] = 1.0
        fs[S_PREV_T] = np.nan
        tp = np.nan
        for j in range(nk + 1 if nk > 1 else 1):
            tr[j, T_PREV] = np.nan
            tr[j, T_LOADED] = -1.0
    if valid:
        st = fs[S_STATE]
        xp = tr[0, T_PREV]
        ok = tr[0, T_OK] != 0.0
        low = tr[0, T_LOW]
        mid = tr[0, T_MID]
        # sensors of a multi-sensor foot: their own loaded state and crossings
        if nk > 1:
            for k in range(nk):
                j = k + 1
                v = np.float64(x[i, cols[k]])
                if tr[j, T_OK] != 0.0:
                    lw = tr[j, T_LOW]
                    ld = tr[j, T_LOADED]
                    if v > lw and ld != 1.0:
                        if ld == 0.0:
                            tr[j, T_UP_T] = _crossing(tr[j, T_PREV], v, tp, ti, lw)
                            tr[j, T_UP_I] = gi
                            if st >= 2.0 and tr[j, T_SON_T] != tr[j, T_SON_T]:
                                tr[j, T_SON_T] = tr[j, T_UP_T]
                                tr[j, T_SON_I] = gi
                        tr[j, T_LOADED] = 1.0
                    elif v <= lw and ld != 0.0:
                        if ld == 1.0:
                            tr[j, T_DOWN_T] = _crossing(tr[j, T_PREV], v, tp, ti, lw)
                            tr[j, T_DOWN_I] = gi
                        tr[j, T_LOADED] = 0.0
                tr[j, T_PREV] = v
                if v < tr[j, T_BMIN]:
                    tr[j, T_BMIN] = v
                if v > tr[j, T_BMAX]:
                    tr[j, T_BMAX] = v
                tr[j, T_BCNT] += 1.0
        if st == 2.0:
            fs[S_ACC] += s
            fs[S_CNT] += 1.0
            if s > fs[S_PEAK]:
                fs[S_PEAK] = s
            if s <= low:
                fs[S_FC_T] = _crossing(xp, s, tp, ti, low)
                fs[S_FC_I] = gi
                fs[S_ACC_F] = fs[S_ACC] - s
                fs[S_CNT_F] = fs[S_CNT] - 1.0
                fs[S_PEAK_F] = fs[S_PEAK]
                fs[S_STATE] = 3.0
                fs[S_ABOVE] = 0.0
                fs[S_BELOW] = 1.0
        elif st == 1.0 or st == 3.0:
            if st == 3.0:
                fs[S_ACC] += s
                fs[S_CNT] += 1.0
                if s > fs[S_PEAK]:
                    fs[S_PEAK] = s
                if s >= mid:
                    # the dip was shorter than a swing: same contact
                    fs[S_STATE] = 2.0
                    st = 2.0
                else:
                    if s <= low:
                        fs[S_BELOW] += 1.0
                    if fs[S_BELOW] >= min_swing:
                        n_out = _emit(fs, tr, nk, True, ti, gi, out_f, out_i, n_out, p)
                        fs[S_STATE] = 1.0
                        st = 1.0
            if st != 2.0:
                if s > low:
                    if fs[S_ABOVE] == 0.0:
                        fs[S_ABOVE] = 1.0
                        fs[S_CAND_T] = _crossing(xp, s, tp, ti, low)
                        fs[S_CAND_I] = gi
                        fs[S_L_C] = tr[0, T_L]
                        fs[S_ACC_C] = 0.0
                        fs[S_CNT_C] = 0.0
                        fs[S_PEAK_C] = -np.inf
                    fs[S_ACC_C] += s
                    fs[S_CNT_C] += 1.0
                    if s > fs[S_PEAK_C]:
                        fs[S_PEAK_C] = s
                    if st == 1.0 and s >= mid and ok:
                        _open_contact(fs, tr, nk, True)
                else:
                    fs[S_ABOVE] = 0.0
        elif ok:
            # unknown (start, or after a gap): wait for a clear level
            if s <= low:
                fs[S_STATE] = 1.0
                fs[S_ABOVE] = 0.0
            elif s >= mid:
                fs[S_CAND_T] = ti
                fs[S_CAND_I] = gi
                fs[S_L_C] = tr[0, T_L]
                fs[S_ACC_C] = s
                fs[S_CNT_C] = 1.0
                fs[S_PEAK_C] = s
                _open_contact(fs, tr, nk, False)
        tr[0, T_PREV] = s
        fs[S_PREV_T] = ti
        if s < tr[0, T_BMIN]:
            tr[0, T_BMIN] = s
        if s > tr[0, T_BMAX]:
            tr[0, T_BMAX] = s
        tr[0, T_BCNT] += 1.0
    fs[S_INDEX] = gi + 1.0
    fs[S_BPOS] += 1.0
    return n_out


@njit(cache=True)
def finish_foot(
    tr: np.ndarray, fs: np.ndarray, nk: int, p: np.ndarray, out_f: np.ndarray, out_i: np.ndarray
) -> int:
    """End of the stream: a contact still in stance is cut by the record edge (incomplete);
    one whose end was seen is whole."""
    st = fs[S_STATE]
    n_out = 0
    if st >= 2.0:
        n_out = _emit(fs, tr, nk, st == 3.0, fs[S_PREV_T], fs[S_INDEX] - 1.0, out_f, out_i, 0, p)
    fs[S_STATE] = 0.0
    return n_out


def new_state(nk: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh tracker and foot state for a foot with ``nk`` sensors."""
    tr = np.zeros((nk + 1, N_T), np.float64)
    tr[:, T_L] = np.nan
    tr[:, T_H] = np.nan
    tr[:, T_PREV] = np.nan
    tr[:, T_BMIN] = np.inf
    tr[:, T_BMAX] = -np.inf
    tr[:, T_LOADED] = -1.0
    tr[:, T_UP_T] = np.nan
    tr[:, T_DOWN_T] = np.nan
    tr[:, T_SON_T] = np.nan
    fs = np.zeros(N_S, np.float64)
    fs[S_PREV_T] = np.nan
    fs[S_PREV_FC] = -np.inf
    return tr, fs
