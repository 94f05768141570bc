"""Contact detection kernels, the scan's rules at an event (private): one sample that is
not quiet (a level crossed, NaN, a gap, a block's end reached) goes through every rule,
as the plain-Python reference applies them to every sample.

:func:`sensor_rules` are a multi-sensor foot's: each sensor's load state (unknown,
unloaded, pre-loaded above its onset level, loaded above its contact level) and the onset
it gives the open contact (the rise through the band's top and the contact level,
extended back to the baseline; a crossing before the last contact's end is stale: the foot
cannot land before it left). For an insole's eight cells only the cells outside their
quiet bounds can change state while those bounds hold for the sensors' state (computed
since the last event and block end), so only their rules run (``cell_outside``: one bit a
cell), and every cell's running values are one vector (``cell_step``).

:func:`foot_rules` are the foot's, on the sum of its sensors: swing, stance, the contact
ending (below the contact level, until a whole swing), the candidate's onset above the
onset level, lifts, touches, the glitch rules (a reading far below the baseline moves no
contact state alone; a dip's one reading in the unloaded band, straight back up by a jump,
is no lift), and the emission of a contact when its swing is complete.

Both are part of :func:`~stride.core._contact_scan.scan`, inlined into it by numba
(``inline="always"``: see that module's docstring); the state arrays are read and written
in place as in the scan. Flags for the helpers are run-time bools (``yes``/``no``): a
literal ``True`` or ``False`` would compile the helper once more.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros as _trailing_zeros

from stride.core._contact_bounds import onset_time
from stride.core._contact_cellstate import cell_outside, cell_step
from stride.core._contact_layout import (
    R_BCNT,
    R_BMAX,
    R_BMIN,
    R_L,
    R_LOADED,
    R_LOW,
    R_OFF,
    R_OK,
    R_PRE,
    R_PRE_I,
    R_PRE_T,
    R_PREV,
    R_SON_I,
    R_SON_T,
    T_BCNT,
    T_BMAX,
    T_BMIN,
    T_H,
    T_L,
    T_LOW,
    T_MID,
    T_NS,
    T_OFF,
    T_OK,
    T_ON,
    T_PREV,
    column,
)
from stride.core._contact_state import (
    ENDING,
    LOAD_UNKNOWN,
    LOADED,
    P_EXTEND,
    S_ABOVE,
    S_ACC,
    S_BELOW,
    S_CAND_ACC,
    S_CAND_BASE,
    S_CAND_CNT,
    S_CAND_I,
    S_CAND_PEAK,
    S_CAND_T,
    S_CNT,
    S_FC_ACC,
    S_FC_CNT,
    S_FC_I,
    S_FC_PEAK,
    S_FC_T,
    S_GAP_OPEN,
    S_LIFTED,
    S_LONG,
    S_LOW_T,
    S_NFAR,
    S_PART_I,
    S_PART_T,
    S_PEAK,
    S_PRE,
    S_PREV_FC,
    S_PREV_T,
    S_SEEN,
    S_STATE,
    S_SWUNG,
    S_TOUCHES,
    STANCE,
    SWING,
    UNKNOWN,
    UNLOADED,
    _crossing,
    emit,
    lift,
    open_contact,
)
from stride.core._kernel_options import JIT_ONLY

#: the place of an integer's lowest set bit (numba's intrinsic, called as a function)
trailing_zeros: Any = _trailing_zeros


@njit(cache=True, inline="always", **JIT_ONLY)
def sensor_rules(
    x: np.ndarray, i: int, cols: np.ndarray, nk: int, c0: int, quick: bool,
    cells_at: np.uint64, cq: np.ndarray, fs: np.ndarray, tr: np.ndarray, p: np.ndarray,
    in_contact: bool, tp: float, ti: float, gi: float,
) -> None:  # fmt: skip
    """Sample ``i`` (time ``ti``, the foot's index ``gi``; the previous sample's time
    ``tp``) through each sensor's rules; ``quick``: the cells' quiet bounds in ``cq`` still
    hold for their state (then only the cells outside them)."""
    # an insole's eight cells: the rules of the cells outside their quiet
    # bounds only (one vector test), then every cell's running values in
    # one vector (cell_step); else every sensor in turn
    todo = cell_outside(x, c0, i, cq) if quick else np.int64(0)
    k = 0
    while k < nk:
        if quick:
            if todo == 0:
                break
            k = int(trailing_zeros(todo))
            todo &= todo - 1
        ck = column(k)
        v = np.float64(x[i, cols[k]])
        if tr[ck + R_OK] != 0.0:
            on_k = tr[ck + R_OFF]
            low_k = tr[ck + R_LOW]
            ld = tr[ck + R_LOADED]
            if ld == LOAD_UNKNOWN:
                if v > low_k:
                    tr[ck + R_LOADED] = LOADED
                elif v <= on_k:
                    tr[ck + R_LOADED] = UNLOADED
                    tr[ck + R_PRE] = 0.0
            elif ld == UNLOADED:
                if v > on_k and tr[ck + R_PRE] == 0.0:
                    tr[ck + R_PRE] = 1.0
                    tr[ck + R_PRE_T] = _crossing(tr[ck + R_PREV], v, tp, ti, on_k)
                    tr[ck + R_PRE_I] = gi
                elif v <= on_k:
                    tr[ck + R_PRE] = 0.0
                if v > low_k:
                    tr[ck + R_LOADED] = LOADED
                    # onset: the rise through the band's top and the
                    # contact level, extended back to the baseline
                    if low_k > on_k:
                        up = tr[ck + R_PRE_T]
                        back = _crossing(tr[ck + R_PREV], v, tp, ti, low_k) - up
                        r = (on_k - tr[ck + R_L]) / (low_k - on_k)
                        back *= 1.0 if r > 1.0 else r
                        most = p[P_EXTEND]  # not ``cap``: the output's
                        tr[ck + R_PRE_T] = up - (back if back < most else most)
                    # (a crossing before the last contact's end is
                    # stale: the foot cannot land before it left)
                    if (
                        in_contact
                        and tr[ck + R_SON_T] != tr[ck + R_SON_T]
                        and tr[ck + R_PRE_T] > fs[S_PREV_FC]
                    ):
                        tr[ck + R_SON_T] = tr[ck + R_PRE_T]
                        tr[ck + R_SON_I] = tr[ck + R_PRE_I]
            elif v <= low_k:
                tr[ck + R_LOADED] = UNLOADED
                tr[ck + R_PRE] = 1.0 if v > on_k else 0.0
        if not quick:
            tr[ck + R_PREV] = v
            tr[ck + R_BMIN] = v if v < tr[ck + R_BMIN] else tr[ck + R_BMIN]
            tr[ck + R_BMAX] = v if v > tr[ck + R_BMAX] else tr[ck + R_BMAX]
            tr[ck + R_BCNT] += 1.0
        k += 1
    if quick:
        cell_step(tr, cells_at, x, c0, i)


@njit(cache=True, inline="always", **JIT_ONLY)
def foot_rules(
    s: float, st: float, in_contact: bool, tp: float, ti: float, gi: float, fs: np.ndarray,
    tr: np.ndarray, p: np.ndarray, nk: int, out_f: np.ndarray, out_i: np.ndarray,
    n_out: int, jump: float, min_swing: float, touch_rule: bool, deep_rule: bool,
    dip_rule: bool, back_most: float, yes: bool, no: bool,
) -> int:  # fmt: skip
    """The foot's sum ``s`` at a valid sample (time ``ti``, index ``gi``; state ``st``
    before it) through the foot's rules; a contact ended is emitted into ``out_f``,
    ``out_i`` from row ``n_out``. Returns the rows written by then."""
    off = tr[T_OFF]
    on = tr[T_ON]
    low = tr[T_LOW]
    mid = tr[T_MID]
    xp = tr[T_PREV]
    if in_contact:
        fs[S_ACC] += s
        fs[S_CNT] += 1.0
        fs[S_PEAK] = s if s > fs[S_PEAK] else fs[S_PEAK]
    # the candidate above the onset level: swing, or after a lift while ending
    track = st == SWING or (st == ENDING and fs[S_LIFTED] != 0.0)
    # one reading far below the baseline (a glitch: a lifted foot reads its
    # unloaded level) moves no contact state; the next one far below does (a
    # level, not a glitch); far: by the unloaded band's height and a jump
    # more (beyond the swing's noise); NaN levels: none is far
    far_by = jump * (tr[T_H] - tr[T_L]) + (off - tr[T_L])
    deep = deep_rule and tr[T_L] - s > far_by and not tr[T_L] - xp > far_by
    if st == UNKNOWN:
        if tr[T_OK] != 0.0:
            if s <= on:
                fs[S_STATE] = SWING
                fs[S_PRE] = 0.0
            elif s >= mid:
                fs[S_CAND_T] = ti
                fs[S_CAND_I] = gi
                fs[S_CAND_BASE] = tr[T_L]
                fs[S_CAND_ACC] = s
                fs[S_CAND_CNT] = 1.0
                fs[S_CAND_PEAK] = s
                open_contact(fs, tr, nk, no, fs[S_PREV_FC])
        track = False
    elif st == STANCE and s <= low and not deep:
        # below the contact level: a swing begins, or a dip inside the stance
        fs[S_STATE] = ENDING
        fs[S_ABOVE] = 0.0
        fs[S_LIFTED] = 0.0
        fs[S_BELOW] = 1.0
        fs[S_PRE] = 0.0
        fs[S_FC_T] = _crossing(xp, s, tp, ti, low)
        fs[S_LOW_T] = fs[S_FC_T]
        fs[S_FC_I] = gi
        fs[S_FC_ACC] = fs[S_ACC] - s
        fs[S_FC_CNT] = fs[S_CNT] - 1.0
        fs[S_FC_PEAK] = fs[S_PEAK]
        if s <= off:
            lift(fs, p, _crossing(xp, s, tp, ti, off), gi, s, tr)
    if track:
        if s > on:
            if fs[S_PRE] == 0.0:
                fs[S_PRE] = 1.0
                fs[S_CAND_T] = onset_time(xp, s, tp, ti, on, off, back_most)
                fs[S_CAND_I] = gi
                fs[S_CAND_BASE] = tr[T_L]
                fs[S_CAND_ACC] = 0.0
                fs[S_CAND_CNT] = 0.0
                fs[S_CAND_PEAK] = -np.inf
            fs[S_CAND_ACC] += s
            fs[S_CAND_CNT] += 1.0
            fs[S_CAND_PEAK] = s if s > fs[S_CAND_PEAK] else fs[S_CAND_PEAK]
        elif not deep:
            fs[S_PRE] = 0.0
    if st == SWING and s >= mid:
        open_contact(fs, tr, nk, yes, fs[S_PREV_FC])
    elif st == ENDING:
        if s >= mid:
            # back to the confirmation level before a whole swing
            fs[S_STATE] = STANCE
            if fs[S_LIFTED] != 0.0:
                if (
                    dip_rule
                    and fs[S_BELOW] == 1.0
                    and fs[S_FC_I] == gi - 1.0
                    and s - xp > jump * (tr[T_H] - tr[T_L]) + 2.0 * tr[T_NS]
                ):
                    # the dip's one reading below the contact level was the
                    # last, in the unloaded band, and this one above it by a
                    # jump and the swing's noise (not a still foot's): a
                    # glitch, no lift
                    fs[S_LIFTED] = 0.0
                elif fs[S_LONG] == 0.0 and touch_rule:
                    # every part so far was a short touch: start at this one
                    fs[S_TOUCHES] += 1.0
                    gap_open = fs[S_GAP_OPEN]
                    open_contact(fs, tr, nk, fs[S_SEEN] != 0.0, fs[S_FC_T])
                    fs[S_GAP_OPEN] = gap_open
                else:
                    fs[S_PART_T] = fs[S_CAND_T]
                    fs[S_PART_I] = fs[S_CAND_I]
                    fs[S_SWUNG] = fs[S_BELOW]
                    fs[S_LIFTED] = 0.0
        else:
            if s <= low:
                if fs[S_ABOVE] != 0.0:
                    fs[S_LOW_T] = _crossing(xp, s, tp, ti, low)
                fs[S_BELOW] += 1.0
                fs[S_ABOVE] = 0.0
            else:
                fs[S_ABOVE] = 1.0
            if fs[S_LIFTED] == 0.0 and s <= off and not deep:
                lift(fs, p, _crossing(xp, s, tp, ti, off), gi, s, tr)
            if fs[S_BELOW] >= min_swing:
                n_out = emit(fs, tr, nk, yes, ti, gi, out_f, out_i, n_out, p)
                fs[S_STATE] = SWING
    tr[T_PREV] = s
    fs[S_PREV_T] = ti
    tr[T_BMIN] = s if s < tr[T_BMIN] else tr[T_BMIN]
    tr[T_BMAX] = s if s > tr[T_BMAX] else tr[T_BMAX]
    tr[T_BCNT] += 1.0
    if s - tr[T_H] > jump * (tr[T_H] - tr[T_L]):
        fs[S_NFAR] += 1.0
    return n_out
