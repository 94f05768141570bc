"""The vectorised numpy belt displacement the numba look-up kernel replaced, kept as the
reference it must match bit for bit (same cumulative integral, same formula per segment)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from stride.core.belt import BeltTrack


def displacement_reference(
    track: BeltTrack, ta: NDArray[np.float64], tb: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Belt travel from ``ta`` to ``tb`` via ``np.searchsorted`` of every time."""
    t, v, d = track._arrays()
    bad = _bad_counts(t, v, track.max_gap_s)
    ta = np.asarray(ta, dtype=np.float64)
    tb = np.asarray(tb, dtype=np.float64)
    out = np.full(np.broadcast(ta, tb).shape, np.nan)
    n = t.size
    if n < 2:
        return out
    da, ka, ok_a = _position(t, v, d, ta)
    db, kb, ok_b = _position(t, v, d, tb)
    ok = ok_a & ok_b & (tb >= ta)
    kbs = np.where(ok, kb, 0)
    kas = np.where(ok, ka, 0)
    clean = bad[np.minimum(kbs + 1, n - 1)] - bad[kas] == 0
    ok &= clean
    out[ok] = (db - da)[ok]
    return out


def _position(
    t: NDArray[np.float64], v: NDArray[np.float64], d: NDArray[np.float64], x: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.bool_]]:
    n = t.size
    ok = np.isfinite(x) & (x >= t[0]) & (x <= t[-1])
    xs = np.where(ok, x, t[0])
    k = np.clip(np.searchsorted(t, xs, side="right") - 1, 0, n - 2)
    h = t[k + 1] - t[k]
    dt = xs - t[k]
    pos = d[k] + dt * (v[k] + 0.5 * (v[k + 1] - v[k]) * dt / h)
    return pos, k.astype(np.int64), ok


def _bad_counts(
    t: NDArray[np.float64], v: NDArray[np.float64], max_gap: float
) -> NDArray[np.int64]:
    """The count of unusable segments (further apart than ``max_gap``, or a NaN travel)
    up to each sample, from the samples themselves."""
    h = np.diff(t)
    with np.errstate(invalid="ignore"):
        unusable = (h > max_gap) | np.isnan(0.5 * (v[1:] + v[:-1]) * h)
    return np.concatenate(([0], np.cumsum(unusable))).astype(np.int64)
