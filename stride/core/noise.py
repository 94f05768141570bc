"""How noisy each force channel is against its loaded-unloaded range: the figure that
decides whether a foot's samples are filtered before its contacts are found, and the
warning that says so.

White noise whose spread is a sizeable part of the range between the unloaded and the
loaded level crosses the contact levels near every landing and lift, splitting and
inventing contacts and moving the initial contact by several samples (docs/accuracy.md,
"Signals the detector has not seen": noise of SD 8 % of the range left one gaitndd
record-side with 55 % of its strides matched). A foot is filtered before the scan from
where its running figure (that of the measured blocks so far) first reaches
``NOISE_WARNING``, in a batch analysis and a stream alike (:mod:`stride.core.denoise`),
and the output says so.

The figure, per channel, from the signal itself, in fixed blocks of ``block_len(fs)``
samples (16; 16 ms above 1 kHz), of which one about every ``SPACING_S`` is measured
(:func:`measured`):

- the *noise*: the lower quartile, over the blocks, of the mean absolute difference
  between consecutive samples, divided by ``sqrt(4 / pi)`` (the mean absolute difference
  of white noise of SD s is ``s * sqrt(4 / pi)``): an estimate of the noise's SD taken
  in the quietest quarter of the record (the swing and standing stretches, where a clean
  force is flat; landings, lifts and the stance's humps make the other blocks' figures
  larger, a glitch a few blocks'). A step more than ``EDGE_STEP`` times its block's mean
  step counts as none (:func:`edge_free`): it is an edge, not noise -- a landing or a
  lift within a sample or three (at 50 Hz a 16-sample block lasts 0.32 s and most
  blocks of a walk hold one: a clean square-wave walk's running figure read 6 % over
  its first 13-17 blocks, with them), a glitch's two steps. White noise's steps pass
  (one in about 1600 is over 4 times the mean of its block's 15, one block in a hundred
  holds one: leaving them out lowers the figure by 0.3 %), a hum's always (a sine's
  largest step is about pi/2 of its mean), so the figures of noise and hum read as
  before;
- the *range*: the highest minus the lowest of the blocks' mean levels (the loaded and
  the unloaded level: a block's mean is hardly widened by the noise, a sixteenth of a
  glitch; not a percentile, as a sensor loaded a tenth of the time, a toe cell, may have
  few loaded blocks);
- a foot's figure is its noisiest channel's noise over its largest channel range
  (:func:`foot_noise`; a channel with fewer than ``MIN_BLOCKS`` blocks is not measured).

The blocks are counted from the first sample, so a stream fed in chunks of any size
gives the batch figures exactly (:class:`NoiseMeter`). Only the measured blocks are read
(16 samples of every 4 s); their two figures a channel are kept (16 bytes a channel every 4 s),
and the quartiles are taken once, at the end. A whole record (:func:`noise_pairs`, the
analysis') takes the same figures in a dozen numpy calls: one gather of its measured blocks
by an index kept for the last few record lengths, one subtraction for all their steps, one
sum each of the levels and the steps (a row a block's channel), one partition for the
quartile, the extremes by one reduction each, the scalings on those alone; and the
edges by one comparison of every step, the few blocks with one summed again.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from stride.core.signals import Channel, Side

#: per channel: its noise's SD and its loaded-unloaded range
Pairs = tuple[tuple[float, float], ...]
#: a foot whose noise is at least this share of its range gets a warning
NOISE_WARNING = 0.04
#: fewer measured blocks give no figure
MIN_BLOCKS = 12
#: one block of about every this many seconds is measured
SPACING_S = 4.0
#: a step more than this many times its block's mean step is an edge, not noise
EDGE_STEP = 4.0
#: mean absolute difference of consecutive samples of white noise, over its SD
_MAD_PER_SD = math.sqrt(4.0 / math.pi)


def block_len(fs: float) -> int:
    """Samples a block: 16, or 16 ms above 1 kHz."""
    return max(16, round(0.016 * float(fs)))


def group_len(fs: float) -> int:
    """Blocks a group: one block of each group is measured (about ``SPACING_S`` apart)."""
    return max(1, round(SPACING_S * float(fs) / block_len(fs)))


def measured(first: int, count: int, group: int) -> NDArray[np.int64]:
    """The measured blocks among blocks ``first .. first + count - 1`` (indices from the
    first sample): in group ``g`` (blocks ``g * group ..``), the block at a place given
    by a multiplicative hash of ``g``, so no period of the gait lines up with them."""
    g = np.arange(first // group, (first + count - 1) // group + 1, dtype=np.uint64)
    h = (g * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    at = (g * np.uint64(group) + (h >> np.uint64(16)) % np.uint64(group)).astype(np.int64)
    return at[(at >= first) & (at < first + count)]


class NoiseMeter:
    """Per-block figures of a stream of samples (rows of ``channels`` columns), fed in
    chunks of any size; :meth:`figures` gives each channel's noise and range."""

    def __init__(self, channels: int, fs: float) -> None:
        self.k = int(channels)
        self.b = block_len(fs)
        self.g = group_len(fs)
        self._tail: NDArray[np.generic] | None = None  # rows of the unfinished block
        self._index = 0  # blocks ended so far
        self._level: list[NDArray[np.float64]] = []  # sums a measured block
        self._step: list[NDArray[np.float64]] = []
        self._at: list[NDArray[np.int64]] = []  # the measured blocks' indices

    def feed(self, forces: NDArray[np.generic]) -> None:
        """The next rows (n, channels); NaN rows (gaps) spoil only their block. Only the
        measured blocks are read (as float64: the samples may be int16 counts)."""
        rows = np.asarray(forces).reshape(-1, self.k)
        pos = 0
        if self._tail is not None:
            pos = min(self.b - self._tail.shape[0], rows.shape[0])
            self._tail = np.concatenate([self._tail, rows[:pos]])
            if self._tail.shape[0] < self.b:
                return
            if measured(self._index, 1, self.g).size:
                self._add(self._tail[None], np.array([self._index]))
            self._index += 1
            self._tail = None
        nb = (rows.shape[0] - pos) // self.b
        if nb:
            at = measured(self._index, nb, self.g) - self._index
            if at.size:
                idx = pos + at[:, None] * self.b + np.arange(self.b)
                self._add(np.take(rows, idx, axis=0), at + self._index)
            self._index += nb
        rest = rows[pos + nb * self.b :]
        if rest.shape[0]:
            self._tail = rest.copy()

    def _add(self, blocks: NDArray[np.generic], at: NDArray[np.int64]) -> None:
        """Measured blocks (m, b, channels), their indices ``at``: their sums and sums of
        absolute differences of consecutive samples, a row a block (each row summed
        alone: a stream's chunks give the batch figures exactly)."""
        y = np.empty((blocks.shape[0], self.k, self.b))
        y[...] = blocks.transpose(0, 2, 1)  # contiguous rows, one conversion to float64
        self._level.append(y.sum(axis=2))
        self._step.append(edge_free(np.abs(np.diff(y, axis=2))))
        self._at.append(np.asarray(at, np.int64))

    @property
    def blocks(self) -> int:
        return sum(len(a) for a in self._level)

    def sums(self) -> Sums:
        """The measured blocks so far, as :func:`noise_sums` gives a whole record's."""
        if not self._level:
            return Sums(np.zeros((self.k, 0)), np.zeros((self.k, 0)), np.zeros(0, np.int64), self.b)
        if len(self._level) > 1:  # one array each from now on
            self._level = [np.concatenate(self._level)]
            self._step = [np.concatenate(self._step)]
            self._at = [np.concatenate(self._at)]
        return Sums(self._level[0].T, self._step[0].T, self._at[0], self.b)

    def figures(self) -> NDArray[np.float64]:
        """Per channel (rows): the noise's SD and the loaded-unloaded range, in the
        samples' unit (NaN: unmeasured)."""
        return np.array(sums_pairs(self.sums()))


def _pairs(level: NDArray[np.float64], step: NDArray[np.float64], b: int) -> Pairs:
    """Per channel, from the measured blocks' sums and sums of absolute steps (channels,
    m; at least ``MIN_BLOCKS`` blocks): the noise's SD and the range (NaN: unmeasured).
    Without a gap only the order statistics are scaled: a division by a positive number
    keeps the order, so they are the scaled blocks' to the bit."""
    m = level.shape[1]
    q = int(0.25 * (m - 1))
    part = np.partition(step, (q, m - 1))  # the quartile, and the largest (NaN last: a gap)
    mid, top = part[:, q].tolist(), part[:, m - 1].tolist()
    hi, low = np.maximum.reduce(level, 1).tolist(), np.minimum.reduce(level, 1).tolist()
    if all(map(math.isfinite, top + hi + low)):
        c = (b - 1) * _MAD_PER_SD
        return tuple((n / c, h / b - lw / b) for n, h, lw in zip(mid, hi, low, strict=True))
    out = np.full((level.shape[0], 2), np.nan)  # its blocks left out, a channel at a time
    level = level / b
    step = step / ((b - 1) * _MAD_PER_SD)
    for j in range(level.shape[0]):
        ok = np.isfinite(level[j]) & np.isfinite(step[j])
        if ok.sum() >= MIN_BLOCKS:
            lv = level[j, ok]
            out[j] = order_stats(step[j, ok][:, None], (0.25,))[0, 0], lv.max() - lv.min()
    return tuple((n, r) for n, r in out.tolist())


def order_stats(x: NDArray[np.float64], q: tuple[float, ...]) -> NDArray[np.float64]:
    """Per column of ``x`` (m, k): its ``floor(q * (m - 1))``-th smallest value for each
    share ``q`` (a quantile without interpolation: one partition)."""
    at = [int(v * (x.shape[0] - 1)) for v in q]
    return np.partition(x, at, axis=0)[at]


def noise_figures(forces: NDArray[np.generic], fs: float) -> NDArray[np.float64]:
    """:meth:`NoiseMeter.figures` of a whole record's samples (n, channels)."""
    return np.array(noise_pairs(forces, fs)).reshape(-1, 2)


def noise_pairs(forces: NDArray[np.generic], fs: float) -> Pairs:
    """:func:`noise_figures` as (noise, range) a channel."""
    return sums_pairs(noise_sums(forces, fs))


class Sums(NamedTuple):
    """The measured blocks of a record (or of a stream so far): each channel's sums
    (``level``) and sums of absolute steps (``step``), (channels, m); the blocks'
    indices ``at`` (m,); the block length ``b``."""

    level: NDArray[np.float64]
    step: NDArray[np.float64]
    at: NDArray[np.int64]
    b: int


def sums_pairs(sums: Sums, upto: int | None = None) -> Pairs:
    """Per channel (noise, range) of the first ``upto`` measured blocks (None: all)."""
    level, step = sums.level[:, :upto], sums.step[:, :upto]
    if level.shape[1] < MIN_BLOCKS:
        return ((math.nan, math.nan),) * level.shape[0]
    return _pairs(level, step, sums.b)


def noise_sums(forces: NDArray[np.generic], fs: float) -> Sums:
    """:class:`Sums` of a whole record's samples, with fewer numpy calls than
    :class:`NoiseMeter` (the same floats): one gather of the measured blocks (their index
    kept for the last few record lengths), one conversion, one sum each; a channel at a
    time where the channels' float64 blocks at once would take ``HEAP_BYTES`` or more and
    a channel's at least a quarter of that (:func:`_channel_sums`; an hour at 1 kHz)."""
    forces = np.asarray(forces)
    k = forces.shape[1] if forces.ndim == 2 else 1
    b, g = block_len(fs), group_len(fs)
    nb = forces.shape[0] // b
    at = _measured_all(nb, g)
    if at.size < MIN_BLOCKS:
        return Sums(np.zeros((k, 0)), np.zeros((k, 0)), np.zeros(0, np.int64), b)
    blocks = forces[: nb * b].reshape(nb, b, k)
    m = at.size
    if k > 1 and k * m * b * 8 >= HEAP_BYTES and 4 * m * b * 8 >= HEAP_BYTES:
        return _channel_sums(blocks, at)
    rows = blocks[at].transpose(2, 0, 1).astype(np.float64, order="C").reshape(k * m, b)
    level = np.empty(k * m)  # a row a channel
    step = _row_sums(rows, _steps_buffer(k * m * b), level)
    return Sums(level.reshape(k, m), step.reshape(k, m), at, b)


#: arrays from this size on are new memory (glibc's default threshold for taking them
#: from the system, not from the C heap's freed memory): a page fault per 4 KB written
HEAP_BYTES = 128 << 10


def _channel_sums(blocks: NDArray[np.generic], at: NDArray[np.int64]) -> Sums:
    """:func:`noise_sums` of the blocks (blocks, b, channels) ``at``, a channel at a time
    (the same floats: each row is summed alone), into two buffers of one channel's
    blocks that serve every channel: on an hour at 1 kHz 115 KB each, from the C heap,
    where all the channels' at once took 1.2 MB of new memory, whose page faults were
    most of the figures' time in a fresh process (0.25 ms). A record with fewer blocks
    a channel (a 5-minute insole's 16 channels of 9.6 KB) does them at once: the calls a
    channel cost more there than the memory."""
    _, b, k = blocks.shape
    m = at.size
    level, step = np.empty((k, m)), np.empty((k, m))
    rows = np.empty((m, b))  # a channel's measured blocks, a row each
    d = _steps_buffer(m * b)
    for j in range(k):
        rows[...] = blocks[at, :, j]
        step[j] = _row_sums(rows, d, level[j])
    return Sums(level, step, at, b)


def _steps_buffer(n: int) -> NDArray[np.float64]:
    """Room for ``n`` samples' steps, each a row's last one across to the next row's (not
    read: the last is set, the others written by :func:`_row_sums`)."""
    d = np.empty(n)
    d[-1] = 0.0
    return d


def _row_sums(
    rows: NDArray[np.float64], d: NDArray[np.float64], level: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Each row's sum of ``rows`` (C-contiguous float64) into ``level``, and each row's
    edge-free sum of absolute steps (:func:`edge_free`), the steps taken in ``d``
    (:func:`_steps_buffer` of ``rows.size``)."""
    flat = rows.reshape(-1)
    np.subtract(flat[1:], flat[:-1], out=d[:-1])
    np.absolute(d, out=d)
    np.add.reduce(rows, 1, out=level)
    return edge_free(d.reshape(rows.shape)[:, :-1])


def edge_free(steps: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per row of ``steps`` (a block's absolute steps on the last axis): their sum, each
    step over ``EDGE_STEP`` times the row's mean step left out (an edge). A row without
    one is summed once; the rows with one again, the edges as zeros (a missing sample's
    NaN stays: its block is left out). The edges are found by one comparison of every
    step (a reduction along the rows' 15 steps costs several times more)."""
    n = steps.shape[-1]
    s = np.add.reduce(steps, -1)
    lim = s * (EDGE_STEP / n)
    hit = np.flatnonzero(steps > lim[..., None])
    if hit.size:
        rows = hit // n  # a row with two edges twice: the same sum written twice
        sub = steps.reshape(-1, n)[rows]
        flat = s.reshape(-1)
        flat[rows] = np.add.reduce(np.where(sub > lim.reshape(-1)[rows, None], 0.0, sub), -1)
    return s


@functools.lru_cache(maxsize=8)
def _measured_all(blocks: int, group: int) -> NDArray[np.int64]:
    """:func:`measured` blocks of a record of ``blocks`` blocks (read-only)."""
    at = measured(0, blocks, group)
    at.flags.writeable = False
    return at


def foot_noise(
    figures: Sequence[tuple[float, float]], channels: Sequence[Channel]
) -> dict[Side, tuple[float, str]]:
    """Per foot: its noisiest channel's noise over the foot's largest range, and that
    channel's place (feet with no measured channel are left out). A sensor that carries
    little of the foot's load (a toe cell of an insole) has a small range of its own; its
    noise matters against the load the foot's contacts are found from."""
    out: dict[Side, tuple[float, str]] = {}
    for side in ("L", "R"):
        own = [(f, c) for f, c in zip(figures, channels, strict=False) if c.side == side]
        ok = [(n, r, c) for (n, r), c in own if math.isfinite(n) and math.isfinite(r)]
        top = max((r for _, r, _ in ok), default=0.0)
        if top > 0:
            n, _, c = max(ok, key=lambda v: v[0])
            out[side] = (n / top, c.place)
    return out


def noise_warnings(
    figures: Sequence[tuple[float, float]],
    channels: Sequence[Channel],
    filtered: Mapping[Side, tuple[int, int, int, float]] | None = None,
) -> list[str]:
    """One line per foot whose noise is at least ``NOISE_WARNING`` of its range, or whose
    samples were filtered (``filtered``: from which sample, the widths of the running
    median and the mean after it, from which time: :class:`~stride.core.denoise.Onset`;
    the figure that decides is the running one, a foot's noise may fall below the level
    later): what was done about it. A batch analysis and a stream filter alike."""
    out = []
    filtered = filtered or {}
    multi = {s: sum(c.side == s for c in channels) > 1 for s in ("L", "R")}
    for side, (f, place) in foot_noise(figures, channels).items():
        if f >= NOISE_WARNING or side in filtered:
            where = f" ({place} sensor)" if multi[side] else ""
            head = (
                f"foot {side}{where}: noise of SD {100 * f:.0f} % of the range between its"
                " unloaded and loaded level: "
            )
            if side in filtered:
                _, median, mean, at = filtered[side]
                then = f" (then a mean of {mean})" if mean > 1 else ""
                done = (
                    f"filtered with a running median of {median} samples{then} from"
                    f" {at:.1f} s on (when its noise was first measured at"
                    f" {100 * NOISE_WARNING:.0f} % or more) before the contacts were found"
                )
            else:
                done = "its contacts were found in the samples as read and cannot be trusted"
            out.append(f"{head}{done}; check the sensor's cable and grounding")
    return out
