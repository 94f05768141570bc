"""The filter a foot too noisy to trust gets before its contacts are found, from where its
running noise figure first reaches the level, in a batch analysis and a stream alike.

A foot's running figure is :func:`stride.core.noise.foot_noise` of the measured blocks so
far (what a stream's :class:`~stride.core.noise.NoiseMeter` gives after each block). From
the end of the first block whose running figure is at least ``NOISE_WARNING``
(:func:`onsets`), every channel of the foot is replaced, for the contact scan alone, by a
running median of ``median_width`` samples (the width from that figure, kept) followed by
a centred mean of ``MEAN_WIDTH`` (at ``MEAN_MIN_FS`` and above); its windows read the
samples before that point as they were. The samples before it, the other feet, and every
foot that never reaches the level are scanned as read. The gaps, the noise figures and
everything after the scan read the samples as they were.

Why these (docs/accuracy.md, "A foot too noisy to trust"): the detector's levels sit
above the unloaded band, whose height the noise sets, and where noise crosses them near a
landing or a lift contacts are split or invented. A running median keeps a monotone rise
or fall where it was, to the sample (a clean landing's initial contact is not moved by
it), while white noise's SD falls to about ``sqrt(pi / (2 n))`` of its own; under noise
a wider median moved the simulated initial contacts earlier (9 samples: about 2 ms at
1 kHz). The mean of 3 after it smooths the median's steps in the noise that is left
(about 4 points more strides within 10 ms on the gaitndd records with noise of SD 8 %,
the simulated IC error as scanned as read) and moves a clean landing by a fraction of a
sample (a wider mean moves it by milliseconds; below ``MEAN_MIN_FS`` a sample is long
enough for the mean of 3 to move the simulated ICs by 17 ms under noise, so there is
none). The median widens with the figure (noise of SD 12 % and 16 % kept more strides
at 7 and 9 samples), never over ``MAX_WIDTH_S``.

Both are centred, so the filter needs samples after the one it gives: a stream holds
every sample back from its contact scan by :func:`reach` (the widest filter's half-width)
and starts the filter where the batch does (:mod:`stride.core.denoise_stream`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from stride.core.noise import (
    _MAD_PER_SD,
    MIN_BLOCKS,
    NOISE_WARNING,
    Sums,
    foot_noise,
    sums_pairs,
)
from stride.core.signals import Channel, Side

#: the centred mean after the median (samples)
MEAN_WIDTH = 3
#: the mean is taken at this rate and above (3 samples within 15 ms)
MEAN_MIN_FS = 200.0
#: the running median's narrowest width (samples)
MIN_WIDTH = 5
#: the median widens by 2 samples for every this much of the figure above the first step
WIDTH_STEP = 0.03
#: no median wider than this (seconds; at least 3 samples)
MAX_WIDTH_S = 0.03
#: rows filtered at a time (the windows' copies stay small)
_ROWS = 1 << 15


def median_width(figure: float, fs: float) -> int:
    """The running median's width (odd) for a foot of this noise figure: 5 samples below
    twice ``WIDTH_STEP`` (noise of SD 8 % of the range reads about 6 %), 2 more for each
    step above, at most ``MAX_WIDTH_S`` of samples (at least 3)."""
    n = max(MIN_WIDTH, 2 * math.floor(figure / WIDTH_STEP) + 1)
    return min(n, _widest(fs))


def _widest(fs: float) -> int:
    """The widest running median (odd): ``MAX_WIDTH_S`` of samples, at least 3."""
    cap = max(3, math.floor(MAX_WIDTH_S * float(fs)))
    return cap - (1 - cap % 2)


def mean_width(fs: float) -> int:
    """The centred mean's width after the median: ``MEAN_WIDTH``, or 1 (none) below
    ``MEAN_MIN_FS``."""
    return MEAN_WIDTH if float(fs) >= MEAN_MIN_FS else 1


class Onset(NamedTuple):
    """Where a foot's filter starts: its first sample filtered (the end of the measured
    block after which the foot's running figure first reached ``NOISE_WARNING``), the
    running median's and the mean's widths chosen then, and the time of that block's
    last sample (seconds, the samples' clock)."""

    start: int
    median: int
    mean: int
    seconds: float


def reach(fs: float) -> int:
    """The widest filter's half-width (samples): the median's at ``MAX_WIDTH_S`` and the
    mean's. A stream holds its samples back this far from the contact scan."""
    return _widest(fs) // 2 + mean_width(fs) // 2


def onsets(
    sums: Sums,
    channels: Sequence[Channel],
    fs: float,
    time: Callable[[int], float],
    first: int = 0,
    sides: Sequence[Side] = ("L", "R"),
) -> dict[Side, Onset]:
    """The feet of ``sides`` to filter and from where: for each, the first measured block
    (the ``first``-th on) whose running figure -- :func:`~stride.core.noise.foot_noise`
    of the figures of the blocks up to it, as a :class:`~stride.core.noise.NoiseMeter`
    gives them at its end -- reaches ``NOISE_WARNING``. A batch reads its record's
    blocks at once, a stream the blocks it has (from the first not read yet): the same
    decision, whatever the chunks. ``time``: a sample's time, by its index. Only the
    blocks whose bound (:func:`_maybe`) reaches the level have their figure taken."""
    m = sums.level.shape[1]
    lo = max(first, MIN_BLOCKS - 1)
    open_ = [s for s in sides if any(c.side == s for c in channels)]
    if lo >= m or not open_:
        return {}
    maybe = _maybe(sums, channels, lo, open_)
    out: dict[Side, Onset] = {}
    k = lo
    while open_ and k < m:
        later = [np.flatnonzero(maybe[s][k - lo :]) for s in open_]
        ahead = [int(i[0]) for i in later if i.size]
        if not ahead:
            break
        k += min(ahead)
        feet = foot_noise(sums_pairs(sums, k + 1), channels)
        for side in list(open_):
            if side in feet and feet[side][0] >= NOISE_WARNING:
                start = (int(sums.at[k]) + 1) * sums.b
                w = median_width(feet[side][0], fs)
                out[side] = Onset(start, w, mean_width(fs), time(start - 1))
                open_.remove(side)
        k += 1
    return out


def _maybe(
    sums: Sums, channels: Sequence[Channel], lo: int, sides: Sequence[Side]
) -> dict[Side, NDArray[np.bool_]]:
    """Per foot, for the measured blocks ``lo ..``: False where the foot's running figure
    is surely below ``NOISE_WARNING``. A block's step is *low* when it would give a
    figure below the level over the foot's smallest running range from ``lo`` on; where
    a channel's blocks so far hold more low steps than the quartile's rank, its quartile
    is at most one of them, and the same divisions keep the order: its figure is below
    the level over every larger range too."""
    level, step, b = sums.level, sums.step, sums.b
    if math.isfinite(float(level.sum()) + float(step.sum())):
        quick = _maybe_whole(sums, channels, lo, sides)
        if quick is not None:
            return quick
    ok = np.isfinite(level) & np.isfinite(step)
    cnt = np.cumsum(ok, axis=1)[:, lo:]
    hi = np.maximum.accumulate(np.where(ok, level, -np.inf), axis=1)[:, lo:]
    low = np.minimum.accumulate(np.where(ok, level, np.inf), axis=1)[:, lo:]
    rng = hi / b - low / b
    noise = np.where(ok, step, np.inf) / ((b - 1) * _MAD_PER_SD)
    rank = np.maximum(cnt - 1, 0) // 4
    measured = cnt >= MIN_BLOCKS
    out: dict[Side, NDArray[np.bool_]] = {}
    for side in sides:
        rows = [j for j, c in enumerate(channels) if c.side == side]
        mm = measured[rows]
        some = mm.any(axis=0)
        top = np.where(mm, rng[rows], -np.inf).max(axis=0)[some]
        least = float(top.min()) if top.size else 0.0
        if not least > 0.0:
            out[side] = np.asarray(some, np.bool_)
            continue
        lows = np.cumsum(noise[rows] / least < NOISE_WARNING, axis=1)[:, lo:]
        below = (lows > rank[rows]) | ~mm
        out[side] = np.asarray(some & ~below.all(axis=0), np.bool_)
    return out


def _maybe_whole(
    sums: Sums, channels: Sequence[Channel], lo: int, sides: Sequence[Side]
) -> dict[Side, NDArray[np.bool_]] | None:
    """:func:`_maybe` of blocks without a missing sample (None: a foot without a range):
    every channel is measured from ``lo`` on and the ranges only grow, so the smallest is
    the first; where every channel has fewer high steps in all than its ``lo``-th
    prefix's rank leaves room for, no block is a candidate."""
    m = sums.level.shape[1]
    first = sums.level[:, : lo + 1]
    rng = (first.max(axis=1) / sums.b - first.min(axis=1) / sums.b).tolist()
    top = {
        s: max((r for r, c in zip(rng, channels, strict=True) if c.side == s), default=0.0)
        for s in ("L", "R")
    }
    least = [top[c.side] for c in channels]
    if not min(least) > 0.0:
        return None
    noise = sums.step / ((sums.b - 1) * _MAD_PER_SD)
    low = noise / np.array(least)[:, None] < NOISE_WARNING
    if int(low.sum(axis=1).min()) > m - (lo + 1 - lo // 4):
        return {side: np.zeros(m - lo, np.bool_) for side in sides}
    fine = np.cumsum(low, axis=1)[:, lo:] > np.arange(lo, m) // 4
    out = {}
    for side in sides:
        rows = [j for j, c in enumerate(channels) if c.side == side]
        out[side] = np.asarray(~fine[rows].all(axis=0), np.bool_)
    return out


def denoised(
    forces: NDArray[np.generic],
    channels: Sequence[Channel],
    feet: Mapping[Side, Onset],
    fs: float,
) -> NDArray[np.float64]:
    """A float64 copy of ``forces`` (n, channels) with every channel of the feet in
    ``feet`` filtered (:func:`smooth`) from the foot's onset on (the windows reach the
    samples as read before it)."""
    out = np.array(forces, np.float64)
    d = reach(fs)
    for j, c in enumerate(channels):
        if c.side in feet:
            on = feet[c.side]
            lo = max(0, on.start - d)
            out[on.start :, j] = smooth(out[lo:, j], on.median, on.mean)[on.start - lo :]
    return out


def smooth(x: NDArray[np.floating], width: int, mean: int = MEAN_WIDTH) -> NDArray[np.floating]:
    """Running median of ``width`` samples (odd), then the centred mean of ``mean``
    (odd; 1: none), each with its ends padded by the first and last value. A sample whose
    windows hold a missing sample (NaN) keeps its own value: the gaps stay where they were."""
    h = width // 2
    pad = np.concatenate([np.repeat(x[:1], h), x, np.repeat(x[-1:], h)])
    med = _median5(pad) if width == 5 else _median(pad, width)
    m = mean // 2
    pad = np.concatenate([np.repeat(med[:1], m), med, np.repeat(med[-1:], m)])
    n = x.shape[0]
    out = pad[:n].copy()
    for d in range(1, mean):
        out += pad[d : d + n]
    if mean > 1:
        out /= mean
    gap = ~np.isfinite(x)
    if gap.any():
        r = h + m  # a sample reads its neighbours this far away
        c = np.concatenate([[0], np.cumsum(gap)])
        i = np.arange(n)
        near = c[np.minimum(i + r + 1, n)] > c[np.maximum(i - r, 0)]
        out[near] = x[near]
    return out


def _median5(pad: NDArray[np.floating]) -> NDArray[np.floating]:
    """Running median of 5 of a padded series (its length less 4 values): the median of
    ``e`` and of the larger of the pairs' minima and the smaller of their maxima (one
    of the five, as a sort would give it), a few minima and maxima over whole arrays."""
    n = pad.shape[0] - 4
    a, b, c, d, e = (pad[k : k + n] for k in range(5))
    f = np.maximum(np.minimum(a, b), np.minimum(c, d))
    g = np.minimum(np.maximum(a, b), np.maximum(c, d))
    return np.maximum(np.minimum(e, f), np.minimum(np.maximum(e, f), g))


def _median(pad: NDArray[np.floating], width: int) -> NDArray[np.floating]:
    """Running median of ``width`` (odd) of a padded series, by a partition of its
    windows, ``_ROWS`` at a time."""
    h = width // 2
    n = pad.shape[0] - 2 * h
    med = np.empty(n, pad.dtype)
    for a in range(0, n, _ROWS):
        b = min(a + _ROWS, n)
        w = np.lib.stride_tricks.sliding_window_view(pad[a : b + 2 * h], width)
        med[a:b] = np.partition(w, h, axis=1)[:, h]
    return med
