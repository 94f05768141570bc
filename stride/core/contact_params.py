"""The settings of contact detection (:class:`ContactParams`, their meaning in
:mod:`stride.core.contacts`) and the numbers the scan takes from them: the envelope block
in samples, the noise gate for that block, and the per-block coefficients the kernels read
(:func:`_param_vector`, checked here once so no kernel meets a setting out of range).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from stride.core import _contact_state as _k
from stride.errors import InputError

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
