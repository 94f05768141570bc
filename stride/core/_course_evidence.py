"""numba kernels of course mode's evidence of turning (private: called through
:func:`stride.core.course_stats.turn_evidence`, whose tests check it against
:func:`~stride.core.course_segment.step_evidence` and
:func:`~stride.core.course_segment.phase_evidence`).

numpy's ``log1p`` is not libm's (on vector units it is another implementation, a unit in
the last place apart now and then), so the logs are left to numpy: one kernel lays out
their arguments, numpy takes the logs in place, the other combines them; each step's
operations as the numpy code does them, in the same order.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._kernel_options import JIT_ONLY, PY_ENTRY


@njit(cache=True, **JIT_ONLY)
def _clip(x: float, lo: float, hi: float) -> float:
    """``np.clip``'s float: the larger of ``x`` and ``lo`` (``x`` when NaN), then the
    smaller of that and ``hi`` (NaN when either is)."""
    v = x if (np.isnan(x) or x > lo) else lo
    return v if (np.isnan(v) or v < hi) else hi


@njit(cache=True, **PY_ENTRY)
def course_evidence_terms(
    ratio: NDArray[np.float64],
    own: NDArray[np.float64],
    centre: NDArray[np.float64],
    spread: NDArray[np.float64],
    weighed: NDArray[np.bool_],
    turn_mean: float,
    turn_spread: float,
    walk_spread: float,
    dof: float,
) -> NDArray[np.float64]:
    """Each step's four ``log1p`` arguments: rows 0 and 1 its step-time ratio's under the
    turn and the walking law (the ratio held within [1, ``turn_mean``], unknown as 1);
    rows 2 and 3, where ``weighed``, its phase's (``own``) under the walking and the turn
    law (held between 1 and its ``centre``, unknown as 1; ``spread``: its foot's), else 0."""
    n = ratio.size
    out = np.zeros((4, n))
    for i in range(n):
        x = ratio[i]
        r = _clip(1.0 if np.isnan(x) else x, 1.0, turn_mean)
        a = (r - turn_mean) / turn_spread
        b = (r - 1.0) / walk_spread
        out[0, i] = a * a / dof
        out[1, i] = b * b / dof
        if weighed[i]:
            c = centre[i]
            lo = c if np.isnan(c) or not c >= 1.0 else 1.0  # np.minimum(1.0, c)
            hi = c if np.isnan(c) or not c <= 1.0 else 1.0  # np.maximum(1.0, c)
            p = own[i]
            r = _clip(1.0 if np.isnan(p) else p, lo, hi)
            a = (r - 1.0) / spread[i]
            b = (r - c) / spread[i]
            out[2, i] = a * a / dof
            out[3, i] = b * b / dof
    return out


@njit(cache=True, **PY_ENTRY)
def course_evidence_sum(
    logs: NDArray[np.float64],
    ratio: NDArray[np.float64],
    own: NDArray[np.float64],
    weighed: NDArray[np.bool_],
    log_spreads: float,
    weight: float,
    bound: float,
) -> NDArray[np.float64]:
    """Each step's evidence from its terms' logs (:func:`course_evidence_terms`, logs
    taken): ``log_spreads - weight * logs[0] + weight * logs[1]`` held within
    +-``bound`` (0 for an unknown ratio), plus where ``weighed`` ``weight * (logs[2] -
    logs[3])`` held so too (0 for an unknown phase), the sum held so again."""
    n = ratio.size
    out = np.empty(n)
    for i in range(n):
        v = _clip(log_spreads - weight * logs[0, i] + weight * logs[1, i], -bound, bound)
        v = 0.0 if np.isnan(ratio[i]) else v
        if weighed[i]:
            p = _clip(weight * (logs[2, i] - logs[3, i]), -bound, bound)
            v = v + (0.0 if np.isnan(own[i]) else p)
        out[i] = _clip(v, -bound, bound)
    return out
