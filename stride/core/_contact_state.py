"""Contact detection kernels, part 1: the state layout, named states and the rare-event
helpers (private: arrays and scalars in, called through :mod:`stride.core.contacts`).

All state lives in two float64 arrays the caller keeps between chunks: ``tr`` (the
trackers, the summed force's then the sensors': :mod:`stride.core._contact_layout`) and
``fs`` (the foot). Block boundaries count from the first sample of the stream and nothing
looks ahead, so any chunking gives bit-identical results. The scan that applies the rules
is :mod:`stride.core._contact_scan`; the algorithm is described in
:mod:`stride.core.contacts`. Module-level constants are compile-time constants in numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stride.core._contact_layout import (
    N_T,
    PAGE,
    R_LOADED,
    R_PRE_I,
    R_PRE_T,
    R_SON_I,
    R_SON_T,
    T_BMAX,
    T_BMIN,
    T_H,
    T_L,
    T_LOADED,
    T_LOW,
    T_NZ,
    T_OFF,
    T_PBMIN,
    T_PRE_T,
    T_PREV,
    T_SON_T,
    column,
)
from stride.core._kernel_options import JIT_ONLY, PY_ENTRY

# --- foot states (fs[S_STATE]) ---
UNKNOWN = 0.0  # start, after a gap or while the levels are unusable: wait for a clear level
SWING = 1.0
STANCE = 2.0
ENDING = 3.0  # back below the contact level; a contact until a whole swing has passed

# --- sensor load states (a sensor's T_LOADED) ---
LOAD_UNKNOWN = -1.0
UNLOADED = 0.0
LOADED = 1.0

# --- parameter vector (p) ---
P_BLOCK = 0  # samples per envelope block
P_F_ON = 1  # onset level, fraction of the envelope range above the baseline
P_F_LOW = 2  # contact level
P_F_MID = 3  # confirmation level
P_MIN_CONTACT = 4  # s
P_MIN_SWING = 5  # samples below the contact level that end a contact
P_A_ENV = 6  # per-block leak of the envelopes towards each other
P_F_FLOOR = 7  # the envelope range never leaks below this fraction of the reference range
P_A_REF = 8  # per-block decay of the reference range
P_K_NOISE = 9  # the range must exceed this many times the noise spread
P_A_NOISE = 10  # per-block release of the noise estimate
P_GAP_DT = 11  # a time step above this is a gap (s)
P_FS = 12  # sample rate (Hz), for the impulse
P_A_SWING = 13  # per-block pull of the baseline towards the block minimum while unloaded
P_TOUCH = 14  # 1: short parts of a contact separated from it by a lift are touches
P_F_OFF = 15  # unloaded band: final contact, lifts and sensor onsets (fraction of range)
P_EXTEND = 16  # s: the longest a load onset or final contact is extended past its crossings
P_ONSET_BACK = 17  # s: the longest an initial contact is dated back from the onset level
P_BASE_N = 18  # blocks (1-4) that must all reach a lower level before the baseline takes it
P_LOAD_N = 19  # blocks (1-2) that must all reach a higher level before the load level does
P_HOLD = 20  # 1: while the foot is loaded, the baseline does not follow lower readings
P_JUMP = 21  # a level beyond the envelopes by more than this fraction of their range waits
P_DEEP = 22  # 1: one reading far below the baseline (a glitch) moves no contact state
P_DIP = 23  # 1: a lift one reading long, straight back to the confirmation level, is none
N_P = 24

# --- per-foot state (fs[:]) ---
S_STATE = 0
S_BPOS = 1  # samples in the current block
S_PREV_T = 2  # time of the previous valid sample (NaN after a gap / at the start)
S_INDEX = 3  # absolute index of the next sample
S_GAP_FLAG = 4  # a gap happened since the last emitted contact
S_PREV_FC = 5  # final contact of the last emitted contact
S_PRE = 6  # the sum is above the onset level since the candidate's crossing
S_CAND_T = 7  # candidate initial contact: that upward crossing of the onset level
S_CAND_I = 8
S_CAND_BASE = 9  # baseline at the crossing
S_CAND_ACC = 10  # force sum, count and maximum since the crossing
S_CAND_CNT = 11
S_CAND_PEAK = 12
S_ON_T = 13  # the open contact: initial contact
S_ON_I = 14
S_BASE = 15
S_ACC = 16
S_CNT = 17
S_PEAK = 18
S_SEEN = 19  # its initial contact was seen
S_GAP_OPEN = 20  # gap_before of the open contact
S_RANGE = 21  # envelope range and noise when it was confirmed (for the confidence)
S_NOISE = 22
S_PART_T = 23  # start of the contact's current part (the loading after a lift)
S_LONG = 24  # some part lasted at least min_contact_s
S_ABOVE = 25  # ending: the last sample was above the contact level
S_LIFTED = 26  # ending: the force fell to the onset level (the foot left the ground)
S_BELOW = 27  # ending: samples at or below the contact level
S_FC_T = 28  # the dip's final contact: the lift, else the fall through the contact level
S_FC_I = 29
S_FC_ACC = 30
S_FC_CNT = 31
S_FC_PEAK = 32
S_G_T = 33  # final contact of the contact's last long part
S_G_I = 34
S_G_ACC = 35
S_G_CNT = 36
S_G_PEAK = 37
S_BLIPS = 38  # loadings dropped as too short (blips, swing touches)
S_TOUCHES = 39  # touches dropped from the start of a contact
S_LOW_T = 40  # ending: the last fall through the contact level
S_PART_I = 41  # index where the current part started
S_SWUNG = 42  # samples of swing before the current part (a scuff's swing goes on)
S_BREAKS = 43  # samples that cut the signal: not finite, or after missing samples
S_PBMAX = 44  # the sum's previous block's reach (its maximum, at most the far level unless
#  two readings passed it; NaN: none, or no valid sample in it)
S_PBMIN = 45  # the sum's previous blocks' minima, the last first (NaN: as S_PBMAX)
S_PBMIN2 = 46
S_PBMIN3 = 47
S_NFAR = 48  # readings of the sum's current block beyond the load rule's far level
N_S = 49

# --- outputs ---
O_ON_T = 0
O_OFF_T = 1
O_IMPULSE = 2
O_PEAK = 3
O_CONF = 4
N_OF = 5  # then one column per sensor: its onset time
I_ON = 0
I_OFF = 1
I_COMPLETE = 2
I_GAP = 3
I_ON_SEEN = 4
I_OFF_SEEN = 5
N_OI = 6

BIG = 1.7976931348623157e308  # largest float: quiet bounds never admit inf

# Minima and maxima in these kernels are written as ``b if b < a else a`` (numba's builtin
# ``min`` semantics, NaN included), not calls: a call to a helper costs numba's type
# inference at every call site (compile time), and the builtins stayed out-of-line calls
# per sample in the large scan.


@njit(cache=True, **PY_ENTRY)
def _crossing(x0: float, x1: float, t0: float, t1: float, thr: float) -> float:
    """Time where the line from (t0, x0) to (t1, x1) crosses ``thr`` (t1 if t0 is unknown)."""
    if t0 != t0 or x0 != x0 or x1 == x0:
        return t1
    frac = (thr - x0) / (x1 - x0)
    if frac < 0.0:
        frac = 0.0
    elif frac > 1.0:
        frac = 1.0
    return t0 + frac * (t1 - t0)


#: the settings :func:`envelopes` uses (see :func:`envelope_params`)
EnvParams = tuple[float, float, float, float, float, float, float, float, float, float]


@njit(cache=True, **JIT_ONLY)
def envelope_params(p: np.ndarray) -> EnvParams:
    """The settings :func:`envelopes` uses, read once per chunk."""
    return (
        p[P_F_FLOOR], p[P_A_ENV], p[P_A_SWING], p[P_A_REF], p[P_A_NOISE], p[P_F_OFF],
        p[P_F_ON], p[P_F_LOW], p[P_F_MID], p[P_K_NOISE],
    )  # fmt: skip


@njit(cache=True, **JIT_ONLY)
def envelopes(
    bmin: float,
    bmax: float,
    lmin: float,
    hmax: float,
    lo: float,
    hi: float,
    rref: float,
    nz: float,
    ns: float,
    low: float,
    unloaded: bool,
    ep: EnvParams,
    loaded: bool = False,
) -> tuple[float, float, float, float, float, float, float, float, float, float]:
    """Fold a finished block (extremes ``bmin``, ``bmax``; ``lmin``, ``hmax``: the lowest
    and highest level it and the blocks before it that must confirm a level all reached,
    the levels the baseline and load level follow at once) into a tracker's envelopes:
    returns the new baseline, load level, reference range, noise, swing noise band,
    top of the unloaded band, onset, contact and confirmation levels, and 1.0 when the
    levels are usable.

    While the foot (sensor) is unloaded and the whole block stays below the contact level,
    the baseline follows the block minimum within ``tau_swing_s`` and the swing noise band
    the block spread (down within ``tau_swing_s``, up within ``tau_noise_s``), so a
    baseline that creeps up during swing (pre-loading, drift) does not reach the onset
    level early. Otherwise the envelopes only leak towards each other (the baseline only
    while unloaded: loaded, it keeps the swing's level, the level the final contact
    returns to), never below ``range_floor`` x the reference range. The unloaded band and
    the onset level sit at least two swing noise bands above the baseline (noise neither
    starts nor ends contacts) and at most at the contact level. Scalars in and out: a
    helper taking the state arrays costs atomic reference counts per call in numba.
    """
    f_floor, a_env, a_swing, a_ref, a_noise, f_off, f_on, f_low, f_mid, k_noise = ep
    spread = bmax - bmin
    if lo != lo:
        lo = bmin
        hi = bmax
        rref = spread
        nz = spread
        ns = spread
    else:
        rng = hi - lo
        floor = f_floor * rref
        if rng > floor:
            leak = a_env * (rng - floor)
            hi -= leak
            if unloaded:  # loaded, the baseline is not seen: it keeps the swing's level
                lo += leak
        if unloaded and bmin > lo and bmax <= low:
            lo += a_swing * (bmin - lo)
        if unloaded and bmax <= low:
            # falls within tau_swing_s, rises within tau_noise_s: the few blocks that hold
            # a contact's rise or fall below the contact level barely lift it
            ns += (a_swing if spread < ns else a_noise) * (spread - ns)
        if not loaded:  # loaded (the sum in stance), a lower reading is no baseline
            lo = lmin if lmin < lo else lo
        hi = hmax if hmax > hi else hi
        decayed = rref * (1.0 - a_ref)
        rref = hi - lo if hi - lo > decayed else decayed
        if spread < nz:
            nz = spread
        else:
            nz += a_noise * (spread - nz)
    rng = hi - lo
    new_low = lo + f_low * rng
    band = 2.0 * ns  # noise neither starts nor ends a contact
    on = lo + (band if band > f_on * rng else f_on * rng)
    on = new_low if new_low < on else on
    off = lo + (band if band > f_off * rng else f_off * rng)
    off = on if on < off else off
    mid = lo + f_mid * rng
    # usable: a range clear of the noise, and levels that differ (not lost to rounding)
    ok = 1.0 if (rng > 0.0 and rng > k_noise * nz and mid > new_low) else 0.0
    return lo, hi, rref, nz, ns, off, on, new_low, mid, ok


@njit(cache=True, **JIT_ONLY)
def open_contact(fs: np.ndarray, tr: np.ndarray, nk: int, seen: bool, after: float) -> None:
    """Start (or restart) the contact at the candidate; a sensor that loaded after
    ``after`` gives its onset crossing as its onset in this contact."""
    fs[S_STATE] = STANCE
    fs[S_ON_T] = fs[S_CAND_T]
    fs[S_ON_I] = fs[S_CAND_I]
    fs[S_BASE] = fs[S_CAND_BASE]
    fs[S_ACC] = fs[S_CAND_ACC]
    fs[S_CNT] = fs[S_CAND_CNT]
    fs[S_PEAK] = fs[S_CAND_PEAK]
    fs[S_SEEN] = 1.0 if seen else 0.0
    fs[S_GAP_OPEN] = fs[S_GAP_FLAG]
    fs[S_RANGE] = tr[T_H] - tr[T_L]
    fs[S_NOISE] = tr[T_NZ]
    # a start not seen: its first part counts as long, whatever its length
    fs[S_PART_T] = fs[S_CAND_T] if seen else -np.inf
    fs[S_PART_I] = fs[S_CAND_I]
    fs[S_LONG] = 0.0
    fs[S_ABOVE] = 0.0
    fs[S_LIFTED] = 0.0
    if nk > 1:
        for k in range(nk):
            ck = column(k)
            if tr[ck + R_LOADED] == LOADED and tr[ck + R_PRE_T] > after:
                tr[ck + R_SON_T] = tr[ck + R_PRE_T]
                tr[ck + R_SON_I] = tr[ck + R_PRE_I]
            else:
                tr[ck + R_SON_T] = np.nan
                tr[ck + R_SON_I] = -1.0


@njit(cache=True, **JIT_ONLY)
def _part_ended(fs: np.ndarray, p: np.ndarray) -> None:
    """The contact's current part ended at the dip's final contact: a part lasting at least
    ``min_contact_s`` (or any part, without the touch rule) counts, and its final contact
    becomes the contact's."""
    if fs[S_FC_T] - fs[S_PART_T] >= p[P_MIN_CONTACT] or p[P_TOUCH] == 0.0:
        fs[S_LONG] = 1.0
        fs[S_G_T] = fs[S_FC_T]
        fs[S_G_I] = fs[S_FC_I]
        fs[S_G_ACC] = fs[S_FC_ACC]
        fs[S_G_CNT] = fs[S_FC_CNT]
        fs[S_G_PEAK] = fs[S_FC_PEAK]


@njit(cache=True, **JIT_ONLY)
def lift(fs: np.ndarray, p: np.ndarray, t_off: float, gi: float, s: float, tr: np.ndarray) -> None:
    """The dip's force fell into the unloaded band at ``t_off``: the foot left the ground.
    A short part after a long one (a scuff) is dropped and its time counts as swing.
    The dip's final contact is where the unloading, extended as a straight line through
    its falls past the contact level and the band's top, reaches the baseline: the foot's
    last load, without the slow relaxation of a force-sensitive resistor that follows it
    (at most as far beyond ``t_off`` as the fall between the two levels took, and at most
    ``extend_s``). Sums up to
    the sample before ``gi``; ``tr``: the trackers' state (the foot's is column 0)."""
    t_fc = t_off
    off = tr[T_OFF]
    low = tr[T_LOW]
    if low > off:
        ratio = (off - tr[T_L]) / (low - off)
        ext = (t_off - fs[S_LOW_T]) * (1.0 if ratio > 1.0 else ratio)
        t_fc = t_off + (ext if ext < p[P_EXTEND] else p[P_EXTEND])
    fs[S_FC_T] = t_fc
    fs[S_FC_I] = gi
    fs[S_FC_ACC] = fs[S_ACC] - s
    fs[S_FC_CNT] = fs[S_CNT] - 1.0
    fs[S_FC_PEAK] = fs[S_PEAK]
    fs[S_LIFTED] = 1.0
    long_before = fs[S_LONG] != 0.0
    _part_ended(fs, p)
    if long_before and fs[S_G_T] != t_fc:
        # a scuff after the stance: the foot was swinging all along, the scuff included
        fs[S_BELOW] = fs[S_SWUNG] + gi - fs[S_PART_I]


@njit(cache=True, **JIT_ONLY)
def emit(
    fs: np.ndarray,
    tr: np.ndarray,
    nk: int,
    off_seen: bool,
    t_end: float,
    i_end: float,
    out_f: np.ndarray,
    out_i: np.ndarray,
    n_out: int,
    p: np.ndarray,
) -> int:
    """Write the open contact as row ``n_out``; return the new row count.

    ``off_seen``: the contact ended in a whole swing (ending state): it ends at the final
    contact of its last long part, and a contact without a long part is a blip (dropped,
    counted); otherwise the record or a gap cut it at ``t_end``.
    """
    on_seen = fs[S_SEEN] != 0.0
    if off_seen:
        if fs[S_LIFTED] == 0.0:
            _part_ended(fs, p)
        if fs[S_LONG] == 0.0:
            fs[S_BLIPS] += 1.0
            return n_out
        off_t = fs[S_G_T]
        off_i = fs[S_G_I]
        acc = fs[S_G_ACC]
        cnt = fs[S_G_CNT]
        peak = fs[S_G_PEAK]
    else:
        off_t = t_end
        off_i = i_end
        acc = fs[S_ACC]
        cnt = fs[S_CNT]
        peak = fs[S_PEAK]
    on_t = fs[S_ON_T]
    on_i = fs[S_ON_I]
    if nk > 1:
        # several sensors: IC = the first sensor to load
        for k in range(nk):
            ck = column(k)
            son = tr[ck + R_SON_T]
            if son == son and son < on_t:
                on_t = son
                on_i = tr[ck + R_SON_I]
    complete = on_seen and off_seen
    if complete and off_t - on_t < p[P_MIN_CONTACT]:
        fs[S_BLIPS] += 1.0
        return n_out
    base = fs[S_BASE]
    out_f[n_out, O_ON_T] = on_t
    out_f[n_out, O_OFF_T] = off_t
    out_f[n_out, O_IMPULSE] = (acc - cnt * base) / p[P_FS]
    out_f[n_out, O_PEAK] = peak - base
    out_f[n_out, O_CONF] = _confidence(peak - base, off_t - on_t, fs[S_RANGE], fs[S_NOISE], p)
    if nk > 1:
        for k in range(nk):
            ck = column(k)
            out_f[n_out, N_OF + k] = tr[ck + R_SON_T]
    else:
        out_f[n_out, N_OF] = on_t if on_seen else np.nan
    out_i[n_out, I_ON] = np.int64(on_i)
    out_i[n_out, I_OFF] = np.int64(off_i)
    out_i[n_out, I_COMPLETE] = 1 if complete else 0
    out_i[n_out, I_GAP] = 1 if fs[S_GAP_OPEN] != 0.0 else 0
    out_i[n_out, I_ON_SEEN] = 1 if on_seen else 0
    out_i[n_out, I_OFF_SEEN] = 1 if off_seen else 0
    fs[S_PREV_FC] = off_t
    fs[S_GAP_FLAG] = 0.0
    return n_out + 1


@njit(cache=True, **JIT_ONLY)
def _clip01(v: float) -> float:
    if not v > 0.0:
        return 0.0
    return 1.0 if v > 1.0 else v


@njit(cache=True, **JIT_ONLY)
def _confidence(peak: float, dur: float, rng: float, noise: float, p: np.ndarray) -> float:
    """How clearly a contact stood out, 0..1: the smallest of how far its peak rose past
    the confirmation level (1 at the load envelope), how far it outlasted ``min_contact_s``
    (1 at twice), and how far the range cleared the noise gate (1 at twice)."""
    f_mid = p[P_F_MID]
    load = _clip01((peak / rng - f_mid) / (1.0 - f_mid)) if rng > 0.0 else 0.0
    length = _clip01(dur / p[P_MIN_CONTACT] - 1.0)
    gate = noise * p[P_K_NOISE]
    clear = _clip01(rng / gate - 1.0) if gate > 0.0 else 1.0
    least = length if length < load else load
    return clear if clear < least else least


def new_state(nk: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh tracker and foot state for a foot with ``nk`` sensors (the sensors' pages
    filled with trackers that never see a sample)."""
    pages = -(-nk // PAGE)
    tr = np.zeros(N_T * (1 + pages * PAGE), np.float64)
    for view in (tr[:N_T, None], tr[N_T:].reshape(pages, N_T, PAGE).transpose(1, 0, 2)):
        view[T_L] = np.nan
        view[T_H] = np.nan
        view[T_PREV] = np.nan
        view[T_BMIN] = np.inf
        view[T_BMAX] = -np.inf
        view[T_LOADED] = LOAD_UNKNOWN
        view[T_PRE_T] = np.nan
        view[T_SON_T] = np.nan
        view[T_PBMIN:N_T] = np.nan
    fs = np.zeros(N_S, np.float64)
    fs[S_STATE] = UNKNOWN
    fs[S_PREV_T] = np.nan
    fs[S_PREV_FC] = -np.inf
    fs[S_PBMAX:S_NFAR] = np.nan
    return tr, fs
