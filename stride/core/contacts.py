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

The kernels (``_contact_state``: state layout and rare steps; ``_contact_bounds``: the
scan's scalar helpers; ``_contact_scan``: the scan)
go through runs of samples that cannot change the state in tight loops and apply every
rule only at events (crossings, NaN, gaps), with results bit-identical to the per-sample
rules (tests compare them with a plain-Python reference).
"""

from __future__ import annotations

import functools
import math
import os
import queue
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple, TypeVar

import numpy as np
from numpy.typing import NDArray

from stride.core import _contact_scan as _scan
from stride.core import _contact_state as _k
from stride.core.clock import SampleClock
from stride.core.clock_scan import scan_clocked
from stride.core.contact_breaks import feed_cut
from stride.core.gaps import break_samples
from stride.core.signals import GaitSignals, Side
from stride.errors import InputError

T = TypeVar("T")

#: fewest samples in an envelope block: the noise estimate (the smallest block spread) of a
#: block of 4-8 samples is a small, unstable fraction of the noise's spread, and a still
#: sensor sampled at 100-200 Hz then clears the noise gate and makes contacts
MIN_BLOCK_SAMPLES = 12
#: the block length the noise gate's ratio is stated for (40 samples: 1 kHz, 0.04 s)
_GATE_BLOCK = 40


def block_samples(block_s: float, fs: float) -> int:
    """Samples per envelope block: ``block_s`` at ``fs``, at least :data:`MIN_BLOCK_SAMPLES`."""
    return max(MIN_BLOCK_SAMPLES, round(block_s * fs))


@functools.lru_cache(maxsize=64)
def _expected_range(n: int) -> float:
    """Expected spread (max - min) of ``n`` independent standard normal samples (d2)."""
    x = np.linspace(-8.0, 8.0, 4001)
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))
    return float(np.sum(1.0 - cdf**n - (1.0 - cdf) ** n) * (x[1] - x[0]))


def gate_ratio(noise_ratio: float, block_n: int) -> float:
    """``noise_ratio`` for blocks of ``block_n`` samples: the spread of a short block
    understates the noise (8 samples span 2.8 SD on average, 40 span 4.3 SD) while the range
    a noise-only line reaches does not shrink, so the ratio grows by that factor for blocks
    shorter than 40 samples (the same gate in standard deviations at every sample rate)."""
    if block_n >= _GATE_BLOCK:
        return noise_ratio
    return noise_ratio * _expected_range(_GATE_BLOCK) / _expected_range(block_n)


class ContactParams(NamedTuple):
    """Settings of contact detection, in seconds and fractions; the defaults suit walking
    with any force sensor (footswitch, FSR, insole cells, load cells) at 50 Hz - 2 kHz."""

    #: onset level: IC is the last upward crossing of it before the confirmation level
    #: (a fraction of the baseline-to-load range; at least two swing noise bands above
    #: the baseline)
    onset_frac: float = 0.15
    #: top of the unloaded band: FC is the return into it, a lift (the foot leaving the
    #: ground) a fall into it, and each sensor's onset the last rise out of it
    offset_frac: float = 0.1
    #: contact level: below it for min_swing_s ends a contact
    low_frac: float = 0.2
    #: confirmation level: a contact exists once the force reaches it
    mid_frac: float = 0.5
    #: shorter contacts are dropped (blips, taps)
    min_contact_s: float = 0.08
    #: time below the contact level that ends a contact (shorter dips stay inside it)
    min_swing_s: float = 0.16
    #: envelope update interval; also the window of the noise estimate (at least
    #: MIN_BLOCK_SAMPLES samples)
    block_s: float = 0.04
    #: baseline and load level leak towards each other with this time constant
    tau_env_s: float = 4.0
    #: ... but the range never leaks below this fraction of the reference range
    range_floor: float = 0.25
    #: decay of the reference range (how long a pause keeps the walking range)
    tau_ref_s: float = 60.0
    #: the range must exceed this many times the noise (smallest recent block spread of
    #: 40 samples; scaled for shorter blocks: gate_ratio)
    noise_ratio: float = 4.0
    #: how fast the noise estimate may grow again
    tau_noise_s: float = 10.0
    #: a time step above gap_factor / fs is a gap (lost samples)
    gap_factor: float = 1.5
    #: while unloaded, the baseline follows the swing level with this time constant
    tau_swing_s: float = 0.15
    #: short parts of a contact separated from the rest by a lift (the force back in the
    #: unloaded band) are touches and scuffs of the swinging foot, not stance
    touch_rule: bool = True
    #: the longest a load onset (back) or final contact (forward) is extended beyond the
    #: crossings it is measured from: a landing loads within about that (heel strike 10-20
    #: ms, Whittle 1999); a slower rise (a shoe creasing, a cell creeping) is not dated back
    extend_s: float = 0.010
    #: the longest the initial contact is dated back from the onset level, along the rise
    #: through it, to the unloaded band's top (a landing crosses that band within a few
    #: ms; a slower rise is not dated back further; chosen by cross-validation on gaitndd)
    onset_back_s: float = 0.005
    #: a reading below the baseline lowers it only once every block of the last
    #: base_confirm_s has reached it (at most 3 blocks before the current one): a glitch
    #: (one sample, a few in a row) is no baseline, and a baseline too low is relearnt only
    #: once the foot is unloaded, so it would hold a contact open for good
    base_confirm_s: float = 0.12
    #: the same for a reading above the load level (at most 1 block before the current),
    #: once the foot has made a contact (before it, the load level is being learnt)
    load_confirm_s: float = 0.04
    #: ... where the reading lies beyond the level by more than this fraction of the
    #: baseline-to-load range (a smaller step, noise or a swing a little lower than the
    #: last, is followed at once)
    confirm_jump_frac: float = 0.15
    #: while the foot is loaded (in stance) its baseline is not seen: it does not follow
    #: lower readings (they are glitches; the swing's level is relearnt in the swing)
    hold_base: bool = True
    #: one reading below the baseline by more than the unloaded band's height plus
    #: confirm_jump_frac of the range (the reading before it not that far) moves no
    #: contact state (it is no fall below the onset or contact level, and no lift): a
    #: foot that lifts off reads its unloaded level, not far below it (a glitch in the
    #: load's rise otherwise dated the initial contact at the glitch)
    deep_no_lift: bool = True
    #: a dip whose only reading at or below the contact level is in the unloaded band (a
    #: lift), the next one at the confirmation level and above it by more than
    #: confirm_jump_frac of the range and twice the swing's noise band, is no lift (the
    #: same part of the contact goes on): a foot does not unload and load again within one
    #: sample (a glitch on the heel, the toe not yet loaded, otherwise restarted the
    #: contact after it)
    quick_dip_no_lift: bool = True


@dataclass(frozen=True, eq=False)
class FootContacts:
    """The contacts of one foot, one row per contact, in time order.

    ``on_t``/``off_t``: initial and final contact (s, interpolated between samples; the IC
    dated back along its rise and the FC extended to the baseline, see the module
    docstring); ``on_idx``/``off_idx``: the first sample above the onset level, and the
    first sample back in the unloaded band; ``complete``: False when the record edge or
    missing samples cut the contact (it gives no events); ``gap_before``: samples were
    missing between the previous contact and this one, or a known break (a box restart)
    came between them (no stride may bridge them);
    ``sensor_on_t``: (m, k) onset of each of the foot's sensors (NaN if it did not load);
    ``impulse``: baseline-removed summed force integrated over the contact (force units x
    s); ``peak``: its maximum; ``on_seen``/``off_seen``: the initial / final contact itself
    was observed (a contact cut by the record's end or a gap still has a real IC, and one
    that began unseen a real FC);
    ``complete`` = both. A stride may end at any seen IC whose previous contact's IC was
    seen, unless ``gap_before``. ``confidence``: 0..1, how clearly the contact stood out
    (the smallest of: how far its peak rose past the confirmation level, 1 at the load
    envelope; how far it outlasted ``min_contact_s``, 1 at twice; how far the range cleared
    the noise gate, 1 at twice). ``blips``: loadings dropped as too short (swing touches,
    a chattering sensor); ``touches``: touches dropped from the start of a contact;
    ``breaks``: samples that cut the foot's signal (a sum that is not finite, a time step
    above ``gap_factor / fs``, or a known break before it): none, and the foot's samples
    hold no gap.
    """

    side: Side
    on_t: NDArray[np.float64]
    off_t: NDArray[np.float64]
    on_idx: NDArray[np.int64]
    off_idx: NDArray[np.int64]
    complete: NDArray[np.bool_]
    gap_before: NDArray[np.bool_]
    sensor_on_t: NDArray[np.float64]
    impulse: NDArray[np.float64]
    peak: NDArray[np.float64]
    on_seen: NDArray[np.bool_]
    off_seen: NDArray[np.bool_]
    confidence: NDArray[np.float64]
    blips: int = 0
    touches: int = 0
    breaks: int = 0

    def __len__(self) -> int:
        return int(self.on_t.shape[0])

    def stride_times(self) -> NDArray[np.float64]:
        """Per contact, the time since the previous contact's IC (s); NaN where it is not
        measurable: the first contact, either IC unseen, or missing samples between."""
        out = np.full(self.on_t.shape, np.nan)
        if self.on_t.shape[0] > 1:
            ok = self.on_seen[1:] & self.on_seen[:-1] & ~self.gap_before[1:]
            out[1:][ok] = np.diff(self.on_t)[ok]
        return out

    @staticmethod
    def empty(side: Side, n_sensors: int) -> FootContacts:
        f = np.zeros(0, np.float64)
        i = np.zeros(0, np.int64)
        b = np.zeros(0, np.bool_)
        return FootContacts(side, f, f, i, i, b, b, np.zeros((0, n_sensors)), f, f, b, b, f)

    @staticmethod
    def concat(parts: list[FootContacts], side: Side, n_sensors: int) -> FootContacts:
        """Join contacts found in consecutive chunks (the counts of the last part: they
        are running totals of the stream). One part with contacts among empty ones is
        that part (with the last part's counts): no copy, and no dozen calls that a short
        record's analysis would mostly spend on joining nothing."""
        if not parts:
            return FootContacts.empty(side, n_sensors)
        full = [c for c in parts if len(c)]
        if len(full) == 1 and full[0].sensor_on_t.shape[1:] == (n_sensors,):
            one, last = full[0], parts[-1]
            counts = (last.blips, last.touches, last.breaks)
            if one.side == side and (one.blips, one.touches, one.breaks) == counts:
                return one
            return replace(one, side=side, blips=counts[0], touches=counts[1], breaks=counts[2])
        return FootContacts(
            side,
            np.concatenate([c.on_t for c in parts]),
            np.concatenate([c.off_t for c in parts]),
            np.concatenate([c.on_idx for c in parts]),
            np.concatenate([c.off_idx for c in parts]),
            np.concatenate([c.complete for c in parts]),
            np.concatenate([c.gap_before for c in parts]),
            np.concatenate([c.sensor_on_t for c in parts]),
            np.concatenate([c.impulse for c in parts]),
            np.concatenate([c.peak for c in parts]),
            np.concatenate([c.on_seen for c in parts]),
            np.concatenate([c.off_seen for c in parts]),
            np.concatenate([c.confidence for c in parts]),
            parts[-1].blips,
            parts[-1].touches,
            parts[-1].breaks,
        )


def _param_vector(fs: float, params: ContactParams) -> NDArray[np.float64]:
    """Validate the settings and turn them into the kernel's per-block coefficients."""
    if not (math.isfinite(fs) and fs > 0):
        raise InputError(f"sample rate {fs!r} Hz is not usable", fix="give a positive rate")
    p = params
    if not 0.0 <= p.offset_frac <= p.onset_frac <= p.low_frac < p.mid_frac < 1.0:
        raise InputError(
            f"contact levels offset_frac={p.offset_frac}, onset_frac={p.onset_frac}, "
            f"low_frac={p.low_frac}, mid_frac={p.mid_frac} are out of order",
            fix="use 0 <= offset_frac <= onset_frac <= low_frac < mid_frac < 1",
        )
    for name in (
        "min_contact_s",
        "min_swing_s",
        "block_s",
        "tau_env_s",
        "tau_ref_s",
        "tau_swing_s",
    ):
        v = getattr(p, name)
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"contact setting {name}={v!r} must be positive")
    for name in (
        "extend_s", "onset_back_s", "base_confirm_s", "load_confirm_s", "confirm_jump_frac",
    ):  # fmt: skip
        v = getattr(p, name)
        if not (math.isfinite(v) and v >= 0):
            raise InputError(f"contact setting {name}={v!r} must be 0 or more")
    if not (0.0 <= p.range_floor < 1.0 and p.noise_ratio >= 0 and p.gap_factor > 1.0):
        raise InputError(
            "contact settings range_floor, noise_ratio or gap_factor out of range",
            fix="use 0 <= range_floor < 1, noise_ratio >= 0, gap_factor > 1",
        )
    block = block_samples(p.block_s, fs)
    dt_block = block / fs
    vec = np.zeros(_k.N_P, np.float64)
    vec[_k.P_BLOCK] = block
    vec[_k.P_F_ON] = p.onset_frac
    vec[_k.P_F_OFF] = p.offset_frac
    vec[_k.P_F_LOW] = p.low_frac
    vec[_k.P_F_MID] = p.mid_frac
    vec[_k.P_MIN_CONTACT] = p.min_contact_s
    vec[_k.P_MIN_SWING] = max(1, math.ceil(p.min_swing_s * fs))
    vec[_k.P_A_SWING] = 1.0 - math.exp(-dt_block / p.tau_swing_s)
    vec[_k.P_A_ENV] = 0.5 * (1.0 - math.exp(-dt_block / p.tau_env_s))
    vec[_k.P_F_FLOOR] = p.range_floor
    vec[_k.P_A_REF] = 1.0 - math.exp(-dt_block / p.tau_ref_s)
    vec[_k.P_K_NOISE] = gate_ratio(p.noise_ratio, block)
    vec[_k.P_A_NOISE] = 1.0 - math.exp(-dt_block / p.tau_noise_s)
    vec[_k.P_GAP_DT] = p.gap_factor / fs
    vec[_k.P_FS] = fs
    vec[_k.P_TOUCH] = 1.0 if p.touch_rule else 0.0
    vec[_k.P_EXTEND] = p.extend_s
    vec[_k.P_ONSET_BACK] = p.onset_back_s
    vec[_k.P_BASE_N] = confirm_blocks(p.base_confirm_s, dt_block, 4)
    vec[_k.P_LOAD_N] = confirm_blocks(p.load_confirm_s, dt_block, 2)
    vec[_k.P_HOLD] = 1.0 if p.hold_base else 0.0
    vec[_k.P_JUMP] = p.confirm_jump_frac
    vec[_k.P_DEEP] = 1.0 if p.deep_no_lift else 0.0
    vec[_k.P_DIP] = 1.0 if p.quick_dip_no_lift else 0.0
    return vec


def confirm_blocks(confirm_s: float, dt_block: float, most: int) -> int:
    """Blocks that must all reach a new level: the current one and those of the last
    ``confirm_s`` before it (``dt_block`` s each), at most ``most`` in all."""
    return min(most, 1 + math.ceil(confirm_s / dt_block - 1e-9))


class _FootRunner:
    """Kernel state of one foot, carried from chunk to chunk."""

    def __init__(self, side: Side, cols: list[int], p: NDArray[np.float64]) -> None:
        self.side = side
        self.cols = np.asarray(cols, np.int64)
        self.nk = len(cols)
        self.p = p
        self.tr, self.fs = (a.copy() for a in _fresh_state(self.nk))
        fs = p[_k.P_FS]
        self.per_row = max(1, int(fs * p[_k.P_MIN_CONTACT] + p[_k.P_MIN_SWING]))
        #: empty arrays of the types the last chunk was scanned with, for the end of the
        #: stream (:meth:`finish`: the scan with ``start`` -1, no further compile)
        self._last: tuple[NDArray[np.float64], NDArray[np.generic], NDArray[np.int64] | None]
        self._last = (_EMPTY_T, np.zeros((0, 1)), None)

    def _alloc(self, n: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        cap = n // self.per_row + self._end_rows()
        return np.empty((cap, _k.N_OF + self.nk)), np.empty((cap, _k.N_OI), np.int64)

    def _end_rows(self) -> int:
        """The room for rows that the end of the stream may write (:meth:`finish`'s)."""
        return 16 + int(self.p[_k.P_BLOCK])

    def end_into(self, f: NDArray[np.float64], i: NDArray[np.int64], rows: int) -> int | None:
        """:meth:`finish` written after the first ``rows`` rows of ``f``/``i`` when they
        have its room (the rows in all; None, and nothing scanned, when not): one set of
        rows made into contacts instead of two then joined, 10-25 us a foot."""
        if f.shape[0] - rows < self._end_rows():
            return None
        if self.fs[_k.S_STATE] == _k.UNKNOWN:  # no contact is open: nothing to end
            return rows
        t, x, xw = self._last
        more, _ = _scan.scan(
            t, x, self.cols, -1, self.p, self.tr, self.fs, f[rows:], i[rows:], xw, _NO_WORDS
        )
        return rows + more

    def _result(self, f: NDArray[np.float64], i: NDArray[np.int64]) -> FootContacts:
        """The kernel's rows as contacts: each column a contiguous row of one transposed
        copy (three copies, not a dozen)."""
        ft = f[:, : _k.N_OF].T.copy()
        it = i.T.copy()
        seen = it[[_k.I_COMPLETE, _k.I_GAP, _k.I_ON_SEEN, _k.I_OFF_SEEN]] != 0
        return FootContacts(
            self.side,
            ft[_k.O_ON_T],
            ft[_k.O_OFF_T],
            it[_k.I_ON],
            it[_k.I_OFF],
            seen[0],
            seen[1],
            f[:, _k.N_OF :].copy(),
            ft[_k.O_IMPULSE],
            ft[_k.O_PEAK],
            seen[2],
            seen[3],
            ft[_k.O_CONF],
            int(self.fs[_k.S_BLIPS]),
            int(self.fs[_k.S_TOUCHES]),
            int(self.fs[_k.S_BREAKS]),
        )

    def feed(
        self,
        t: NDArray[np.float64],
        x: NDArray[np.generic],
        bads: NDArray[np.int64] | None = None,
        end: bool = False,
    ) -> FootContacts:
        """Contacts finished in ``t``/``x``; ``bads`` = :func:`bad_steps` of them if known;
        ``end``: the stream ends with them (:meth:`finish`'s contacts too)."""
        parts: list[FootContacts] = []
        bads = _NO_WORDS if bads is None else bads
        start = 0
        n = t.shape[0]
        xw = _row_words(x)
        # (new empty arrays, not slices: a slice would keep the whole chunk alive)
        self._last = (
            _EMPTY_T,
            np.empty((0, x.shape[1]), x.dtype),
            None if xw is None else _NO_WORDS,
        )
        while start < n:
            out_f, out_i = self._alloc(n - start)
            rows, nxt = _scan.scan(
                t, x, self.cols, start, self.p, self.tr, self.fs, out_f, out_i, xw, bads
            )
            if rows < 0:
                _check_finite(t)  # a time that is not finite fails as a step: say so
                raise InputError(
                    f"sample times are not finite and strictly increasing at sample "
                    f"{int(self.fs[_k.S_INDEX])} (t={float(t[nxt])!r} s)",
                    fix="sort the samples by time and drop duplicates",
                )
            start = nxt
            if end and start >= n:
                total = self.end_into(out_f, out_i, rows)
                if total is not None:  # the stream's end written after these rows
                    rows, end = total, False
            parts.append(self._result(out_f[:rows], out_i[:rows]))
        if end:
            parts.append(self.finish())
        return FootContacts.concat(parts, self.side, self.nk)

    def finish(self) -> FootContacts:
        """End of the stream: the contact still open (none before any sample was fed)."""
        out_f, out_i = self._alloc(0)
        rows = 0
        if self.fs[_k.S_STATE] != _k.UNKNOWN:  # else no contact is open: nothing to end
            t, x, xw = self._last
            rows, _ = _scan.scan(
                t, x, self.cols, -1, self.p, self.tr, self.fs, out_f, out_i, xw, _NO_WORDS
            )
        return self._result(out_f[:rows], out_i[:rows])


_NO_WORDS = np.zeros(0, np.int64)


@functools.cache
def _fresh_state(nk: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A foot's fresh kernel state (:func:`~stride.core._contact_state.new_state`), made
    once per sensor count: each foot takes copies (about 6 us less a foot)."""
    return _k.new_state(nk)


_EMPTY_T = np.zeros(0, np.float64)
#: bad time steps found per scan call (more take another call)
BAD_STEP_ROWS = 4096


def bad_steps(
    t: NDArray[np.float64],
    x: NDArray[np.generic],
    cols: NDArray[np.int64],
    p: NDArray[np.float64],
    rows: int = BAD_STEP_ROWS,
    first: int = 1,
) -> NDArray[np.int64]:
    """Every ``k`` in ``first..n-1`` whose time step ``t[k] - t[k-1]`` is not in (0, gap] (gap:
    ``p``'s), then ``n``: found in one pass, so several feet scanning the same times share
    it. The pass is a mode of the contact scan (``start`` -2 - k), called with the types of
    the feet's scans (``x``, ``cols``: the forces and a foot's columns, not read), so it is
    no kernel of its own to compile and load; ``rows`` steps per call."""
    n = t.shape[0]
    tr, fs = _k.new_state(cols.shape[0])
    out_f = np.empty((0, _k.N_OF + cols.shape[0]))
    xw = _row_words(x)
    parts = []
    k = max(1, first)
    while k < n:
        out_i = np.empty((rows, _k.N_OI), np.int64)
        m, k = _scan.scan(t, x, cols, -2 - k, p, tr, fs, out_f, out_i, xw, _NO_WORDS)
        parts.append(out_i[:m, 0].copy())
    parts.append(np.array([n], np.int64))
    return np.concatenate(parts)


def _row_words(x: NDArray[np.generic]) -> NDArray[np.int64] | None:
    """The rows of four int16 channels as one 64-bit word each (a view): the kernel reads
    a column with contiguous, vectorisable loads. Empty for any other integer layout; None
    for float forces (the scan is then compiled without its integer summaries)."""
    if (
        x.dtype == np.int16
        and x.ndim == 2
        and x.shape[1] == 4
        and x.flags.c_contiguous
        and x.dtype.isnative
        and sys.byteorder == "little"
    ):
        return x.view(np.int64).reshape(-1)
    return None if x.dtype.kind == "f" else _NO_WORDS


def _check_chunk(t: NDArray[np.generic] | SampleClock, x: NDArray[np.generic], k: int) -> None:
    """Times (or a clock: its samples) and forces of one shape, numbers."""
    shape = t.shape
    if len(shape) != 1 or x.ndim != 2 or x.shape[0] != shape[0] or x.shape[1] != k:
        raise InputError(
            f"times of shape {shape} and forces of shape {x.shape} do not fit {k} channels",
            fix="pass times (n,) and forces (n, channels)",
        )
    if x.dtype.kind not in "iuf":
        raise InputError(f"forces of dtype {x.dtype} are not numbers", fix="pass numeric arrays")


#: chunks shorter than this are not checked against the rate (a gap could dominate them)
RATE_CHECK_MIN = 17


def _check_rate(t: NDArray[np.float64], fs: float, params: ContactParams) -> None:
    """The times must step by about 1/fs: a wrong rate would make every step a gap (no
    contacts) or hide real gaps. Checked on the median of the first 1000 steps (cheap);
    when every one of them is in range their median is (the middle one, or the rounded mean
    of the middle two, lies between them), and the median is not computed: about 30 us
    before a 5-minute record's scan can start."""
    if t.shape[0] < RATE_CHECK_MIN:
        return
    steps = np.diff(t[:1001])
    lo, hi = 1.0 / (params.gap_factor * fs), params.gap_factor / fs
    if lo < steps.min() and steps.max() <= hi:
        return  # every step in range, so is their median (a NaN fails both tests)
    step = float(np.median(steps))
    if not math.isfinite(step):
        _check_finite(t)
    if step <= 0.0:  # repeated or falling times: no rate to suggest
        raise InputError(
            f"the sample times do not increase (their median step is {step:.6g} s)",
            fix="give each sample its own time, in increasing order (a record joined or "
            "copied twice repeats its times)",
        )
    if not (lo < step <= hi):
        raise InputError(
            f"the samples are {step:.6g} s apart but the sample rate says {fs:g} Hz "
            f"({1.0 / fs:.6g} s)",
            fix=f"give the rate the times were sampled at (about {1.0 / step:.6g} Hz)",
        )


def _check_finite(tt: NDArray[np.float64]) -> None:
    """Every sample time must be finite. Not checked up front (a pass over all the times):
    the kernel stops at a time that is not finite (no step to or from it is valid), and
    the rate check at a non-finite median step; both then call this for the message."""
    bad = np.flatnonzero(~np.isfinite(tt))
    if bad.size:
        raise InputError(
            f"sample time {tt[bad[0]]!r} at sample {int(bad[0])} of the chunk is not finite",
            fix="give every sample a finite time in seconds",
        )


def _prepare(
    t: NDArray[np.generic], x: NDArray[np.generic]
) -> tuple[NDArray[np.float64], NDArray[np.generic]]:
    tt = np.asarray(t, dtype=np.float64)
    if not (tt.flags.c_contiguous and tt.flags.writeable):
        tt = np.array(tt, order="C")
    return tt, _c_writable(x.astype(_kernel_dtype(x.dtype), copy=False))


def _c_writable(a: NDArray[np.generic]) -> NDArray[np.generic]:
    """C-contiguous and writable: numba compiles (and caches) a separate kernel for every
    layout and for read-only arrays, so other inputs are copied instead of compiled for."""
    if a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, order="C")


def _kernel_dtype(dt: np.dtype) -> type[np.generic]:
    """The dtypes the scan is compiled for, each only when first used (each costs 10-20 s
    of compile time on a cold cache): the recorded counts as they are (int16, uint16: no
    float copy), float32 (calibrated newtons), float64. Other dtypes widen to one of them:
    wider integers to float64, exact for any count below 2**53 (the scan's results equal
    the integer scan's, tested), so no reader's first run waits for an int32 or int64
    scan."""
    if dt.kind == "f":
        return np.float32 if dt.itemsize <= 4 else np.float64
    if dt.kind == "u" and dt.itemsize == 2:
        return np.uint16
    if (
        dt.kind == "b"
        or (dt.kind in "iu" and dt.itemsize == 1)
        or (dt.kind == "i" and dt.itemsize == 2)
    ):
        return np.int16
    return np.float64


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
    jobs = [_FootJob(r, times, x, breaks) for r in runners[1:]]
    for job, worker in zip(jobs, _foot_workers(min(len(sides), threads) - 1), strict=False):
        worker.put(job)
    for job in jobs[threads - 1 :]:  # more feet than threads: after the first, here
        job.run()
    first = _one_foot(runners[0], times, x, None, breaks)
    return {sides[0]: first} | {job.runner.side: job.result() for job in jobs}


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


class _FootJob:
    """One foot scanned on a foot thread (:func:`_foot_workers`); :meth:`result` waits for
    it and raises what the scan raised."""

    __slots__ = ("_done", "_err", "_out", "breaks", "runner", "t", "x")

    def __init__(
        self,
        runner: _FootRunner,
        t: NDArray[np.float64] | SampleClock,
        x: NDArray[np.generic],
        breaks: NDArray[np.float64] | None = None,
    ) -> None:
        self.runner, self.t, self.x, self.breaks = runner, t, x, breaks
        self._done = threading.Lock()
        self._done.acquire()  # released once the scan has ended (a lock: the cheapest wake-up)
        self._out: FootContacts | None = None
        self._err: BaseException | None = None

    def run(self) -> None:
        try:
            self._out = _one_foot(self.runner, self.t, self.x, None, self.breaks)
        except BaseException as err:  # raised by the caller's thread, not lost in this one
            self._err = err
        finally:
            self.t = self.x = _EMPTY_T  # the record is not kept alive by a finished job
            self._done.release()

    def result(self) -> FootContacts:
        with self._done:
            pass
        if self._err is not None:
            raise self._err
        assert self._out is not None
        return self._out


class _Beside:
    """A call run on the foot thread (:func:`beside`); :meth:`result` waits for it."""

    __slots__ = ("_done", "_err", "_out", "_work", "started")

    def __init__(self, work: Callable[[], object]) -> None:
        self._work: Callable[[], object] | None = work
        self._done = threading.Lock()
        self._done.acquire()
        self.started = threading.Lock()
        self.started.acquire()
        self._out: object = None
        self._err: BaseException | None = None

    def run(self) -> None:
        self.started.release()
        try:
            assert self._work is not None
            self._out = self._work()
        except BaseException as err:  # raised by the caller's thread, as a foot's error
            self._err = err
        finally:
            self._work = None  # nothing it reads is kept alive by a finished job
            self._done.release()

    def result(self) -> object:
        with self._done:
            pass
        if self._err is not None:
            raise self._err
        return self._out


def beside(work: Callable[[], T], worth: bool) -> Callable[[], T]:
    """``work`` started on the foot thread where :func:`detect_feet` scans feet side by
    side (:func:`foot_threads`) and the caller found it ``worth`` it (work long enough to
    pay for the hand-over, 0.03-0.05 ms); returns what gives its result (raising what it
    raised). Otherwise that is ``work`` itself, called here when its result is asked for
    (in the caller's order, errors included). For work that releases the GIL (a kernel)
    and can go on beside what this thread does next: the polarity figure beside the noise
    figures, one foot's steps table beside the other's (jobs are taken in order: a foot
    handed over later starts after it)."""
    if foot_threads() <= 1 or not worth:
        return work
    job = _Beside(work)
    _foot_workers(1)[0].put(job)
    # Waited for until the thread has taken it and the GIL, so its work runs from here on
    # until it releases the GIL: else, while this thread runs numpy calls that hold the
    # GIL, it would wait for it (up to the interpreter's switch interval, 5 ms). At most
    # BESIDE_WAIT_S: a thread not on a core by then (a busy machine) takes it later.
    job.started.acquire(timeout=BESIDE_WAIT_S)
    return job.result  # type: ignore[return-value]


#: how long :func:`beside` waits for the foot thread to take the work (an idle thread on
#: an idle core: 0.02-0.15 ms)
BESIDE_WAIT_S = 0.001


def _serve(jobs: queue.SimpleQueue[_FootJob | _Beside]) -> None:
    while True:
        jobs.get().run()


#: this process's id and its foot threads' queues (a forked child has none of the threads)
_WORKERS: list[tuple[int, queue.SimpleQueue[_FootJob | _Beside]]] = []


def _foot_workers(n: int) -> list[queue.SimpleQueue[_FootJob | _Beside]]:
    """The queues of ``n`` threads kept for the process that scan feet: a thread started
    and joined for each record took 0.06-0.4 ms (a 5-minute record's foot: 0.6 ms). Daemon
    threads, so they never keep a process from exiting; a process forked from this one
    (``stride analyze A B C``'s workers) has none of them and starts its own."""
    pid = os.getpid()
    if _WORKERS and _WORKERS[0][0] != pid:
        _WORKERS.clear()
    while len(_WORKERS) < n:
        jobs: queue.SimpleQueue[_FootJob | _Beside] = queue.SimpleQueue()
        name = f"stride-foot-{len(_WORKERS) + 1}"
        threading.Thread(target=_serve, args=(jobs,), name=name, daemon=True).start()
        _WORKERS.append((pid, jobs))
    return [jobs for _, jobs in _WORKERS[:n]]


#: records shorter than this are scanned foot after foot: handing a foot to the foot thread
#: costs about 0.03-0.05 ms, so two threads gained from about 30,000 samples on (heel + toe;
#: insole8 from 20,000) and 16-32 % at 60,000 (docs/performance.md)
THREAD_MIN_SAMPLES = 50_000
_THREADS = [1]


def foot_threads() -> int:
    """How many feet :func:`detect_feet` scans at once (:func:`set_foot_threads`; 1 unless
    a caller said more: the core does not look at the machine, ``stride analyze`` asks for
    two while a core is idle)."""
    return _THREADS[0]


def set_foot_threads(n: int) -> None:
    """Scan at most ``n`` feet at once (1: one after another). Worth it only where a core
    is idle: on busy cores a second thread waits for its turn, and the two feet end later
    than one after the other."""
    _THREADS[0] = max(1, int(n))


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
