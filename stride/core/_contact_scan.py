"""Contact detection kernels, part 2: the scan (private).

:func:`scan` runs one foot's samples through the contact rules. Between events (a level
crossed, NaN, a gap), samples only move running values: block extremes, the contact's and
the candidate's force sums, the count of swing samples. So the scan goes from quiet run
to quiet run, each read at once (:mod:`~stride.core._contact_runs`; their summaries for
the common layouts, :mod:`~stride.core._contact_sums`), and puts the event sample between
two through every rule (:mod:`~stride.core._contact_rules`); every ``block`` samples it
updates the envelopes and levels (:mod:`~stride.core._contact_block_end`). Updates happen
in the same order either way (integer sums are exact), so the results equal the
per-sample rules bit for bit, for any chunking (tests compare them with a plain-Python
reference).

Those parts are functions numba inlines into the scan (``inline="always"``), not
functions it calls: every call of a numba function with array arguments costs atomic
reference counts (about 100 ns, more than the rest of an event), and the state arrays are
read and written in place for the same reason. numba's inlining splices a part's IR into
the scan's before typing, so a part is typed and compiled as the scan's own code, once per
scan signature (each part has one call site: nothing is typed twice); the copies of the
array arguments it leaves, each with its reference counts, are removed by the scan's
compiler (:mod:`~stride.core._contact_inlining`). The machine code is the one of the scan
written as one function: float32, int16 and float64 alike, it calls only the rare steps'
helpers, which take arrays (a contact opened or emitted, a lift: ``emit``,
``open_contact``, ``lift``, ``onset_time``, ``_next_bad_step``); the helpers taking scalars
(bounds, envelopes, crossings, a heel + toe sample's update) are plain functions that LLVM
inlines.

Compile time (a first run waits for it): numba compiles a helper once per distinct set of
argument types, and a literal ``True``, ``False`` or ``0`` argument is a type of its own,
so the helpers get run-time values (``yes``/``no``, ``np.int64(0)``), never literals; and
the dtype test is :func:`~stride.core._contact_bounds.is_integer`, a constant, not a string
search compiled into the kernel. The integer summaries are not compiled at all for float
forces: their caller passes ``xw=None`` then, and numba prunes a branch on ``xw is not None``
by the argument's type before typing it (an eighth of the scan's typed variables fewer);
nor the float summaries for integer forces (the scan's compiler decides ``xw is None`` for
an array before typing: :mod:`~stride.core._contact_inlining`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from numba import njit

from stride.core._contact_block_end import block_end
from stride.core._contact_bounds import _next_bad_step, is_float32, is_integer
from stride.core._contact_cells import adjacent
from stride.core._contact_cellstate import CELLS, cell_sum
from stride.core._contact_gap import forget
from stride.core._contact_layout import LANES, PAGE, column
from stride.core._contact_rules import foot_rules, sensor_rules
from stride.core._contact_runs import NEAR, commit, last_inside, quiet_bounds, walk
from stride.core._contact_state import (
    BIG,
    ENDING,
    P_BASE_N,
    P_BLOCK,
    P_DEEP,
    P_DIP,
    P_GAP_DT,
    P_HOLD,
    P_JUMP,
    P_LOAD_N,
    P_MIN_SWING,
    P_ONSET_BACK,
    P_TOUCH,
    S_ABOVE,
    S_ACC,
    S_BELOW,
    S_BPOS,
    S_CAND_ACC,
    S_INDEX,
    S_LIFTED,
    S_PRE,
    S_PREV_T,
    S_STATE,
    STANCE,
    SWING,
    UNKNOWN,
    emit,
    envelope_params,
)
from stride.core._contact_sums import row_sums, summary_quiet, vector_sums, word_sums
from stride.core._kernel_options import PY_ENTRY


def scan_pipeline() -> dict[str, Any]:
    """The scan's compiler: :class:`~stride.core._contact_inlining.ScanCompiler` (the parts
    inlined without copies) where this numba has the parts of its pipeline that compiler
    builds on, else numba's own: the same results (the parts are inlined either way), with
    the parts' reference counts in the loop and a longer compile. ``STRIDE_SCAN_PIPELINE=numba``
    asks for numba's own (a test compares the two; give it an empty ``NUMBA_CACHE_DIR``,
    as numba's cache does not tell the two compilers' code apart)."""
    if os.environ.get("STRIDE_SCAN_PIPELINE") == "numba":
        return {}
    try:
        from stride.core._contact_inlining import ScanCompiler, usable
    except (ImportError, AttributeError):  # a numba whose internals moved
        return {}
    return {"pipeline_class": ScanCompiler} if usable() else {}


@njit(cache=True, nogil=True, **scan_pipeline(), **PY_ENTRY)
def scan(
    t: np.ndarray,
    x: np.ndarray,
    cols: np.ndarray,
    start: int,
    p: np.ndarray,
    tr: np.ndarray,
    fs: np.ndarray,
    out_f: np.ndarray,
    out_i: np.ndarray,
    xw: np.ndarray | None,
    bads: np.ndarray,
) -> tuple[int, int]:
    """Run one foot over samples ``start..`` of a chunk.

    ``xw``: the rows of ``x`` as 64-bit words when ``x`` is little-endian int16 with four
    columns (a view, no copy), else empty for integer ``x`` and None for float ``x``;
    ``bads``: the bad time steps of ``t`` then ``len(t)`` (``contacts.bad_steps``: the
    scan's ``start`` <= -2 below) when already found for another foot, else empty (then
    found here, ahead, as the scan goes).
    Returns ``(rows written, next sample)``; the caller calls again while next < len(t)
    (output full). A time that is not finite or does not increase returns ``(-1, i)``.
    ``start`` -1: the end of the stream instead (no sample is read: ``t`` and ``x`` may be
    empty): a contact still in stance is cut by the record's end (incomplete), one whose
    swing had begun ends at its final contact; returns ``(rows written, len(t))``.
    ``start`` -2 - k (k >= 1): the bad time steps of ``t`` from k on instead (each ``k``
    whose step ``t[k] - t[k-1]`` is not in (0, gap]), into ``out_i[:, 0]`` while it has
    room; returns ``(steps written, where to go on)``. These are modes of the scan, not
    kernels of their own: each kernel costs a first run its compile and every run the
    loading of its cached code (milliseconds each).
    """
    n = t.shape[0]
    nk = cols.shape[0]
    multi = nk > 1
    # the sensors' block ends in vectors, the page's padding columns too (trackers
    # without samples: left as they are): four at a time (envelopes4), or a page of eight
    # at a time for more than four sensors (envelopes8: an insole's foot in one call)
    wide = nk > LANES
    width = PAGE if wide else LANES
    n_lanes = -(-nk // width) * width if multi else 0
    cap = out_f.shape[0]
    n_out = int(np.int64(0))  # int64, not the literal 0: see the module docstring
    block = int(p[P_BLOCK])
    gap_dt = p[P_GAP_DT]
    min_swing = p[P_MIN_SWING]
    touch_rule = p[P_TOUCH] != 0.0
    base_n = int(p[P_BASE_N])
    load_n = int(p[P_LOAD_N])
    hold = p[P_HOLD] != 0.0
    jump = p[P_JUMP]
    back_most = p[P_ONSET_BACK]
    deep_rule = p[P_DEEP] != 0.0
    dip_rule = p[P_DIP] != 0.0
    # flags for the helpers as run-time bools: a literal True or False would compile the
    # helper once more (see the module docstring)
    yes = n >= 0
    no = not yes
    integer_values = is_integer(x)
    float32_values = is_float32(x)
    # eight float32 cells side by side: summarised four rows at a time in vectors
    cells = float32_values and adjacent(cols, x.strides[1])
    # bounds of each sensor's values in a quiet run: rows 0..nk-1, then extremes found
    qb = np.empty((nk, 4), np.float64)
    # eight cells' bounds and extremes, a row each (their vectors: _contact_cellstate)
    cq = np.empty((4, CELLS), np.float64)
    cells_at = column(np.int64(0))  # their trackers (int64, not the literal 0: see above)
    ep = envelope_params(p)
    # the sensors' baselines under the sum's rule for a far block minimum (read once: in
    # the loop LLVM reads ``p`` again at each block end, the state arrays' stores before
    # it may have written it)
    gp = (p[P_JUMP], p[P_BASE_N] - 1.0)
    c0 = cols[0]
    c1 = cols[nk - 1]
    sh0 = 48 - 16 * c0
    sh1 = 48 - 16 * c1
    uc0 = np.uint64(c0)
    uc1 = np.uint64(c1)
    near_event = True
    stale = True  # the quiet bounds need computing (after an event or a block's end)
    lo = hi = 0.0
    bad_step = start  # the first bad time step at or after i + 1 (once looked up)
    shared_bads = bads.shape[0] > 0
    bp = 0
    i = start
    if start < -1:
        k = -2 - start
        while k < n and n_out < out_i.shape[0]:
            k = _next_bad_step(t, k, n, gap_dt)
            if k < n:
                out_i[n_out, 0] = k
                n_out += 1
                k += 1
        return n_out, k
    if start < 0:
        st = fs[S_STATE]
        if st >= STANCE:  # a contact is open
            n_out = emit(
                fs, tr, nk, st == ENDING, fs[S_PREV_T], fs[S_INDEX] - 1.0, out_f, out_i,
                n_out, p,
            )  # fmt: skip
        fs[S_STATE] = UNKNOWN
        return n_out, n
    while i < n:
        if n_out + 3 >= cap:
            return n_out, i
        if bad_step <= i:
            if shared_bads:
                while bads[bp] <= i:  # ends at the sentinel n > i
                    bp += 1
                bad_step = int(bads[bp])
            else:
                bad_step = _next_bad_step(t, i + 1, n, gap_dt)
        st = fs[S_STATE]
        pre = fs[S_PRE]
        above = fs[S_ABOVE]
        # a run stops at the block's end and before the next bad time step (an event)
        limit = i + block - int(fs[S_BPOS])
        limit = n if n < limit else limit
        limit = bad_step if bad_step < limit else limit
        counting = st == ENDING and above == 0.0
        if counting:
            # ending: the sample that completes the swing is an event
            room = int(min_swing - fs[S_BELOW]) - 1
            room = i + (room if room > 0 else 0)
            limit = room if room < limit else limit
        in_contact = st >= STANCE  # STANCE or ENDING: a contact is open
        # the candidate's sums run while above the onset level in swing or after a lift
        tracking = pre != 0.0 and (st == SWING or (st == ENDING and fs[S_LIFTED] != 0.0))
        tp = fs[S_PREV_T]
        j = i
        run_min = BIG
        run_max = -BIG
        acc_c = fs[S_ACC]  # the contact's running sum ...
        acc_d = fs[S_CAND_ACC]  # ... and the candidate's (float input: in sample order)
        if limit > i and tp == tp:
            # a quiet run (_contact_runs): summarised at once, or walked to its first event
            if stale:
                stale = False
                lo, hi = quiet_bounds(
                    tr, fs, st, pre, above, jump, cells, multi, nk, cells_at, cq, qb
                )
            quiet = False
            summarise = not near_event
            if summarise:
                summarise = last_inside(
                    x, limit - 1, cols, nk, multi, cells, c0, c1, uc0, qb, cq, lo, hi
                )
            if summarise:
                # (_contact_sums)
                iacc = np.int64(0)
                summed = False  # whether the run's sum is in iacc (exact integers)
                if xw is not None:
                    # integer forces (float forces come with xw None: then the numba compile
                    # prunes this part, see the module docstring)
                    summed, iacc, run_min, run_max = word_sums(
                        x, xw, i, limit, nk, sh0, sh1, uc0, integer_values, qb, run_min, run_max
                    )
                paired = False
                if xw is None:
                    # float forces (xw None; for integer ones the scan's compiler drops this
                    # part before typing: an array is never None, see the module docstring)
                    paired, run_min, run_max, acc_c, acc_d = vector_sums(
                        x, i, limit, nk, c0, c1, float32_values, cells, in_contact, tracking,
                        acc_c, acc_d, run_min, run_max, qb, cq,
                    )  # fmt: skip
                if not (paired or summed):
                    run_min, run_max, acc_c, acc_d = row_sums(
                        x, i, limit, cols, nk, multi, uc0, uc1, in_contact, tracking, acc_c,
                        acc_d, run_min, run_max, qb,
                    )  # fmt: skip
                if summed:
                    acc_c += np.float64(iacc)
                    acc_d += np.float64(iacc)
                # (the step into the run tested after the summaries: live across the int16
                # heel + toe loop, it took a register there, and LLVM shuffled the loop's
                # values through the others at every row, a spill among them)
                d0 = t[i] - tp
                step_ok = d0 > 0.0 and d0 <= gap_dt
                quiet = summary_quiet(
                    step_ok, run_min, run_max, lo, hi, acc_c, nk, multi, cells, qb, cq
                )
            if quiet:
                j = limit
            else:
                j, run_min, run_max, acc_c, acc_d, near_event = walk(
                    t, x, i, limit, near_event, tp, gap_dt, fs, cols, nk, multi, cells, c0, c1,
                    qb, cq, lo, hi,
                )  # fmt: skip
        m = j - i
        if m > 0:
            commit(
                t, x, j, m, fs, tr, in_contact, tracking, counting, acc_c, acc_d, run_min,
                run_max, cols, nk, multi, cells, c0, cells_at, qb, cq,
            )  # fmt: skip
            i = j
        else:
            # ---- rules: one event sample, every rule applied (as the reference) ----
            # the cells' quiet bounds still hold for this sample's state (computed after
            # the last event or block end): only the cells outside them can change state
            quick = cells and not stale
            near_event = True
            stale = True
            ti = t[i]
            gi = fs[S_INDEX]
            if cells:  # (the same sum, its additions fewer deep: _contact_cellstate)
                s = cell_sum(x, c0, i)
            else:
                s = 0.0
                for k in range(nk):
                    s += np.float64(x[i, cols[k]])
            if (tp == tp and ti <= tp) or ti != ti or abs(ti) == np.inf:
                return -1, i
            valid = s == s and abs(s) != np.inf
            if (not valid) or (tp == tp and ti - tp > gap_dt):
                # missing samples: cut an open contact, forget the previous sample (the
                # resets: forget, as a known break's, stride.core.contact_breaks)
                if in_contact:
                    n_out = emit(fs, tr, nk, st == ENDING, tp, gi - 1.0, out_f, out_i, n_out, p)
                forget(fs, tr, nk)
                tp = np.nan
                st = UNKNOWN
                in_contact = False
                quick = False  # the sensors' state was reset: the bounds no longer hold
            if valid:
                # (_contact_rules)
                if multi:
                    sensor_rules(
                        x, i, cols, nk, c0, quick, cells_at, cq, fs, tr, p, in_contact, tp, ti,
                        gi,
                    )  # fmt: skip
                n_out = foot_rules(
                    s, st, in_contact, tp, ti, gi, fs, tr, p, nk, out_f, out_i, n_out, jump,
                    min_swing, touch_rule, deep_rule, dip_rule, back_most, yes, no,
                )  # fmt: skip
            fs[S_INDEX] = gi + 1.0
            fs[S_BPOS] += 1.0
            i += 1
        if fs[S_BPOS] >= block:
            # the block's end: each tracker's envelopes and levels (_contact_block_end)
            stale = True
            n_out = block_end(
                fs, tr, p, nk, jump, base_n, load_n, hold, ep, gp, n_lanes, wide, out_f, out_i,
                n_out,
            )  # fmt: skip
    return n_out, i


# names kept importable from here: the walk's setting, the bad steps' search
__all__ = ["NEAR", "_next_bad_step", "scan"]
