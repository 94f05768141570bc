"""What a stream's contact scan reads: the samples, held back by the noise filter's reach,
with a foot too noisy to trust filtered from its onset on, exactly as a batch analysis
filters the whole record (:mod:`stride.core.denoise`).

Every sample reaches the contact scan :func:`~stride.core.denoise.reach` samples after it
arrived (about 15 ms at any rate: the widest median's half-width and the mean's), for
every foot, filtered or not: when a foot's running noise figure reaches the level at the
end of a measured block, the samples from there on have not been scanned yet, and each
is given the filter's value (its windows may read the samples before the onset as they
were). The decision is taken block by block in the order of the samples, before any
sample after the block is passed on, so it does not depend on the chunks; ``finish()``
passes the held samples on, the last ones' windows padded by the last sample as the
batch pads the record's end. The gaps, the noise meter and the belt read the samples as
they arrive.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from stride.core.denoise import Onset, onsets, reach, smooth
from stride.core.noise import NoiseMeter
from stride.core.signals import Channel, Side

#: the samples passed on: times, forces (as fed: float64), the known breaks still ahead
Held = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]


class FilterStage:
    """The samples a stream's contact scan reads, :func:`~stride.core.denoise.reach`
    samples late (``feed``; ``finish`` the rest), and the noise meter that decides."""

    def __init__(self, channels: Sequence[Channel], fs: float) -> None:
        self.channels = tuple(channels)
        self.fs = float(fs)
        self.delay = reach(fs)
        self.meter = NoiseMeter(len(self.channels), self.fs)
        self.onsets: dict[Side, Onset] = {}
        self._checked = 0  # measured blocks whose running figure was taken
        self._t = np.zeros(0)  # held samples: from index self._lo to self._n
        self._x = np.zeros((0, len(self.channels)))
        self._lo = 0
        self._out = 0  # samples passed on
        self._n = 0  # samples fed
        self._breaks = np.zeros(0)
        self._prev_t = -np.inf  # the last sample passed on

    def feed(
        self,
        t: NDArray[np.float64],
        forces: NDArray[np.generic],
        breaks: NDArray[np.float64] | None = None,
    ) -> Held:
        """The next samples (times (n,), forces (n, channels)) and known breaks; returns
        the samples the contact scan may read now."""
        self._t = np.concatenate([self._t, t])
        self._x = np.concatenate([self._x, np.asarray(forces, np.float64).reshape(len(t), -1)])
        self._n += len(t)
        self.meter.feed(forces)
        self._decide()
        if breaks is not None and len(breaks):
            self._breaks = np.concatenate([self._breaks, np.asarray(breaks, np.float64)])
        return self._release(self._n - self.delay)

    def finish(self) -> Held:
        """The samples still held (the end of the record)."""
        return self._release(self._n)

    def _decide(self) -> None:
        sums = self.meter.sums()
        m = sums.level.shape[1]
        open_: list[Side] = [s for s in ("L", "R") if s not in self.onsets]
        if m > self._checked and open_:
            new = onsets(sums, self.channels, self.fs, self._time, self._checked, open_)
            self.onsets.update(new)
        self._checked = m

    def _time(self, i: int) -> float:
        return float(self._t[i - self._lo])

    def _release(self, upto: int) -> Held:
        a, lo = self._out, self._lo
        if upto <= a:
            return np.zeros(0), np.zeros((0, self._x.shape[1])), None
        t, x = self._t[a - lo : upto - lo], self._x[a - lo : upto - lo]
        held = x
        for side, on in self.onsets.items():
            first = max(on.start, a)
            if first >= upto:
                continue
            w0, w1 = max(lo, first - self.delay), min(self._n, upto + self.delay)
            x = x.copy() if x is held else x  # the held samples stay as read
            for j, c in enumerate(self.channels):
                if c.side == side:
                    y = smooth(self._x[w0 - lo : w1 - lo, j], on.median, on.mean)
                    x[first - a :, j] = y[first - w0 : upto - w0]
        breaks = self._breaks[~(self._breaks < self._prev_t)] if self._breaks.size else None
        self._breaks = breaks if breaks is not None else self._breaks
        self._prev_t = float(t[-1])
        self._out = upto
        keep = max(lo, upto - self.delay)  # the windows of the next samples reach back
        self._t, self._x, self._lo = self._t[keep - lo :], self._x[keep - lo :], keep
        return t, x, breaks
