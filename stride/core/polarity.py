"""Whether the two feet's readings move as walking loads feet: one foot wired inverted.

stride takes a higher reading as more load. A sensor read the other way round (an FSR
read as a resistance or through a pull-up, a load cell read in tension, a divider wired
the other way) gives a reading that *falls* under load, and the contact detector then
finds that foot's swings and calls them contacts: a plausible stride interval, the
timing of every event wrong (docs/accuracy.md, "Signals the detector has not seen").

Walking loads one foot as it unloads the other (the weight passes from the trailing foot
to the leading one in each double support, and each foot's stance is centred on the
other's swing), so the two feet's readings are anticorrelated, whatever the sensor, its
place under the foot or its gain. A foot wired inverted turns the sign: the two readings
then rise and fall together, which walking (no flight phase, no hop) cannot do.

The figure (:class:`PolarityMeter`): each foot's reading (the sum of its channels),
taken every ``round(fs / READ_HZ)``-th sample (about 10 Hz), cut into blocks of
``BLOCK_S`` counted from the first sample; per block each foot's peak-to-peak and the
block-centred sums of squares and of the two feet's product (centred a block at a time:
drift, an offset or a stretch of standing between blocks do not count). The blocks of
walking are those where each foot's peak-to-peak is at least ``WALK_SHARE`` of that
foot's 90th percentile over the blocks (standing, sitting and a dead stretch are not);
the figure is the correlation over them, ``sum(LR) / sqrt(sum(LL) sum(RR))``, given once
at least ``MIN_BLOCKS`` are found. A figure above ``POLARITY_WARNING`` gets a warning
line: the contacts are still reported (which foot is inverted cannot be told from the
two readings' agreement; both inverted, the figure is that of both upright) and flagged
by the line. Only when each foot has at least ``MIN_CONTACTS`` contacts (an inverted
foot's swings are found as contacts, one a stride): a chattering cable's spikes on both
feet agree, and so do two feet loaded together as one stands up from a chair, sits down
or squats, which a sit-to-stand test repeats a few times and no walk does a stride. Measured
(docs/accuracy.md, "Inverted polarity"): -0.13 to -0.96 on every gaitndd and gaitpdb
record, simulated and overground session as recorded; the opposite sign with one foot
inverted.

A stream fed in chunks of any size gives the batch figure exactly: the samples read and
the blocks are counted from the first sample, and each block's sums are taken a row at a
time (kept: five numbers a block, 40 bytes every 2 s). It reads a 30th (300 Hz) to a
100th (1 kHz) of the samples: each read row is a cache line of its own, so what it costs
is the rows read (docs/accuracy.md, "Inverted polarity").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from stride.core.signals import Channel

#: the reading is taken at about this rate (the figure is that of the stride's slow load
#: changes; against 25 Hz it moves by at most 0.013 on the 69 records measured, and the
#: nearest to 0, als7, stays at -0.13: the margin is the records', not the rate's)
READ_HZ = 10.0
#: seconds a block
BLOCK_S = 2.0
#: a block is walking when each foot's peak-to-peak is at least this share of its 90th
#: percentile over the blocks
WALK_SHARE = 0.3
#: fewer blocks of walking give no figure (20 s)
MIN_BLOCKS = 10
#: a figure above this gets a warning (walking's is negative; a foot inverted turns it)
POLARITY_WARNING = 0.0
#: and only when each foot has at least this many contacts (strides: it is walking)
MIN_CONTACTS = 20

#: the correlation and the seconds of walking it was taken over
Figure = tuple[float, float]

#: forces dtypes the kernel reads as they are (those the contact scan is compiled for);
#: others, and rows not C-contiguous or read-only, have their feet's readings read first
KERNEL_DTYPES = ("int16", "uint16", "float32", "float64")
#: the least positive double
_ABOVE_0 = float(np.finfo(np.float64).smallest_subnormal)
#: the columns of readings already summed a foot: (count, 2)
_FEET = (np.zeros(1, np.int64), np.ones(1, np.int64))
_NO_READINGS = np.zeros((0, 2))


class PolarityMeter:
    """Per-block sums of the two feet's readings, fed in chunks of any size (rows of
    ``channels`` columns); :meth:`figure` gives the correlation over the walking."""

    def __init__(self, channels: Sequence[Channel], fs: float) -> None:
        self.k = len(channels)
        self._cols = [[j for j, c in enumerate(channels) if c.side == s] for s in "LR"]
        left, right = (np.array(cols, np.int64) for cols in self._cols)
        self._index = (left, right)  # the kernel's
        self.step = max(1, round(float(fs) / READ_HZ))
        self.n = max(2, round(BLOCK_S * float(fs) / self.step))  # readings a block
        self.block_s = self.n * self.step / float(fs)
        self._seen = 0  # samples fed so far
        self._tail = _NO_READINGS  # readings of the unfinished block (count, 2)
        self._sums: list[NDArray[np.float64]] = []  # (blocks, 5) a fed chunk

    def feed(self, forces: NDArray[np.generic]) -> None:
        """The next rows (n, channels); a block with a NaN (a gap) is left out."""
        rows = np.asarray(forces).reshape(-1, self.k)
        first = (-self._seen) % self.step  # the first row read in this chunk
        self._seen += rows.shape[0]
        if not (self._cols[0] and self._cols[1]):
            return
        count = len(range(first, rows.shape[0], self.step))  # readings in this chunk
        if self._tail.shape[0]:  # the unfinished block, completed from the first readings
            take = min(self.n - self._tail.shape[0], count)
            self._tail = np.concatenate([self._tail, self._read(rows, first, take)])
            first, count = first + take * self.step, count - take
            if self._tail.shape[0] < self.n:
                return
            self._sums.append(_block_sums(self._tail, _FEET, 0, 1, self.n, 1))
        nb = count // self.n
        if nb:
            flags = rows.flags
            if rows.dtype.name in KERNEL_DTYPES and flags.c_contiguous and flags.writeable:
                sums = _block_sums(rows, self._index, first, self.step, self.n, nb)
            else:  # read here (a copy of the readings only), not compiled for
                sums = _block_sums(self._read(rows, first, nb * self.n), _FEET, 0, 1, self.n, nb)
            self._sums.append(sums)
        first, count = first + nb * self.n * self.step, count - nb * self.n
        self._tail = self._read(rows, first, count) if count else _NO_READINGS

    def _read(self, rows: NDArray[np.generic], first: int, count: int) -> NDArray[np.float64]:
        """(count, 2): the feet's readings from row ``first`` on, a column at a time in
        float64 (as the kernel sums them)."""
        read = rows[first : first + count * self.step : self.step]
        feet = np.empty((count, 2))
        for f, cols in enumerate(self._cols):  # a column at a time: no copy of the rows
            foot = feet[:, f]
            foot[:] = read[:, cols[0]]
            for j in cols[1:]:
                np.add(foot, read[:, j], out=foot)
        return feet

    def sums(self) -> NDArray[np.float64]:
        """(blocks, 5): each foot's peak-to-peak, then the centred sums LL, RR, LR."""
        if len(self._sums) != 1:
            self._sums = [np.concatenate(self._sums) if self._sums else np.zeros((0, 5))]
        return self._sums[0]

    def figure(self) -> Figure | None:
        """The correlation over the blocks of walking and their seconds (None: fewer
        than ``MIN_BLOCKS``, or a foot without channels)."""
        return walking_figure(self.sums(), self.block_s)


def _block_sums(
    rows: NDArray[np.generic],
    cols: tuple[NDArray[np.int64], NDArray[np.int64]],
    first: int,
    step: int,
    n: int,
    m: int,
) -> NDArray[np.float64]:
    """(m, 5) of ``m`` blocks of ``n`` readings, every ``step``-th row of ``rows`` from
    ``first``: peak-to-peak L, R; centred sums LL, RR, LR (each block alone, so a stream's
    blocks give the batch numbers), by the kernel (:mod:`stride.core._polarity_kernel`)
    once the arguments are checked (``cols``: the meter's, each foot's channels, every
    one below ``rows.shape[1]`` as :class:`PolarityMeter` makes them)."""
    from stride.core._polarity_kernel import block_sums

    if not (rows.ndim == 2 and rows.flags.c_contiguous and n >= 1 and m >= 0 and step >= 1):
        raise ValueError("polarity block sums: bad rows or block shape")
    if m and not (first >= 0 and first + (m * n - 1) * step < rows.shape[0]):
        raise ValueError("polarity block sums: the blocks run past the rows")
    return block_sums(rows, cols[0], cols[1], int(first), int(step), int(n), int(m))


def walking_figure(sums: NDArray[np.float64], block_s: float) -> Figure | None:
    """The correlation over the blocks of walking (see the module docstring)."""
    s = sums if np.isfinite(sums).all() else sums[np.isfinite(sums).all(axis=1)]
    if len(s) < MIN_BLOCKS:
        return None
    ptp = s[:, :2]
    # at least WALK_SHARE of the 90th percentile, and above 0 (a foot's peak-to-peak is
    # never below 0: the least positive double is "above 0" where the share is 0)
    ok = ptp >= np.maximum(WALK_SHARE * _percentile90(ptp), _ABOVE_0)
    walk = ok[:, 0] & ok[:, 1]
    count = int(np.count_nonzero(walk))
    if count < MIN_BLOCKS:
        return None
    ll, rr, lr = np.add.reduce(s.compress(walk, 0)[:, 2:], 0)
    return float(lr / np.sqrt(ll * rr)), float(count * block_s)


def _percentile90(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``np.percentile(x, 90, axis=0)`` of (m >= 2, 2) finite values, as numpy computes it
    (its "linear" method: its index, weight and interpolation), from one partition."""
    at = (x.shape[0] - 1) * 0.9
    lo = math.floor(at)
    hi = min(lo + 1, x.shape[0] - 1)
    g = at - lo
    part = np.partition(x, (lo, hi), axis=0)
    a, b = part[lo], part[hi]
    d = b - a
    return b - d * (1 - g) if g >= 0.5 else a + d * g


def polarity_figure(
    forces: NDArray[np.generic], channels: Sequence[Channel], fs: float
) -> Figure | None:
    """A whole record's figure (what a :class:`PolarityMeter` fed it gives)."""
    meter = PolarityMeter(channels, fs)
    meter.feed(forces)
    return meter.figure()


def polarity_warnings(figure: Figure | None, contacts: Sequence[int] = ()) -> list[str]:
    """The line said when the feet's readings rise and fall together (``contacts``: each
    foot's, at least ``MIN_CONTACTS`` each)."""
    if figure is None or not figure[0] > POLARITY_WARNING:
        return []
    if len(contacts) < 2 or min(contacts) < MIN_CONTACTS:
        return []
    r, seconds = figure
    return [
        f"feet L and R: their readings rise and fall together (correlation {r:+.2f} over"
        f" {seconds:.0f} s of walking, where walking loads one foot as it unloads the other):"
        " one foot's sensor is likely wired inverted (its readings fall under load), its"
        " contacts are then its swings and the strides' timing is wrong; check the wiring,"
        " or have the reader give that foot's load as higher readings"
    ]
