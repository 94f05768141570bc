"""Contact detection kernels, the scan's block end (private): every ``block`` samples, the
foot's envelopes and levels from the block's extremes, then its sensors'.

:func:`block_end` is part of :func:`~stride.core._contact_scan.scan`, inlined into it by
numba (``inline="always"``: see that module's docstring), and reads and writes the state
arrays in place as the scan does.

A level far beyond the envelopes is a level only when consecutive blocks reach it
(``base_n`` blocks below the baseline, ``load_n`` above the load level): a glitch neither
lowers the baseline nor raises the load level. A load lasts tens of ms, so a block with
one reading beyond the far level (a spike) reaches no further than that level. Before the
foot's first contact the load level is being learnt, and follows the block at once.

The sensors' envelopes are updated four at a time in vectors, or a page of eight at once
for a foot of more than four sensors (an insole's: one call instead of two, 0.95-0.98x the
insole8 float32 scan's CPU; a heel + toe foot keeps four lanes)
(:mod:`~stride.core._contact_envelopes`; their state is laid out field by field for it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stride.core._contact_envelopes import envelopes4, envelopes8
from stride.core._contact_layout import (
    LANES,
    PAGE,
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
    T_RREF,
    column,
)
from stride.core._contact_state import (
    ENDING,
    S_BPOS,
    S_INDEX,
    S_NFAR,
    S_PBMAX,
    S_PBMIN,
    S_PBMIN2,
    S_PBMIN3,
    S_PRE,
    S_PREV_FC,
    S_PREV_T,
    S_STATE,
    STANCE,
    UNKNOWN,
    emit,
    envelopes,
)
from stride.core._kernel_options import JIT_ONLY


@njit(cache=True, inline="always", **JIT_ONLY)
def block_end(
    fs: np.ndarray,
    tr: np.ndarray,
    p: np.ndarray,
    nk: int,
    jump: float,
    base_n: int,
    load_n: int,
    hold: bool,
    ep: tuple[float, ...],
    gp: tuple[float, float],
    n_lanes: int,
    wide: bool,
    out_f: np.ndarray,
    out_i: np.ndarray,
    n_out: int,
) -> int:
    """The block's end of the foot whose state is ``fs``, ``tr`` (``nk`` sensors, in
    ``n_lanes`` lanes: pages of eight when ``wide``): the sum's envelopes and levels, then
    the sensors' in vectors; a contact open when the levels become unusable is emitted
    into ``out_f``, ``out_i`` from row ``n_out``. Returns the rows written by then. The
    scan's settings as it read them from ``p``: ``jump``, ``base_n``, ``load_n``,
    ``hold``, ``ep`` (``envelope_params(p)``) and ``gp`` (the sensors' far-minimum rule)."""
    fs[S_BPOS] = 0.0
    st = fs[S_STATE]
    if tr[T_BCNT] > 0.0:
        unloaded = st != STANCE and st != UNKNOWN  # swing or ending
        bmin, bmax = tr[T_BMIN], tr[T_BMAX]
        el, eh = tr[T_L], tr[T_H]
        lmin = bmin
        known = fs[S_PREV_FC] != -np.inf  # (before the first contact: being learnt)
        if el - bmin > jump * (eh - el):
            for q in range(S_PBMIN, S_PBMIN + base_n - 1):
                lmin = fs[q] if fs[q] > lmin else lmin
        reach = bmax  # (one reading beyond the far level reaches no further than it)
        hmax = bmax
        if bmax - eh > jump * (eh - el):
            if fs[S_NFAR] < 2.0:
                reach = eh + jump * (eh - el)
            if known and load_n > 1:
                hmax = fs[S_PBMAX] if fs[S_PBMAX] < reach else reach
        fs[S_PBMIN3] = fs[S_PBMIN2]
        fs[S_PBMIN2] = fs[S_PBMIN]
        fs[S_PBMIN] = bmin
        fs[S_PBMAX] = reach
        env = envelopes(
            bmin, bmax, lmin, hmax, el, eh, tr[T_RREF], tr[T_NZ], tr[T_NS], tr[T_LOW],
            unloaded, ep, hold and st == STANCE,
        )  # fmt: skip
        tr[T_L] = env[0]
        tr[T_H] = env[1]
        tr[T_RREF] = env[2]
        tr[T_NZ] = env[3]
        tr[T_NS] = env[4]
        tr[T_OFF] = env[5]
        tr[T_ON] = env[6]
        tr[T_LOW] = env[7]
        tr[T_MID] = env[8]
        tr[T_OK] = env[9]
    else:
        fs[S_PBMAX] = np.nan
        fs[S_PBMIN3] = fs[S_PBMIN2]
        fs[S_PBMIN2] = fs[S_PBMIN]
        fs[S_PBMIN] = np.nan
    tr[T_BMIN] = np.inf
    tr[T_BMAX] = -np.inf
    tr[T_BCNT] = 0.0
    fs[S_NFAR] = 0.0
    # the sensors' baselines under the sum's rule for a far block minimum (gp)
    if wide:  # a page's sensors eight at a time (an insole's foot)
        for k in range(0, n_lanes, PAGE):
            envelopes8(tr, column(k), ep, gp)
    else:  # the sensors four at a time, in vectors
        for k in range(0, n_lanes, LANES):
            envelopes4(tr, column(k), ep, gp)
    if tr[T_OK] == 0.0 and st != UNKNOWN:
        # the levels became unusable (range within the noise): state unknown
        if st >= STANCE:
            n_out = emit(
                fs, tr, nk, st == ENDING, fs[S_PREV_T], fs[S_INDEX] - 1.0, out_f, out_i,
                n_out, p,
            )  # fmt: skip
        fs[S_STATE] = UNKNOWN
        fs[S_PRE] = 0.0
    return n_out
