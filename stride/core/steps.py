"""Events -> the steps table: one row per initial contact (IC), both feet, in time order.

Row of foot X ending with its contact j (definitions in docs/metrics.md):

- ``ic_s`` = IC of contact j; ``fc_s`` = final contact (FC) of the same contact;
- ``step_time_s`` = IC_j minus the last IC of the other foot before it;
- ``stride_time_s`` = IC_j minus IC_{j-1} of the same foot;
- ``stance_s`` = FC_j - IC_j (the stance this IC starts);
- ``swing_s`` = IC_j - FC_{j-1} (the swing this IC ends), so every field of a row is known
  once FC_j is: the streaming analyzer can emit the row then;
- double support: initial = from IC_j to the other foot's FC, terminal = from the other
  foot's next IC to FC_j (0 when the feet never overlap);
- ``step_length_m``/``stride_length_m`` = belt displacement (belt under foot X) over the
  step/stride interval; the change in fore-aft foot position is not observable with foot
  sensors and is assumed zero;
- ``confidence`` (0..1) = how clearly the contacts that bound the stride (IC_{j-1}'s and
  IC_j's) stood out from the thresholds: the lesser of their confidences (see
  ``stride.core.contacts.FootContacts``). Rows below ``LOW_CONFIDENCE`` stay in the table
  and in the summaries; the summary counts them.

Flags (a row with any flag is left out of every summary):

- ``gap``: samples missing in the step, stride or contact (those intervals are not
  measured);
- ``edge``: no previous contact, or an initial contact not observed because the contact
  began before the record or a gap (a final contact not observed only leaves stance and
  loading empty);
- ``stop``: stride longer than ``max_stride_s`` or ``stop_factor`` times the reference;
  beyond ``max_stride_s`` it is a pause in walking, not a stride: its stride (and a step
  that long) are not measured;
- ``turn``: stride or step differing from its reference by more than ``turn_tolerance``
  (a turn or a hesitation); for steps also by more than 5 robust SDs (1.4826 MAD) of the
  foot's recent steps, since in some gaits step times vary much more than strides;
- ``alternation``: not exactly one IC of the other foot within the stride.

The references are the medians of the same foot's previous ``ref_strides`` stride times
and step times, so they need no future data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from stride.core._step_kernels import _previous_median_mad as _k_previous_median_mad
from stride.core.belt import BeltTrack
from stride.core.gaps import overlaps_gap
from stride.core.rollover import CONTACT_TYPES, UNKNOWN, classify_contacts
from stride.errors import InputError

FLAG_GAP, FLAG_TURN, FLAG_STOP, FLAG_EDGE, FLAG_ALTERNATION = 1, 2, 4, 8, 16
#: strides whose confidence is below this are counted in the summary (``low_confidence``)
LOW_CONFIDENCE = 0.5
FLAG_NAMES = (
    (FLAG_GAP, "gap"),
    (FLAG_TURN, "turn"),
    (FLAG_STOP, "stop"),
    (FLAG_EDGE, "edge"),
    (FLAG_ALTERNATION, "alternation"),
)


class ContactsLike(Protocol):
    """What the steps table reads from a foot's contacts (``stride.core.contacts``)."""

    @property
    def on_t(self) -> NDArray[np.float64]: ...
    @property
    def off_t(self) -> NDArray[np.float64]: ...
    @property
    def complete(self) -> NDArray[np.bool_]: ...
    @property
    def on_seen(self) -> NDArray[np.bool_]: ...
    @property
    def off_seen(self) -> NDArray[np.bool_]: ...
    @property
    def gap_before(self) -> NDArray[np.bool_]: ...
    @property
    def sensor_on_t(self) -> NDArray[np.float64]: ...
    @property
    def impulse(self) -> NDArray[np.float64]: ...
    @property
    def peak(self) -> NDArray[np.float64]: ...
    @property
    def confidence(self) -> NDArray[np.float64]: ...


class StepParams(NamedTuple):
    """When a stride counts as a stop or a turn (see the module docstring)."""

    max_stride_s: float = 3.0
    stop_factor: float = 2.0
    turn_tolerance: float = 0.30
    ref_strides: int = 8
    min_ref_strides: int = 3
    flat_s: float = 0.010


#: Columns of the table; float columns use NaN for "not measurable".
FLOAT_COLUMNS = (
    "ic_s",
    "fc_s",
    "step_time_s",
    "stride_time_s",
    "stance_s",
    "swing_s",
    "step_length_m",
    "stride_length_m",
    "double_support_initial_s",
    "double_support_terminal_s",
    "heel_toe_s",
    "impulse",
    "peak",
    "target_error_m",
    "confidence",
)
#: First columns of the steps CSV and of the simulator's truth_steps.csv, in this order.
CSV_COLUMNS = (
    "side",
    "ic_s",
    "fc_s",
    "step_time_s",
    "stride_time_s",
    "stance_s",
    "swing_s",
    "step_length_m",
    "stride_length_m",
)


@dataclass(frozen=True)
class StepTable:
    """The steps table as columns. ``side`` 0 = L, 1 = R; ``contact`` = index of the row's
    contact within its foot; ``flags`` a bit mask; ``contact_type`` a rollover code;
    ``on_target`` -1 (no target or no length), 0 or 1."""

    side: NDArray[np.int8]
    contact: NDArray[np.int64]
    flags: NDArray[np.uint16]
    contact_type: NDArray[np.int8]
    on_target: NDArray[np.int8]
    values: dict[str, NDArray[np.float64]]

    def __len__(self) -> int:
        return int(self.side.shape[0])

    def __getitem__(self, name: str) -> NDArray[np.float64]:
        return self.values[name]

    @property
    def valid(self) -> NDArray[np.bool_]:
        """Rows without any flag: the ones summaries use."""
        return self.flags == 0

    def take(self, idx: NDArray[np.int64] | NDArray[np.bool_]) -> StepTable:
        return StepTable(
            self.side[idx],
            self.contact[idx],
            self.flags[idx],
            self.contact_type[idx],
            self.on_target[idx],
            {k: v[idx] for k, v in self.values.items()},
        )

    @staticmethod
    def empty() -> StepTable:
        return StepTable(
            np.zeros(0, np.int8),
            np.zeros(0, np.int64),
            np.zeros(0, np.uint16),
            np.zeros(0, np.int8),
            np.zeros(0, np.int8),
            {k: np.zeros(0) for k in FLOAT_COLUMNS},
        )

    @staticmethod
    def concat(tables: Sequence[StepTable]) -> StepTable:
        if not tables:
            return StepTable.empty()
        return StepTable(
            np.concatenate([t.side for t in tables]),
            np.concatenate([t.contact for t in tables]),
            np.concatenate([t.flags for t in tables]),
            np.concatenate([t.contact_type for t in tables]),
            np.concatenate([t.on_target for t in tables]),
            {k: np.concatenate([t.values[k] for t in tables]) for k in FLOAT_COLUMNS},
        )

    def rows(self, with_target: bool = False) -> Iterator[dict[str, object]]:
        """Rows as the JSON objects of DESIGN.md (None for not measurable)."""
        cols = {k: v.tolist() for k, v in self.values.items()}
        for i in range(len(self)):
            row: dict[str, object] = {"side": "LR"[int(self.side[i])]}
            for k in CSV_COLUMNS[1:]:
                row[k] = _num(cols[k][i])
            row["flags"] = flag_names(int(self.flags[i]))
            if with_target:
                row["target_error_m"] = _num(cols["target_error_m"][i])
                ot = int(self.on_target[i])
                row["on_target"] = None if ot < 0 else bool(ot)
            row["double_support_initial_s"] = _num(cols["double_support_initial_s"][i])
            row["double_support_terminal_s"] = _num(cols["double_support_terminal_s"][i])
            row["contact_type"] = CONTACT_TYPES.get(int(self.contact_type[i]))
            row["heel_toe_s"] = _num(cols["heel_toe_s"][i])
            row["impulse"] = _num(cols["impulse"][i])
            row["peak"] = _num(cols["peak"][i])
            row["confidence"] = _num(cols["confidence"][i])
            yield row


def _num(x: float) -> float | None:
    return None if x != x else x


def flag_names(mask: int) -> list[str]:
    return [name for bit, name in FLAG_NAMES if mask & bit]


def _previous_median(x: NDArray[np.float64], k: int, min_count: int) -> NDArray[np.float64]:
    """For each i, the median of the finite values among x[i-k:i]; NaN if fewer than min."""
    return _previous_median_mad(x, k, min_count, with_mad=False)[0]


def _previous_median_mad(
    x: NDArray[np.float64], k: int, min_count: int, with_mad: bool = True
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Median and median absolute deviation of the finite values among x[i-k:i]."""
    if k < 1:
        raise InputError(
            f"the stride reference needs at least 1 previous stride, got ref_strides={k}",
            fix="set ref_strides to 1 or more (default 8)",
        )
    xs = np.ascontiguousarray(x, dtype=np.float64)
    med, mad = _k_previous_median_mad(xs, int(k), int(min_count), with_mad)
    return med, mad


def side_rows(
    own: ContactsLike,
    other: ContactsLike,
    side: int,
    places: Sequence[str],
    fs: float,
    belt: BeltTrack | None,
    gap_starts: NDArray[np.float64],
    gap_ends: NDArray[np.float64],
    params: StepParams,
    idx: NDArray[np.int64] | None = None,
) -> StepTable:
    """Rows of one foot for its contacts ``idx`` (all by default).

    Each row depends only on the contacts and belt samples up to shortly after its FC (the
    streaming analyzer emits it once those are final), so a row computed from a prefix of
    the data equals the row computed from the whole record.
    """
    on = np.asarray(own.on_t, dtype=np.float64)
    complete = np.asarray(own.complete, dtype=np.bool_)
    on_seen = np.asarray(own.on_seen, dtype=np.bool_)
    off_seen = np.asarray(own.off_seen, dtype=np.bool_)
    off = np.where(off_seen, np.asarray(own.off_t, dtype=np.float64), np.nan)
    on_o = np.asarray(other.on_t, dtype=np.float64)
    off_o = np.where(
        np.asarray(other.off_seen, dtype=np.bool_), np.asarray(other.off_t, np.float64), np.nan
    )
    m = on.shape[0]
    if idx is None:
        idx = np.arange(m, dtype=np.int64)
    j = idx
    n = j.shape[0]

    # Stride reference (median of previous strides) needs the strides before idx[0].
    lo = max(int(j.min()) - params.ref_strides, 0) if n else 0
    hi = int(j.max()) + 1 if n else 0
    seg_on = on[lo:hi]
    prev_on = np.concatenate([[np.nan], on])[lo:hi]
    seg_stride = seg_on - prev_on
    # stride intervals spanning a gap are not strides: keep them out of the reference
    seg_stride = np.where(overlaps_gap(prev_on, seg_on, gap_starts, gap_ends), np.nan, seg_stride)
    ref_all = _previous_median(seg_stride, params.ref_strides, params.min_ref_strides)
    ref = ref_all[j - lo]
    # Step-time reference, per foot too (a limp makes left and right steps differ): the
    # first step of a turn or a hesitation shows in the step before it shows in the stride.
    other_seen = np.asarray(other.on_seen, dtype=np.bool_)
    w_po = np.searchsorted(on_o, seg_on, side="left") - 1
    w_ok = (w_po >= 0) & on_seen[lo:hi]
    w_ok &= np.where(w_ok, other_seen[np.maximum(w_po, 0)] if on_o.size else False, False)
    w_other = np.where(w_ok, on_o[np.maximum(w_po, 0)] if on_o.size else np.nan, np.nan)
    seg_step = np.where(w_ok, seg_on - w_other, np.nan)
    seg_step = np.where(overlaps_gap(w_other, seg_on, gap_starts, gap_ends), np.nan, seg_step)
    ref_step_all, mad_step_all = _previous_median_mad(
        seg_step, params.ref_strides, params.min_ref_strides
    )
    ref_step, mad_step = ref_step_all[j - lo], mad_step_all[j - lo]

    ic = on[j]
    fc = off[j]
    has_prev = j > 0
    pj = np.maximum(j - 1, 0)
    prev_ic = np.where(has_prev, on[pj], np.nan)
    prev_fc = np.where(has_prev, off[pj], np.nan)
    seen = on_seen[j]
    prev_seen = np.where(has_prev, on_seen[pj], False)
    stride_time = np.where(seen & prev_seen, ic - prev_ic, np.nan)
    swing = np.where(seen, ic - prev_fc, np.nan)
    stance = np.where(seen, fc - ic, np.nan)

    after = np.searchsorted(on_o, ic, side="left")
    po = after - 1
    has_po = po >= 0
    pos = np.maximum(po, 0)
    other_ic = np.where(has_po, on_o[pos] if on_o.size else np.nan, np.nan)
    other_on_seen = np.asarray(other.on_seen, dtype=np.bool_)
    po_on_seen = np.where(has_po, other_on_seen[pos] if on_o.size else False, False)
    step_time = np.where(seen & po_on_seen, ic - other_ic, np.nan)
    n_between = after - np.searchsorted(on_o, np.where(has_prev, prev_ic, -np.inf), side="right")
    alternation = has_prev & (n_between != 1)

    # Double support.
    other_fc = np.where(has_po, off_o[pos] if off_o.size else np.nan, np.nan)
    ds_init = np.where(other_fc >= ic, np.fmin(other_fc, fc) - ic, 0.0)
    ds_init = np.where(np.isfinite(other_fc) & np.isfinite(fc), ds_init, np.nan)
    nxt = np.minimum(after, max(on_o.size - 1, 0))
    next_ic = np.where(after < on_o.size, on_o[nxt] if on_o.size else np.nan, np.inf)
    ds_term = np.where(next_ic < fc, fc - next_ic, 0.0)
    ds_term = np.where(np.isfinite(fc), ds_term, np.nan)

    # Gaps: intervals spanning one are not measured.
    gap_stride = overlaps_gap(prev_ic, ic, gap_starts, gap_ends)
    gap_step = overlaps_gap(other_ic, ic, gap_starts, gap_ends)
    gap_swing = overlaps_gap(prev_fc, ic, gap_starts, gap_ends)
    gap_contact = overlaps_gap(ic, fc, gap_starts, gap_ends)
    gap_before = np.asarray(own.gap_before, dtype=np.bool_)[j]
    stride_time = np.where(gap_stride | gap_before, np.nan, stride_time)
    step_time = np.where(gap_step, np.nan, step_time)
    swing = np.where(gap_swing | gap_stride, np.nan, swing)
    stance = np.where(gap_contact, np.nan, stance)

    if belt is not None:
        step_length, stride_length = belt.displacements([other_ic, prev_ic], ic)
        # measured exactly where the matching time is (not across gaps or unseen ICs)
        step_length = np.where(np.isfinite(step_time), step_length, np.nan)
        stride_length = np.where(np.isfinite(stride_time), stride_length, np.nan)
    else:
        step_length = np.full(n, np.nan)
        stride_length = np.full(n, np.nan)

    flags = np.zeros(n, dtype=np.uint16)
    flags[gap_stride | gap_step | gap_contact | gap_before] |= FLAG_GAP
    # An IC that was not seen (contact began before the record or a gap) ends no step or
    # stride and starts none; an unseen FC only leaves stance and loading unmeasured.
    edge = ~has_prev | ~seen | ~prev_seen | ~has_po | ~po_on_seen
    flags[edge] |= FLAG_EDGE
    with np.errstate(invalid="ignore"):
        stop = (stride_time > params.max_stride_s) | (stride_time > params.stop_factor * ref)
        tol = params.turn_tolerance
        odd_stride = np.abs(stride_time - ref) > tol * ref
        # steps vary far more than strides in some gaits (ALS: step CV 40 % with stride
        # CV 7 %): a step is odd only beyond its foot's usual spread as well
        step_limit = np.fmax(tol * ref_step, 5.0 * 1.4826 * mad_step)
        odd_step = np.abs(step_time - ref_step) > step_limit
        turn = ~stop & (odd_stride | odd_step)
    flags[stop] |= FLAG_STOP
    flags[turn] |= FLAG_TURN
    flags[alternation] |= FLAG_ALTERNATION
    # a pause in walking (longer than any stride) is not a stride or a step: not measured
    with np.errstate(invalid="ignore"):
        paused = stride_time > params.max_stride_s
        paused_step = step_time > params.max_stride_s
    stride_time = np.where(paused, np.nan, stride_time)
    stride_length = np.where(paused, np.nan, stride_length)
    step_time = np.where(paused_step, np.nan, step_time)
    step_length = np.where(paused_step, np.nan, step_length)

    sensor_on = np.asarray(own.sensor_on_t, dtype=np.float64)
    if sensor_on.ndim == 2 and sensor_on.shape[1] == len(places) and m:
        kinds, transition = classify_contacts(sensor_on[j], places, fs, params.flat_s)
    else:
        kinds, transition = np.full(n, UNKNOWN, np.int8), np.full(n, np.nan)
    kinds = np.where(on_seen[j], kinds, UNKNOWN).astype(np.int8)
    impulse = np.where(complete[j], np.asarray(own.impulse, np.float64)[j], np.nan)
    peak = np.where(complete[j], np.asarray(own.peak, np.float64)[j], np.nan)
    # how clearly the contacts that bound the stride stood out: the lesser of the two
    conf_own = np.asarray(own.confidence, np.float64)
    confidence = np.where(has_prev, np.fmin(conf_own[j], conf_own[pj]), conf_own[j])

    values = {
        "ic_s": ic,
        "fc_s": fc,
        "step_time_s": step_time,
        "stride_time_s": stride_time,
        "stance_s": stance,
        "swing_s": swing,
        "step_length_m": step_length,
        "stride_length_m": stride_length,
        "double_support_initial_s": ds_init,
        "double_support_terminal_s": ds_term,
        "heel_toe_s": transition,
        "impulse": impulse,
        "peak": peak,
        "target_error_m": np.full(n, np.nan),
        "confidence": confidence,
    }
    return StepTable(
        np.full(n, side, np.int8),
        j.astype(np.int64),
        flags,
        kinds,
        np.full(n, -1, np.int8),
        {k: np.asarray(v, dtype=np.float64) for k, v in values.items()},
    )


def merge_sides(left: StepTable, right: StepTable) -> StepTable:
    """Both feet's rows in IC order (a tie puts L first)."""
    both = StepTable.concat([left, right])
    order = np.lexsort((both.side, both["ic_s"]))
    return both.take(order)
