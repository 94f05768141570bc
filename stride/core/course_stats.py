"""Course mode's weighted statistics (:mod:`stride.core.course_fit`'s laws): weighted
medians, robust spreads and least-squares slopes of a few hundred steps, taken round
after round by every learning. Each is one call of a small numba kernel
(:mod:`stride.core._course_kernels`) giving the float numpy gives (the same sorts, running
sums and pairwise sums); where a kernel would not (a NaN, a negative or infinite weight,
arrays of another type or layout) the numpy code here takes it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from stride.core.course_segment import (
    MAX_STEP_EVIDENCE,
    STEP_TIME_DOF,
    course_kernels,
    phase_evidence,
    step_evidence,
)

Floats = NDArray[np.float64]
#: no order (numpy sorts; the kernels never sort values of their own, whose compiled sort
#: would cost a first run seconds)
_NO_ORDER = np.empty(0, np.int64)
_INT64, _FLOAT64 = np.dtype(np.int64), np.dtype(np.float64)


def _fits(*arrays: NDArray[np.generic]) -> bool:
    """Whether the kernels take these arrays as they are: float64 (the last one: an order,
    int64), one-dimensional, C-contiguous (one compiled variant)."""
    order = arrays[-1]
    if order.dtype != _INT64 or order.ndim != 1 or not order.flags.c_contiguous:
        return False
    for a in arrays[:-1]:
        if a.dtype != _FLOAT64 or a.ndim != 1 or not a.flags.c_contiguous:
            return False
    return True


def median_sd(
    x: Floats,
    w: Floats,
    order: NDArray[np.intp] | None = None,
    median: float | None = None,
    want_sd: bool = True,
) -> tuple[float, float]:
    """:func:`weighted_median` of ``x`` weighted by ``w`` (``median``, when at hand) and,
    with ``want_sd``, :func:`weighted_sd` about it (NaN without)."""
    o = x.argsort(kind="stable") if order is None and (want_sd or median is None) else order
    o = _NO_ORDER if o is None else o
    if _fits(x, w, o) and (median is None or not math.isnan(median)):
        kernel = course_kernels().kernels.course_median_sd
        m, sd, ok = kernel(x, w, o, math.nan if median is None else median, want_sd)
        if ok:
            return m, sd
    m = _median(x, w, order) if median is None else median
    return m, (1.4826 * _median(np.abs(x - m), w) if want_sd else math.nan)


def _median(x: Floats, w: Floats, order: NDArray[np.intp] | None = None) -> float:
    """numpy's weighted median: the smallest ``x`` with at least half the total weight at
    or below it."""
    order = x.argsort(kind="stable") if order is None else order
    c = w[order].cumsum()
    return float(x[order[int(c.searchsorted(0.5 * c[-1]))]])


def weighted_median(x: Floats, w: Floats, order: NDArray[np.intp] | None = None) -> float:
    """The smallest ``x`` with at least half the total weight at or below it (``order``:
    ``x``'s stable argsort, when at hand: several weights of one ``x`` share one sort)."""
    return median_sd(x, w, order, want_sd=False)[0]


def weighted_sd(
    x: Floats, w: Floats, order: NDArray[np.intp] | None = None, median: float | None = None
) -> float:
    """Robust SD (1.4826 x the weighted median absolute deviation); ``order`` as in
    :func:`weighted_median`, ``median``: the weighted median, when at hand."""
    return median_sd(x, w, order, median)[1]


def slopes(x: Floats, y: Floats, w: Floats, q: Floats) -> tuple[float, float, float]:
    """:func:`slope` weighted by ``w`` (the slope alone) and by ``q`` (slope, standard
    error), in one kernel call."""
    if not _fits(x, y, w, q, _NO_ORDER) or not x.size == y.size == w.size == q.size:
        return slope(x, y, w)[0], *slope(x, y, q)
    bw, vw, bq, res, vq, total = course_kernels().kernels.course_slopes(x, y, w, q)
    if not vq > 0:
        own, se = 0.0, math.inf
    else:
        own = min(max(bq, 0.0), 1.0)
        se = math.sqrt(res / vq) / total
    return (min(max(bw, 0.0), 1.0) if vw > 0 else 0.0), own, se


def slope(x: Floats, y: Floats, w: Floats) -> tuple[float, float]:
    """Least-squares slope of ``y`` on ``x`` weighted by ``w`` (its sum: the points), held
    between 0 and 1, and its standard error (inf without a spread of ``x``)."""
    total = w.sum()
    # weighted means as np.average takes them (the products' sum over the weights' sum)
    dx, dy = x - (x * w).sum() / total, y - (y * w).sum() / total
    var = float((dx**2 * w).sum() / total)
    cov = float((dx * dy * w).sum() / total)
    if not var > 0:
        return 0.0, math.inf
    b = cov / var  # and its standard error
    return min(max(b, 0.0), 1.0), math.sqrt(float(((dy - b * dx) ** 2 * w).sum()) / var) / total


#: a foot whose phase is weighed: its steps (a mask, or their rows), their phase ratios
#: beyond the step time, the phase law's spread and the turn law's centre (one, or each
#: step's)
Foot = tuple["NDArray[np.bool_] | NDArray[np.intp]", Floats, float, "Floats | float"]


def turn_evidence(
    ratio: Floats, walk_spread: float, turn_mean: float, turn_spread: float, feet: list[Foot]
) -> Floats:
    """Each step's evidence of turning: its step time's
    (:func:`~stride.core.course_segment.step_evidence`) plus, for the steps of ``feet``,
    its phase's (:func:`~stride.core.course_segment.phase_evidence`), bounded together as
    one step's (:data:`~stride.core.course_segment.MAX_STEP_EVIDENCE`): the same floats,
    in two kernel calls and numpy's ``log1p`` of their terms at once."""
    if not (ratio.dtype == np.float64 and ratio.ndim == 1):
        ev = step_evidence(ratio, walk_spread, turn_mean, turn_spread)
        for mine, own, spread, centre in feet:
            ev[mine] += phase_evidence(own, spread, centre)
        return np.clip(ev, -MAX_STEP_EVIDENCE, MAX_STEP_EVIDENCE) if feet else ev
    evidence = course_kernels().evidence
    n = ratio.size
    ratio = np.array(ratio)  # C-contiguous and writable: one compiled variant
    own_all, centre_all, spread_all = np.full(n, np.nan), np.ones(n), np.ones(n)
    weighed = np.zeros(n, np.bool_)
    for mine, own, spread, centre in feet:
        own_all[mine], centre_all[mine], spread_all[mine] = own, centre, spread
        weighed[mine] = True
    nu = STEP_TIME_DOF
    terms = evidence.course_evidence_terms(
        ratio, own_all, centre_all, spread_all, weighed, turn_mean, turn_spread, walk_spread, nu
    )
    np.log1p(terms, out=terms)
    log_spreads = float(np.log(walk_spread / turn_spread))
    return evidence.course_evidence_sum(
        terms, ratio, own_all, weighed, log_spreads, 0.5 * (nu + 1), MAX_STEP_EVIDENCE
    )


def ratio_spread(ratio: NDArray[np.float64], slow: NDArray[np.bool_]) -> float:
    """Robust SD (1.4826 MAD) of the walking steps' step-time ratios: how far a walking
    step's time strays from its neighbours' in this walker (course mode's threshold alone,
    :func:`~stride.core.course.unclear_ends`)."""
    r = ratio[np.isfinite(ratio) & ~slow]
    if r.size < 2:
        return 0.0
    return float(1.4826 * np.median(np.abs(r - np.median(r))))
