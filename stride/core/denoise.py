"""The filter a foot too noisy to trust gets before its contacts are found (batch only).

A foot whose noise figure (:func:`stride.core.noise.foot_noise`) is at least
``NOISE_WARNING`` of its range has every channel replaced, for the contact scan alone, by
a running median of ``median_width`` samples followed by a centred mean of
``MEAN_WIDTH`` (at ``MEAN_MIN_FS`` and above); the other feet, and every foot below the
level, are scanned as read. The gaps, the noise figures and everything after the scan
read the samples as they were.

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

Both are centred, so the filter needs samples after the one it gives: a stream could
apply it with a few samples' delay, but whether a foot needs it is known only from the
whole record's figure (its quartile over every measured block; the first figure after
about 48 s), and a live analysis gives its rows as it goes. A
:class:`~stride.core.analyzer.StreamingAnalyzer` therefore scans the samples as read and
says so in its warning; ``stride analyze`` of the recording filters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from stride.core.noise import NOISE_WARNING, foot_noise
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
    cap = max(3, math.floor(MAX_WIDTH_S * float(fs)))
    return min(n, cap - (1 - cap % 2))


def mean_width(fs: float) -> int:
    """The centred mean's width after the median: ``MEAN_WIDTH``, or 1 (none) below
    ``MEAN_MIN_FS``."""
    return MEAN_WIDTH if float(fs) >= MEAN_MIN_FS else 1


def filtered_feet(
    figures: Sequence[tuple[float, float]], channels: Sequence[Channel], fs: float
) -> dict[Side, tuple[int, int]]:
    """The feet to filter (figure at least ``NOISE_WARNING``) and their filter's widths:
    the running median's and the mean's after it."""
    feet = foot_noise(figures, channels).items()
    return {
        side: (median_width(f, fs), mean_width(fs)) for side, (f, _) in feet if f >= NOISE_WARNING
    }


def denoised(
    forces: NDArray[np.generic],
    channels: Sequence[Channel],
    feet: Mapping[Side, tuple[int, int]],
) -> NDArray[np.floating]:
    """A copy of ``forces`` (n, channels) with every channel of the feet in ``feet``
    filtered (:func:`smooth`); float64 (float32 samples stay float32)."""
    x = np.asarray(forces)
    out: NDArray[np.floating] = x.astype(np.float32 if x.dtype == np.float32 else np.float64)
    for j, c in enumerate(channels):
        if c.side in feet:
            out[:, j] = smooth(out[:, j], *feet[c.side])
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
        reach = h + m  # a sample reads its neighbours this far away
        c = np.concatenate([[0], np.cumsum(gap)])
        i = np.arange(n)
        near = c[np.minimum(i + reach + 1, n)] > c[np.maximum(i - reach, 0)]
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
