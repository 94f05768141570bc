"""Course mode's statistics as first written, one call per foot, window, weight or segment
length: slow, obviously correct references for the batched versions in
:mod:`stride.core.step_ratios`, :mod:`stride.core.course_fit`,
:mod:`stride.core.course_segment`, :mod:`stride.core.course_weights` and
:mod:`stride.core.course`, which must give the same floats, bit for bit."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from test_course_segment import _posterior_loops  # type: ignore[import-not-found]

from stride.core.course_fit import Phases, own_phase
from stride.core.course_segment import MIN_PHASE_SPREAD, MIN_TURN_SPREAD, MIN_WALK_SPREAD, Posterior
from stride.core.steps import FLAG_ALTERNATION, FLAG_GAP, FLAG_STOP, StepTable

SLOW_REFERENCE = 1.25
Array = np.ndarray


def running_median(x: Array, window: int) -> Array:
    if x.size == 0:
        return np.empty(0)
    padded = np.concatenate([np.full(window, np.nan), x, np.full(window, np.nan)])
    padded[~np.isfinite(padded)] = np.nan
    views = sliding_window_view(padded, 2 * window + 1)
    out = np.full(x.size, np.nan)
    some = np.isfinite(views).any(axis=1)
    if some.any():
        ordered = np.sort(views[some], axis=1)
        m = np.isfinite(ordered).sum(axis=1)
        rows = np.arange(ordered.shape[0])
        out[some] = 0.5 * (ordered[rows, (m - 1) // 2] + ordered[rows, m // 2])
    return out


def over_walking(x: Array, side: Array, walking: Array, window: int, out: Array) -> None:
    for code in (0, 1):
        idx = np.flatnonzero(side == code)
        v = x[idx]
        ref = running_median(np.where(walking[idx], v, np.nan), window)
        ok = np.isfinite(ref) & np.isfinite(v) & (ref > 0)
        out[idx[ok]] = v[ok] / ref[ok]


def step_ratios(table: StepTable, window: int = 4, walking: Array | None = None) -> Array:
    st = table["step_time_s"]
    paused = ~np.isfinite(st) & ((table.flags & FLAG_STOP) != 0) & ((table.flags & FLAG_GAP) == 0)
    ratio = np.where(paused, np.inf, np.nan)
    given = walking is not None
    walking = np.ones(st.shape[0], dtype=np.bool_) if walking is None else walking
    for _ in range(1 if given else 2):
        over_walking(st, table.side, walking, window, ratio)
        with np.errstate(invalid="ignore"):
            walking = ~(ratio > SLOW_REFERENCE)
    return ratio


def phase_ratios(table: StepTable, window: int = 4, walking: Array | None = None) -> Array:
    st, sw = table["step_time_s"], table["swing_s"]
    with np.errstate(invalid="ignore", divide="ignore"):
        walked = np.isfinite(st) & np.isfinite(sw) & (sw > 0) & (sw < st)
        share = np.where(walked, sw / st, np.nan)
        if walking is None:
            walking = ~(step_ratios(table, window) > SLOW_REFERENCE)
    out = np.full(st.shape[0], np.nan)
    over_walking(share, table.side, walking, window, out)
    return out


def swing_ratios(table: StepTable, window: int = 4, walking: Array | None = None) -> Array:
    if walking is None:
        with np.errstate(invalid="ignore"):
            walking = step_ratios(table, window) <= SLOW_REFERENCE
    out = np.full(len(table), np.nan)
    with np.errstate(invalid="ignore"):
        sw = np.where(
            np.isfinite(table["swing_s"]) & (table["swing_s"] > 0), table["swing_s"], np.nan
        )
    over_walking(sw, table.side, walking, window, out)
    return out


def weighted_median(x: Array, w: Array) -> float:
    order = np.argsort(x, kind="stable")
    c = np.cumsum(w[order])
    return float(x[order][int(np.searchsorted(c, 0.5 * c[-1]))])


def weighted_sd(x: Array, w: Array) -> float:
    return 1.4826 * weighted_median(np.abs(x - weighted_median(x, w)), w)


def step_laws(
    ratio: Array, turning: Array, slow_factor: float, prep: object = None
) -> tuple[float, ...] | None:
    """(``prep``, what the fast one takes already at hand, is not used.)"""
    ok = np.isfinite(ratio)
    r, q = ratio[ok], turning[ok]
    if q.sum() <= 0 or (1 - q).sum() <= 0:
        return None
    walk = max(weighted_sd(r, 1 - q), MIN_WALK_SPREAD)
    mean = max(weighted_median(r, q), slow_factor)
    return walk, mean, max(weighted_sd(r, q), MIN_TURN_SPREAD * walk)


def _slope(x: Array, y: Array, w: Array) -> tuple[float, float]:
    """The weighted least-squares slope held within [0, 1], and its standard error."""
    mx, my = np.average(x, weights=w), np.average(y, weights=w)
    var = float(np.average((x - mx) ** 2, weights=w))
    cov = float(np.average((x - mx) * (y - my), weights=w))
    if not var > 0:
        return 0.0, np.inf
    b = cov / var
    residual = float(np.sum((y - my - b * (x - mx)) ** 2 * w))
    return min(max(b, 0.0), 1.0), np.sqrt(residual / var) / np.sum(w)


def foot_phase_laws(
    phase: Array, ratio: Array, turning: Array, turn_slope: bool = False
) -> tuple[float, float, float, float]:
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(phase) & np.isfinite(ratio) & (phase > 0) & (ratio > 0)
    q = turning[ok]
    if q.sum() <= 0 or (1 - q).sum() <= 0:
        return (0.0, 1.0, 0.0, 0.0)
    x, y, w = np.log(ratio[ok]), np.log(phase[ok]), 1 - q
    slope = _slope(x, y, w)[0]
    own, se = _slope(x, y, q)
    tslope = own if turn_slope and own < slope - 2.0 * se else slope
    r = own_phase(phase[ok], ratio[ok], slope)
    t = own_phase(phase[ok], ratio[ok], tslope)
    spread = max(weighted_sd(r, 1 - q), weighted_sd(t, q), MIN_PHASE_SPREAD)
    return spread, weighted_median(t, q), slope, tslope


def count_laws(counts: Array) -> tuple[float, float]:
    d = np.arange(counts.size, dtype=float)
    return weighted_median(d, counts), weighted_sd(d, counts)


def posterior(evidence: Array, pass_lp: Array, turn_lp: Array) -> Posterior | None:
    """The forward-backward sums one segment length at a time (test_course_segment's)."""
    loops = _posterior_loops(evidence, pass_lp, turn_lp)
    return None if loops is None else Posterior(*loops)


def turn_rows(slow: Array, turn_steps: int) -> Array:
    turn = np.zeros(slow.shape[0], dtype=np.bool_)
    start = None
    for i, s in enumerate([*slow.tolist(), False]):
        if s and start is None:
            start = i
        elif not s and start is not None:
            if i - start >= turn_steps or i == slow.shape[0]:
                turn[start:i] = True
            start = None
    return turn


def threshold_passes(
    table: StepTable, ratio: Array, slow_factor: float, turn_steps: int
) -> list[tuple[list[int], float, float, bool, bool]]:
    """(rows, start, end, closed, missing data) of each pass."""
    n = len(table)
    with np.errstate(invalid="ignore"):
        turn = turn_rows(ratio > slow_factor, turn_steps)
    broken = (table.flags & (FLAG_GAP | FLAG_ALTERNATION)) != 0
    ic = table["ic_s"]
    out = []
    i = 0
    while i < n:
        if turn[i]:
            i += 1
            continue
        j = i
        while j < n and not turn[j]:
            j += 1
        start = float(ic[i - 1]) if i > 0 else float(ic[i])
        closed = j < n and int(np.argmin(np.append(turn[j:], False))) >= turn_steps
        out.append((list(range(i, j)), start, float(ic[j - 1]), closed, bool(broken[i:j].any())))
        i = j
    return out


def step_weights(table: StepTable, rows: Array, slow: Array) -> tuple[Array, Array]:
    t = table["step_time_s"][rows]
    own = np.isfinite(t) & ~slow[rows]
    side = table.side[rows]
    fallback = float(np.median(t[own])) if own.any() else 1.0
    w = np.full(rows.shape[0], fallback)
    for code in (0, 1):
        mine = own & (side == code)
        w[side == code] = float(np.median(t[mine])) if mine.any() else fallback
    return w, own


def phase_laws(
    phase: Phases | None, ratio: Array, turning: Array, turn_slope: bool = False
) -> tuple[tuple[float, float], ...]:
    if phase is None:
        return (0.0, 0.0), (1.0, 1.0), (0.0, 0.0), (0.0, 0.0)
    left, right = (
        foot_phase_laws(phase.ratio[m], ratio[m], turning[m], turn_slope)
        for m in (phase.side == 0, phase.side == 1)
    )
    return tuple((left[k], right[k]) for k in range(4))


class WalkingReadings:
    """:class:`stride.core.step_ratios.WalkingReadings` as two separate calls."""

    def __init__(self, table: StepTable, phases: bool, window: int = 4) -> None:
        self.table, self.phases, self.window = table, phases, window

    def __call__(self, walking: Array) -> tuple[Array, Array | None]:
        ratio = step_ratios(self.table, self.window, walking)
        return ratio, phase_ratios(self.table, self.window, walking) if self.phases else None


def _logsumexp(x: list[float]) -> float:
    """log(sum(exp(x))) as course mode's kernels first took it: the largest term out, every
    term's exp added in order (libm's exp and log, as the kernels call them)."""
    top = max(x, default=-math.inf)
    if top == -math.inf:
        return -math.inf
    s = 0.0
    for v in x:
        s += math.exp(v - top)
    return top + math.log(s)


def course_forward(cum: Array, pass_lp: Array, turn_lp: Array) -> tuple[Array, Array]:
    """The forward sums as first written (``_course_kernels.course_forward``), in Python."""
    c, plp, tlp = cum.tolist(), pass_lp.tolist(), turn_lp.tolist()
    n = len(c) - 1
    fw, ft = [-math.inf] * (n + 1), [-math.inf] * (n + 1)
    ft[0] = 0.0
    for j in range(1, n + 1):
        fw[j] = _logsumexp([ft[i] + plp[j - i] for i in range(max(0, j - len(plp) + 1), j)])
        ft[j] = _logsumexp(
            [fw[i] + tlp[j - i] + c[j] - c[i] for i in range(max(0, j - len(tlp) + 1), j)]
        )
    return np.array(fw), np.array(ft)


def course_backward(
    cum: Array, pass_lp: Array, turn_lp: Array, pass_cut: Array, turn_cut: Array
) -> tuple[Array, Array]:
    """The backward sums as first written (``_course_kernels.course_backward``), in Python:
    every term's exp taken."""
    c, plp, tlp = cum.tolist(), pass_lp.tolist(), turn_lp.tolist()
    pcut, tcut = pass_cut.tolist(), turn_cut.tolist()
    n = len(c) - 1
    bw, bt = [-math.inf] * (n + 1), [-math.inf] * (n + 1)
    for i in range(n, -1, -1):
        left = n - i
        x = [pcut[left]] if 0 < left < len(pcut) else []
        x += [plp[j - i] + bt[j] for j in range(i + 1, min(n, i + len(plp) - 1) + 1)]
        bw[i] = _logsumexp(x)
        x = [tcut[left] + c[n] - c[i]] if 0 < left < len(tcut) else []
        x += [tlp[j - i] + c[j] - c[i] + bw[j] for j in range(i + 1, min(n, i + len(tlp) - 1) + 1)]
        bt[i] = _logsumexp(x)
    return np.array(bw), np.array(bt)


def row_sums(w: Array, first: int) -> list[float]:
    """Each row's sum over its first ``first - k`` values, one numpy call a row."""
    return [float(np.add.reduce(row[: first - k])) for k, row in enumerate(w)]


def with_turn_edges(edge: Array, w: Array, lo: int) -> Array:
    """The turn edges as first batched: the updates laid out as rows, summed down the
    columns by numpy."""
    n = edge.size - 1
    k = w.shape[0]
    steps = np.zeros((2 * k + 1, n + 1))
    steps[0] = edge
    steps[1::2, : n - 1] = w
    for row in range(k):
        d = lo + row
        steps[2 * row + 2, d:] = -w[row, : n + 1 - d]
    return np.add.reduce(steps, axis=0)
