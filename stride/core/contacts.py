"""Foot contacts (stance periods) from force signals, without per-record tuning.

What a contact is: the criterion of a clinician's footswitch (an insole switch closes when
the foot bears load and opens when it leaves the ground; footswitches agree with force
plates to 0 +/- 3 ms at initial contact, Hausdorff et al. 1995), applied to a force
signal whose baseline, gain and level are unknown and drift. Per foot (its force is the
sum of its sensors):

- **Levels.** Every block of ``block_s`` the block's minimum and maximum update a baseline
  ``L`` (follows any lower value at once) and a load level ``H`` (any higher value at
  once); between refreshes ``H`` leaks towards ``L`` with time constant ``tau_env_s``, and
  ``L`` towards ``H`` only while the foot is unloaded (loaded, the baseline is not seen:
  it keeps the swing's level, the level the foot returns to), never below ``range_floor``
  x a slowly decaying reference range (a pause does not shrink the levels into the
  noise). While unloaded the baseline also follows the block minimum within
  ``tau_swing_s``, so a swing level that creeps up before loading (pre-load, drift) does
  not start a contact early. The levels are fractions of ``H - L`` above ``L``: the
  *unloaded band* (``offset_frac``), *onset* (``onset_frac``), *contact* (``low_frac``)
  and *confirmation* (``mid_frac``) levels; the first two are at least two swing noise
  bands above the baseline, so noise neither starts nor ends a contact. The levels are
  used only when the range exceeds ``noise_ratio`` x the smallest recent block spread
  (the noise): a flat or noise-only line gives no contacts, and the state is unknown
  while they are unusable.
- **Glitches are no levels.** A block's minimum lowers the foot's baseline at once only if
  it lies within ``confirm_jump_frac`` of the range below it, or every block of the last
  ``base_confirm_s`` (at most four blocks) reached it too; a block's maximum raises the
  load level that far only if the block before reached it too (``load_confirm_s``; once the
  foot has made its first contact: until then the load level is being learnt), and a
  block reaches such a level only with two readings beyond ``confirm_jump_frac`` of the
  range above the load level (with one, no further than that: a foot's load lasts tens
  of ms, a spike is one reading; else a spike in each of two blocks doubled the load
  level and a two-stage landing's touch fell below the onset level, 80 ms late). While
  the foot is loaded (in stance) its baseline follows no lower reading at all
  (``hold_base``): the unloaded level is not seen then. Physical reason: a sample that
  jumps by the whole range and back (a bit error on a serial link, ESD, a cracked
  connector) is no force; and a baseline lowered by a glitch is relearnt only while the
  foot is unloaded, but with the contact level below the true baseline the foot never is
  again: one glitch held a contact open to the record's end. Steps smaller than 0.15 of
  the range (noise, a swing a little lower than the last) are followed at once as before:
  the contact level (0.2) then stays above the true baseline. Each of the foot's sensors
  keeps its own levels (its onset times the initial contact) under the first rule: a
  block minimum that far below a sensor's baseline lowers it only when the blocks of the
  last ``base_confirm_s`` reached it too; else a glitch held the sensor's levels below its
  true baseline and its onsets were lost (a heel + toe foot's ICs then came from a late
  crossing: 281 of 886 simulated steps more than 50 ms off). The other two are not
  applied to the sensors (they moved no glitch figure; the load rule moved real insole
  records' strides, holding a loaded sensor's baseline moved clean signals' onsets: a
  sensor is loaded and unloaded within the foot's stance). A sensor's onset found before
  the foot's previous final contact is stale and not used (the foot cannot land before
  it left). One reading of the foot's sum below its baseline by more than the unloaded
  band's height plus ``confirm_jump_frac`` of the range (beyond the swing's noise; the
  reading before it not that far) moves no contact state
  (``deep_no_lift``): no fall below the onset or contact level, no lift. A foot that
  lifts off reads its unloaded level, not far below it, and a touch then load stays
  below the onset level for tens of ms; else a glitch in the load's rise dated the
  initial contact at the glitch (as the "last upward crossing", or as the loading after
  a "touch"). A second such reading in a row is taken as it is (a level that far down).
  A dip whose only reading at or below the contact level is in the unloaded band, the
  next reading back at the confirmation level (above it by more than
  ``confirm_jump_frac`` of the range and twice the swing's noise band), is no lift
  (``quick_dip_no_lift``): a foot does not unload and load again within one sample;
  else a heel's glitch to its unloaded level, the toe not loaded yet, restarted the
  contact after it (the touch rule), 60-80 ms late.
- **Initial contact.** A contact exists once the force reaches the confirmation level;
  it began at the last upward crossing of the onset level before that (sub-sample, linear
  interpolation). Why the last one: a toe touch during late swing, after which the force
  fell back below the onset level, was the swinging foot, not the landing. A loading in
  two stages (touch, pause at a shoulder, load) that stays above the onset level is one
  contact from the touch: the foot was on the ground. The onset level is not lower than
  15 % of the range because the force of many feet creeps up during late swing (the foot
  approaching, shoe pressure) before the steep rise of the landing; lower levels time
  that creep (chosen by cross-validation on gaitndd: docs/accuracy.md). The crossing is
  then dated back along the rise through it to the unloaded band's top, by at most
  ``onset_back_s`` (5 ms): a footswitch closes at the first load and a landing crosses
  the band within a few ms, so the crossing is a little late (by more at low sample
  rates, where the rise spans few samples); a slower rise (a creep, a foot rolling on) is
  not dated back further, its start is not the landing (cross-validated the same way).
- **Final contact.** The contact ends when the force has spent ``min_swing_s`` in total
  below the contact level without reaching the confirmation level again: a stance whose
  force dips below the contact level (split in two, a shuffle) stays one contact. Its
  final contact is where the force fell into the unloaded band (the foot left the ground:
  a *lift*), extended along the unloading through the contact level and the band's top
  down to the baseline: the foot's last load, without the slow relaxation of a
  force-sensitive resistor that follows it.
- **Touches, scuffs, blips.** A lift splits a contact into parts. A part shorter than
  ``min_contact_s`` on the far side of a lift is the swinging foot touching the ground,
  not stance: before the loading (a touch) the contact starts at the loading instead;
  after it (a scuff as the toe leaves) the contact ends at the long part's final
  contact. Physical reason: standing on a foot takes longer than ``min_contact_s`` (the
  shortest stances of running are about 0.1 s), a touch of the swinging foot does not.
  A contact with no long part is a blip (a sensor touching nothing, a loose cable,
  chatter): dropped and counted (``FootContacts.blips``), never a stride.
- **Several sensors per foot.** Contacts are found on the foot's summed force. Each
  sensor's onset is where its own loading, extended back through its unloaded band and
  contact level, reaches its baseline (heel-first / flat / toe-first, heel-to-toe); IC is
  the first sensor's onset when it precedes the sum's (the first sensor to load), FC the
  sum's return to its baseline (the last sensor to unload).
- **Missing samples** (NaN, or a time step above ``gap_factor / fs``) and known breaks (a
  sensor box restart, ``GaitSignals.breaks``: :mod:`stride.core.contact_breaks`) cut an
  open contact (its FC is not seen: ``off_seen=False``) and mark the next contact
  ``gap_before``; the state is unknown until the force is clearly low (swing) or high (a
  contact whose IC was not seen: ``on_seen=False``). Saturated readings (e.g. -2048 at the
  bottom of a 12-bit ADC) are ordinary values.
- **Confidence.** Each contact gets 0..1: the smallest of how far its peak rose past the
  confirmation level, how far it outlasted ``min_contact_s`` and how far the range cleared
  the noise gate (see :class:`FootContacts`).

Everything is causal (no look-ahead): a level used at a sample depends only on earlier
blocks, so the streaming detector gives the batch result exactly, for any chunking, and
emits a contact ``min_swing_s`` after it ended (the live latency). A bounded look-ahead was
the alternative; it would add its length to every live step. The first contact of a record
(or after a gap) usually has ``on_seen=False``, because the envelopes are learnt from it.

The code: the settings (:mod:`stride.core.contact_params`), the checks of what the scan
takes (:mod:`stride.core.contact_input`), a foot's scan from chunk to chunk
(:mod:`stride.core.contact_runner`, giving :class:`~stride.core.foot_contacts.FootContacts`),
the threads that scan feet side by side (:mod:`stride.core.foot_workers`); here the batch
and streaming detectors. The kernels (``_contact_state``: state layout and rare steps;
``_contact_bounds``: the scan's scalar helpers; ``_contact_scan``: the scan)
go through runs of samples that cannot change the state in tight loops and apply every
rule only at events (crossings, NaN, gaps), with results bit-identical to the per-sample
rules (tests compare them with a plain-Python reference).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from stride.core import _contact_state as _k
from stride.core.clock import SampleClock
from stride.core.clock_scan import scan_clocked
from stride.core.contact_breaks import feed_cut
from stride.core.contact_input import (
    _EMPTY_T,
    RATE_CHECK_MIN,
    _check_chunk,
    _check_rate,
    _prepare,
)
from stride.core.contact_params import ContactParams, _param_vector, gate_ratio
from stride.core.contact_runner import _FootRunner, bad_steps
from stride.core.foot_contacts import FootContacts
from stride.core.foot_workers import _foot_workers, _Job, beside, foot_threads, set_foot_threads
from stride.core.gaps import break_samples
from stride.core.signals import GaitSignals, Side
from stride.errors import InputError

__all__ = [
    "THREAD_MIN_SAMPLES",
    "ContactParams",
    "FootContacts",
    "StreamingContactDetector",
    "beside",
    "detect_contacts",
    "detect_feet",
    "foot_threads",
    "gate_ratio",
    "set_foot_threads",
]

#: records shorter than this are scanned foot after foot: handing a foot to the foot thread
#: costs about 0.03-0.05 ms, so two threads gained from about 30,000 samples on (heel + toe;
#: insole8 from 20,000) and 16-32 % at 60,000 (docs/performance.md)
THREAD_MIN_SAMPLES = 50_000


def detect_contacts(
    signals: GaitSignals, side: Side, params: ContactParams | None = None
) -> FootContacts:
    """All contacts of one foot in a recording (batch = the streaming detector fed once)."""
    return detect_feet(signals, (side,), params)[side]


def detect_feet(
    signals: GaitSignals, sides: Sequence[Side], params: ContactParams | None = None
) -> dict[Side, FootContacts]:
    """All contacts of each foot in ``sides``, as :func:`detect_contacts` per foot; the
    times are prepared once for all the feet and, foot after foot, checked for gaps once
    (one read of them less per extra foot); on records of :data:`THREAD_MIN_SAMPLES` or
    more the feet are scanned side by side, one thread each (:func:`foot_threads`), each
    checking the gaps as it scans: the same results. Times given as a
    :class:`~stride.core.clock.SampleClock` are expanded a chunk at a time as the feet are
    scanned (:mod:`stride.core.clock_scan`), never the whole record's at once: the same
    results again. The signals' known breaks (a box restart) cut the contacts as missing
    samples do (:mod:`stride.core.contact_breaks`)."""
    all_cols = {}
    for side in sides:
        all_cols[side] = signals.side_columns(side)
        if not all_cols[side]:
            raise InputError(
                f"the signals have no channel for foot {side!r}",
                fix="map at least one force channel to each foot",
            )
    forces = np.asarray(signals.forces)
    clock = signals.t if isinstance(signals.t, SampleClock) else None
    _check_chunk(np.asarray(signals.t) if clock is None else clock, forces, len(signals.channels))
    p = _param_vector(float(signals.fs), params or ContactParams())
    # times as a clock: expanded a chunk at a time as the feet are scanned (clock_scan)
    t, x = _prepare(_EMPTY_T if clock is not None else np.asarray(signals.t), forces)
    _check_rate(
        t if clock is None else clock.times(0, min(clock.n, 1001)),
        float(signals.fs),
        params or ContactParams(),
    )
    # each foot's state made before any thread starts: a thread goes straight to the scan
    runners = [_FootRunner(side, all_cols[side], p.copy()) for side in sides]
    n = x.shape[0]
    threads = foot_threads() if len(sides) > 1 and n >= THREAD_MIN_SAMPLES else 1
    breaks = signals.breaks if signals.breaks is not None and len(signals.breaks) else None
    if clock is not None and threads <= 1:
        return dict(zip(sides, scan_clocked(runners, clock, x, breaks), strict=True))
    if threads <= 1:
        bads = None
        if len(sides) > 1 and breaks is None:
            bads = bad_steps(t, x, np.asarray(all_cols[sides[0]], np.int64), p)
        return {r.side: _one_foot(r, t, x, bads, breaks) for r in runners}
    # the other feet on the process's foot threads, handed over first, and the first foot
    # here meanwhile; each finds the bad time steps as it scans (a shared pass would make
    # the feet wait for it, and costs about what it saves); this foot's error, if any, first
    times = t if clock is None else clock
    jobs = [_Job(_one_foot, r, times, x, None, breaks) for r in runners[1:]]
    for job, worker in zip(jobs, _foot_workers(min(len(sides), threads) - 1), strict=False):
        worker.put(job)
    for job in jobs[threads - 1 :]:  # more feet than threads: after the first, here
        job.run()
    first = _one_foot(runners[0], times, x, None, breaks)
    others = {r.side: job.result() for r, job in zip(runners[1:], jobs, strict=True)}
    return {sides[0]: first} | others


def _one_foot(
    runner: _FootRunner,
    t: NDArray[np.float64] | SampleClock,
    x: NDArray[np.generic],
    bads: NDArray[np.int64] | None,
    breaks: NDArray[np.float64] | None = None,
) -> FootContacts:
    """All of one foot's contacts: the scan of the whole record, then the contact it leaves
    open (times as a clock: a chunk at a time, :mod:`stride.core.clock_scan`); ``breaks``:
    the signals' known breaks (None: none)."""
    if isinstance(t, SampleClock):
        return scan_clocked([runner], t, x, breaks)[0]
    if breaks is not None:
        return feed_cut(runner, t, x, break_samples(t, breaks, np.nan), end=True)
    return runner.feed(t, x, bads, end=True)


class StreamingContactDetector:
    """Contacts of one foot from chunks of samples, exactly as :func:`detect_contacts`.

    ``feed(t, x)`` takes the next samples — times (n,) and forces (n, n_channels) — and
    returns the contacts of the foot that finished in them; ``finish()`` returns the
    contact still open (incomplete). ``columns`` are the foot's columns of ``x`` (default:
    all of them); ``side`` only labels the result. Chunks may be of any size, even empty.
    """

    def __init__(
        self,
        fs: float,
        n_channels: int,
        params: ContactParams | None = None,
        side: Side = "L",
        columns: list[int] | None = None,
    ) -> None:
        if n_channels < 1:
            raise InputError(f"{n_channels} force channels", fix="give at least one channel")
        cols = list(range(n_channels)) if columns is None else [int(c) for c in columns]
        if not cols or any(c < 0 or c >= n_channels for c in cols):
            raise InputError(
                f"foot columns {cols} do not fit {n_channels} channels",
                fix="give column numbers from 0 to n_channels - 1",
            )
        self.fs = float(fs)
        self.n_channels = n_channels
        self.side: Side = side
        self.params = params or ContactParams()
        self._runner = _FootRunner(side, cols, _param_vector(self.fs, self.params))
        self._rate_checked = False
        self._prev_t = np.nan  # the last sample's time fed (where a chunk's breaks begin)

    @classmethod
    def for_signals(
        cls, signals: GaitSignals, side: Side, params: ContactParams | None = None
    ) -> StreamingContactDetector:
        """A detector for one foot of recordings laid out like ``signals``."""
        cols = signals.side_columns(side)
        if not cols:
            raise InputError(
                f"the signals have no channel for foot {side!r}",
                fix="map at least one force channel to each foot",
            )
        return cls(signals.fs, len(signals.channels), params, side, cols)

    def feed(
        self,
        t_chunk: NDArray[np.generic],
        x_chunk: NDArray[np.generic],
        breaks: NDArray[np.float64] | None = None,
    ) -> FootContacts:
        """The contacts that finished within this chunk; ``breaks``: known breaks
        (:attr:`GaitSignals.breaks`, a box restart), any number, in any chunk: each whose
        first sample after is in this chunk cuts the contacts there as missing samples do."""
        x = np.asarray(x_chunk)
        t = np.asarray(t_chunk)
        _check_chunk(t, x, self.n_channels)
        tt, xx = _prepare(t, x)
        if not self._rate_checked and tt.shape[0] >= RATE_CHECK_MIN:
            _check_rate(tt, self.fs, self.params)
            self._rate_checked = True
        at = break_samples(tt, breaks, self._prev_t)
        self._prev_t = float(tt[-1]) if tt.shape[0] else self._prev_t
        if at.size:
            return feed_cut(self._runner, tt, xx, at)
        return self._runner.feed(tt, xx)

    def finish(self) -> FootContacts:
        """End of the stream: the contact still open, cut by the end (incomplete)."""
        return self._runner.finish()

    @property
    def blips(self) -> int:
        """Loadings dropped so far as too short (see :class:`FootContacts`)."""
        return int(self._runner.fs[_k.S_BLIPS])
