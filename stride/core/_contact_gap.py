"""Contact detection kernels (private): the state the rule for missing samples forgets.

Missing samples (NaN, or a time step above ``gap_factor / fs``) cut the foot's signal in
the scan (:mod:`stride.core._contact_scan`), and so does a known break, a sensor box that
restarted (:mod:`stride.core.contact_breaks`, from Python between two parts of a chunk).
Both emit the contact open, if any, then call :func:`forget`: one definition of what the
cut forgets, so the two cannot drift apart (a reset added to it, or removed, changes both;
that some resets change no contact while the state is unknown would hide a copy's drift).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stride.core._contact_layout import R_LOADED, R_PRE, R_PREV, T_LOADED, T_PRE, T_PREV, column
from stride.core._contact_state import (
    LOAD_UNKNOWN,
    S_BREAKS,
    S_GAP_FLAG,
    S_PRE,
    S_PREV_T,
    S_STATE,
    UNKNOWN,
)
from stride.core._kernel_options import PY_ENTRY


@njit(cache=True, inline="always", **PY_ENTRY)
def forget(fs: np.ndarray, tr: np.ndarray, nk: int) -> None:
    """After the contact the cut ended is emitted (``fs``/``tr``: the foot's state, ``nk``
    its sensors): the cut counted, the state unknown, the next contact marked
    ``gap_before``, the previous sample and the sensors' load states forgotten.

    Inlined into the scan by numba (``inline="always"``): the scan's frame and the hot
    loop's spills stay as with the resets written in it (left to LLVM's inlining, the
    frame took 32 bytes more and every spill moved); called from Python, compiled alone."""
    fs[S_BREAKS] += 1.0
    fs[S_STATE] = UNKNOWN
    fs[S_PRE] = 0.0
    fs[S_GAP_FLAG] = 1.0
    fs[S_PREV_T] = np.nan
    tr[T_PREV] = np.nan
    tr[T_LOADED] = LOAD_UNKNOWN
    tr[T_PRE] = 0.0
    for k in range(nk if nk > 1 else 0):
        ck = column(k)
        tr[ck + R_PREV] = np.nan
        tr[ck + R_LOADED] = LOAD_UNKNOWN
        tr[ck + R_PRE] = 0.0
