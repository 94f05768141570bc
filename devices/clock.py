"""Aligning device clocks through the host's receive times.

Every chunk a device sends is stamped with the host time it arrived. Arrival is later than
the device's own time by a delay that is never negative and is bursty (USB delivers frames
in batches; the OS adds jitter), while the device clock runs at its own rate (crystal
drift, typically tens of ppm). So the points (device time, host time) lie on or above a
line ``host = offset + slope * device``: the line of the fastest deliveries, which is the
*lower envelope* of the points, not a least-squares line through them.

:func:`fit_clock` estimates that line. ``method="robust"`` (default) splits the device
time range into windows, keeps each window's fastest delivery (lowest point once the
slope is taken out), and fits
the slope with Theil-Sen (median of pairwise slopes: a few bad windows, e.g. a host clock
step, cannot tilt it) and the offset as the median of the window minima's intercepts.
``method="envelope"`` solves the linear programme of Moon, Skelly and Towsley (1999):
the line below every point that minimises the mean distance to them, which is the lower
convex hull edge above the mean device time (exact, but a single point below the rest
pulls it down).

Two devices (sensor box, treadmill) are aligned by mapping each one's times to host time
with its own fit (:meth:`ClockFit.to_host`); :func:`map_time` maps one device's times to
another's. A device without a clock (a treadmill polled for speed) is already on host
time: it needs no fit. :class:`ClockTracker` keeps a fit up to date during a session
from a sliding window, for drift that changes slowly (temperature).
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from devices.errors import InputError


@dataclass(frozen=True)
class ClockFit:
    """``host_s = offset_s + slope * (device_s - x0_s)``: the fastest-delivery line.

    ``delay_p50_s``/``delay_p95_s``: how far the points lie above it (delivery delays
    beyond the fastest one), a measure of the link's jitter.
    """

    offset_s: float
    slope: float
    x0_s: float
    n: int
    delay_p50_s: float
    delay_p95_s: float

    @property
    def drift_ppm(self) -> float:
        """How much faster the host clock runs than the device's, parts per million."""
        return (self.slope - 1.0) * 1e6

    def to_host(self, device_s: ArrayLike) -> NDArray[np.float64]:
        """Host time of device times (seconds)."""
        return self.offset_s + self.slope * (np.asarray(device_s, dtype=np.float64) - self.x0_s)

    def to_device(self, host_s: ArrayLike) -> NDArray[np.float64]:
        """Device time of host times (seconds)."""
        return (np.asarray(host_s, dtype=np.float64) - self.offset_s) / self.slope + self.x0_s


def fit_clock(
    device_s: ArrayLike, host_s: ArrayLike, *, method: str = "robust", windows: int = 0
) -> ClockFit:
    """Fit the lower envelope of (device time, host receive time) points (both seconds).

    ``windows``: number of windows for ``"robust"`` (0 = automatic: about 20 points per
    window, between 3 and 200 windows). Raises InputError for fewer than 2 usable points or
    a device time range of zero.
    """
    x = np.asarray(device_s, dtype=np.float64).ravel()
    y = np.asarray(host_s, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise InputError("device and host times differ in length", fix="pass matching arrays")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 2 or np.ptp(x) <= 0:
        raise InputError(
            "too few points to align clocks (need device times that advance)",
            fix="record for longer before aligning",
        )
    x0 = float(x.min())
    xs = x - x0
    if method == "envelope":
        offset, slope = _envelope(xs, y)
    elif method == "robust":
        offset, slope = _robust(xs, y, windows)
    else:
        raise InputError(f"unknown clock fit method {method!r}", fix="use robust or envelope")
    resid = y - (offset + slope * xs)
    p50, p95 = np.percentile(resid, [50, 95])
    return ClockFit(float(offset), float(slope), x0, int(x.size), float(p50), float(p95))


def _envelope(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float]:
    """The lower convex hull edge above mean(x) (the LP solution)."""
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    hull: list[int] = []
    for i in range(xs.size):
        if hull and xs[hull[-1]] == xs[i]:
            continue  # same x: the lowest y came first
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (xs[b] - xs[a]) * (ys[i] - ys[a]) - (ys[b] - ys[a]) * (xs[i] - xs[a])
            if cross <= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    xm = float(x.mean())
    for a, b in itertools.pairwise(hull):
        if xs[a] <= xm <= xs[b]:
            slope = (ys[b] - ys[a]) / (xs[b] - xs[a])
            return float(ys[a] - slope * xs[a]), float(slope)
    a, b = hull[0], hull[-1]  # unreachable with >= 2 distinct x; kept for safety
    slope = (ys[b] - ys[a]) / (xs[b] - xs[a])
    return float(ys[a] - slope * xs[a]), float(slope)


def _robust(x: NDArray[np.float64], y: NDArray[np.float64], windows: int) -> tuple[float, float]:
    """Theil-Sen over per-window minima (each window's fastest delivery).

    "Fastest" is the lowest residual from the current slope, starting from 1 (both clocks
    count seconds; real drift is far below 1 %) and refined twice.
    """
    k = windows or int(np.clip(x.size // 20, 3, 200))
    edges = np.linspace(0.0, float(x.max()), k + 1)
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, k - 1)
    order = np.argsort(idx, kind="stable")
    bounds = np.searchsorted(idx[order], np.arange(k + 1))
    slope = 1.0
    offset = 0.0
    for _ in range(3):
        r = y - slope * x
        pick = [
            order[a + int(np.argmin(r[order[a:b]]))] for a, b in itertools.pairwise(bounds) if b > a
        ]
        px, py = x[pick], y[pick]
        if px.size < 2:
            return _envelope(x, y)
        i, j = np.triu_indices(px.size, 1)
        dx = px[j] - px[i]
        good = dx > 0
        slope = float(np.median((py[j] - py[i])[good] / dx[good]))
        offset = float(np.median(py - slope * px))
    return offset, slope


def map_time(device_s: ArrayLike, source: ClockFit, target: ClockFit) -> NDArray[np.float64]:
    """Times of one device (``source``'s clock) on another device's clock (``target``)."""
    return target.to_device(source.to_host(device_s))


class ClockTracker:
    """A clock fit kept current during a session from the last ``window_s`` of device time.

    ``add(device_s, host_s)`` per read: the host time of the read and the device time of
    the *last* frame it completed (in a USB burst, that frame waited least, so it lies
    nearest the envelope); ``fit()`` refits when asked (cheap: a few thousand points).
    """

    def __init__(self, window_s: float = 300.0, max_points: int = 20_000) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be > 0")
        self.window_s = window_s
        self._pts: deque[tuple[float, float]] = deque(maxlen=max_points)

    def add(self, device_s: float, host_s: float) -> None:
        self._pts.append((device_s, host_s))
        while self._pts and self._pts[0][0] < device_s - self.window_s:
            self._pts.popleft()

    def __len__(self) -> int:
        return len(self._pts)

    def fit(self) -> ClockFit | None:
        """The current fit, or None until the window holds enough points."""
        if len(self._pts) < 10:
            return None
        a = np.asarray(self._pts)
        try:
            return fit_clock(a[:, 0], a[:, 1])
        except InputError:
            return None
