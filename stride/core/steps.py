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
  that long) are not measured. Also a stance over ``max_stride_s`` or the reference stride
  (a walking stance is ~60 % of it): standing (a freeze of gait, a stopped belt);
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
from typing import NamedTuple, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

# the flag bits are defined where the kernel that sets them is (public here)
from stride.core._step_kernels import (
    FLAG_ALTERNATION,
    FLAG_EDGE,
    FLAG_GAP,
    FLAG_STOP,
    FLAG_TURN,
    _row_marks,
)
from stride.core.belt import BeltTrack
from stride.core.gaps import overlaps_gap
from stride.core.rollover import CONTACT_TYPES, UNKNOWN, RolloverArgs, rollover_args
from stride.core.rows import SHARED_COLUMNS, StepRow
from stride.core.step_intervals import (
    ContactsLike,
    Intervals,
    feet,
    intervals,
    other_before,
    references,
    span,
)
from stride.core.steps_whole import kernel_ready as whole_kernel_ready
from stride.core.steps_whole import whole_rows

_T = TypeVar("_T", bound=np.generic)

#: strides whose confidence is below this are counted in the summary (``low_confidence``)
LOW_CONFIDENCE = 0.5
FLAG_NAMES = (
    (FLAG_GAP, "gap"),
    (FLAG_TURN, "turn"),
    (FLAG_STOP, "stop"),
    (FLAG_EDGE, "edge"),
    (FLAG_ALTERNATION, "alternation"),
)


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

    def rows(self, with_target: bool = False) -> Iterator[StepRow]:
        """Rows as :class:`~stride.core.rows.StepRow`, keys in :data:`STEP_COLUMNS` order
        (None for not measurable); ``target_error_m`` and ``on_target`` with a target."""
        cols = {k: v.tolist() for k, v in self.values.items()}
        for i in range(len(self)):
            row: dict[str, object] = {"side": "LR"[int(self.side[i])]}
            for k in SHARED_COLUMNS[1:]:
                row[k] = _num(cols[k][i])
            row["flags"] = flag_names(int(self.flags[i]))
            if with_target:
                row["target_error_m"] = _num(cols["target_error_m"][i])
                ot = int(self.on_target[i])
                row["on_target"] = None if ot < 0 else bool(ot)
            row["double_support_initial_s"] = _num(cols["double_support_initial_s"][i])
            row["double_support_terminal_s"] = _num(cols["double_support_terminal_s"][i])
            row["contact_type"] = CONTACT_TYPES.get(int(self.contact_type[i]))
            for k in ("heel_toe_s", "impulse", "peak", "confidence"):
                row[k] = _num(cols[k][i])
            yield cast(StepRow, row)

    def row_flags(self) -> list[list[str]]:
        """Each row's ``flags`` as :meth:`rows` gives them (each distinct mask named once),
        for a writer that takes the table column by column."""
        masks = self.flags.tolist()
        names = {m: flag_names(int(m)) for m in set(masks)}
        return [list(names[m]) for m in masks]


def _num(x: float) -> float | None:
    return None if x != x else x


def flag_names(mask: int) -> list[str]:
    return [name for bit, name in FLAG_NAMES if mask & bit]


def _lengths(
    belt: BeltTrack | None, iv: Intervals, n: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The belt's displacement over each row's stride and step (NaN without a belt);
    :func:`_marks` keeps each only where the matching time is measured (not across gaps
    or unseen ICs)."""
    if belt is None:
        return np.full(n, np.nan), np.full(n, np.nan)
    step_length, stride_length = belt.displacements([iv.other_ic, iv.prev_ic], iv.ic)
    return stride_length, step_length


def _marks(
    times: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    lengths: tuple[NDArray[np.float64], NDArray[np.float64]],
    refs: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    masks: tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]],
    params: StepParams,
    roll: RolloverArgs | None = None,
    j: NDArray[np.int64] = np.zeros(0, np.int64),  # noqa: B008 (never written)
) -> tuple[NDArray[np.uint16], NDArray[np.float64], NDArray[np.int8], NDArray[np.float64]]:
    """Flag bits of rows with these stride, step and stance ``times`` (after gaps), their belt
    ``lengths``, ``refs`` and (gap, edge, alternation) ``masks``: ``stop`` and ``turn``
    as the module docstring defines them; and the rows' stride time, step time, stride
    length and step length (4 x n), a pause in walking (an interval longer than any
    stride, ``max_stride_s``) not measured as a stride or step (the row keeps its
    ``stop``). Then the contact type and heel-to-toe time of rows ``j`` from ``roll``
    (:func:`~stride.core.rollover.rollover_args`; None: unknown) in the same kernel call
    (one kernel fewer for a command to load, about 2 ms). One kernel call (about 40 numpy
    calls before)."""
    n = times[0].shape[0]
    f64 = [np.ascontiguousarray(a, np.float64) for a in (*times, *lengths, *refs)]
    bools = [np.ascontiguousarray(a, np.bool_) for a in masks]
    if any(a.shape != (n,) for a in (*f64, *bools)):
        raise ValueError("every column of the rows needs one value a row")
    flags = np.empty(n, np.uint16)
    out = np.empty((4, n))
    on, idx, heel, toe, seen, flat_tol = _NO_ROLL if roll is None else roll
    kinds, transition = np.empty(idx.shape[0], np.int8), np.empty(idx.shape[0])
    _row_marks(*f64, *bools, float(params.max_stride_s), float(params.stop_factor),
               float(params.turn_tolerance), flags, out, on, idx, heel, toe, seen,
               float(flat_tol), kinds, transition)  # fmt: skip
    if roll is None:
        kinds, transition = np.full(j.shape[0], UNKNOWN, np.int8), np.full(j.shape[0], np.nan)
    return flags, out, kinds, transition


_I0 = np.zeros(0, np.int64)
#: :func:`_marks` without a roll-over: no rows
_NO_ROLL: RolloverArgs = (np.zeros((0, 0)), _I0, _I0, _I0, np.zeros(0, np.bool_), 0.0)


def _gaps(
    iv: Intervals,
    gap_before: NDArray[np.bool_],
    gap_starts: NDArray[np.float64],
    gap_ends: NDArray[np.float64],
) -> tuple[NDArray[np.bool_], tuple[NDArray[np.float64], ...]]:
    """Rows touching a gap (or with missing samples before their contact), and stride,
    step, swing and stance time with the intervals spanning a gap not measured. Without
    gaps only ``gap_before`` can cut a stride: the other look-ups are skipped."""
    if not gap_starts.size:
        stride_time = np.where(gap_before, np.nan, iv.stride_time)
        return gap_before, (stride_time, iv.step_time, iv.swing, iv.stance)
    gap_stride = overlaps_gap(iv.prev_ic, iv.ic, gap_starts, gap_ends)
    gap_step = overlaps_gap(iv.other_ic, iv.ic, gap_starts, gap_ends)
    gap_swing = overlaps_gap(iv.prev_fc, iv.ic, gap_starts, gap_ends)
    gap_contact = overlaps_gap(iv.ic, iv.fc, gap_starts, gap_ends)
    return gap_stride | gap_step | gap_contact | gap_before, (
        np.where(gap_stride | gap_before, np.nan, iv.stride_time),
        np.where(gap_step, np.nan, iv.step_time),
        np.where(gap_swing | gap_stride, np.nan, iv.swing),
        np.where(gap_contact, np.nan, iv.stance),
    )


def _stride_confidence(own: ContactsLike, j: NDArray[np.int64]) -> NDArray[np.float64]:
    """How clearly the contacts that bound the stride of rows ``j`` stood out: the lesser
    of contact j's and contact j-1's confidence (contact j's alone for the first)."""
    conf = np.asarray(own.confidence, np.float64)
    pj = np.maximum(j - 1, 0)
    return np.where(j > 0, np.fmin(conf[j], conf[pj]), conf[j])


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
    # a whole record without gaps: one kernel call (once that kernel is compiled or cached)
    if idx is None and not gap_starts.size and whole_kernel_ready():
        limits = (params.max_stride_s, params.stop_factor, params.turn_tolerance, params.flat_s)
        whole = whole_rows(own, other, places, fs, belt, params.ref_strides,
                           params.min_ref_strides, limits)  # fmt: skip
        if whole is not None:
            block, flags, kinds = whole
            m = block.shape[1]
            j = np.arange(m, dtype=np.int64)
            block[-1] = _stride_confidence(own, j)
            return StepTable(
                np.full(m, side, np.int8),
                j,
                flags,
                np.full(m, UNKNOWN, np.int8) if kinds is None else kinds,
                np.full(m, -1, np.int8),
                dict(zip(FLOAT_COLUMNS, block, strict=True)),
            )
    f = feet(own, other)
    m = f.on.shape[0]
    j = np.arange(m, dtype=np.int64) if idx is None else idx
    n = j.shape[0]
    lo, hi = span(j, params.ref_strides)
    before = other_before(f, lo, hi)  # one look-up for the references and the intervals
    refs = references(
        f, j, gap_starts, gap_ends, params.ref_strides, params.min_ref_strides, before
    )
    iv = intervals(f, j, before[j - lo])

    gap_before = np.asarray(own.gap_before, dtype=np.bool_)[j]
    gap, (stride_time, step_time, swing, stance) = _gaps(iv, gap_before, gap_starts, gap_ends)
    masks = gap, iv.edge, iv.alternation
    roll = rollover_args(own.sensor_on_t, f.on_seen, j, places, fs, params.flat_s)
    flags, (stride_time, step_time, stride_length, step_length), kinds, transition = _marks(
        (stride_time, step_time, stance), _lengths(belt, iv, n), refs, masks, params, roll, j
    )
    complete = np.asarray(own.complete, dtype=np.bool_)[j]
    values = {
        "ic_s": iv.ic,
        "fc_s": iv.fc,
        "step_time_s": step_time,
        "stride_time_s": stride_time,
        "stance_s": stance,
        "swing_s": swing,
        "step_length_m": step_length,
        "stride_length_m": stride_length,
        "double_support_initial_s": iv.ds_init,
        "double_support_terminal_s": iv.ds_term,
        "heel_toe_s": transition,
        "impulse": np.where(complete, np.asarray(own.impulse, np.float64)[j], np.nan),
        "peak": np.where(complete, np.asarray(own.peak, np.float64)[j], np.nan),
        "target_error_m": np.full(n, np.nan),
        "confidence": _stride_confidence(own, j),
    }
    return StepTable(
        np.full(n, side, np.int8),
        j.astype(np.int64),
        flags,
        kinds,
        np.full(n, -1, np.int8),
        {k: np.asarray(v, dtype=np.float64) for k, v in values.items()},
    )


#: tables of at least this many rows are merged by placing each row (below: joined, then
#: sorted), where both feet's rows are in IC order already, as a whole record's are
MERGE_BY_PLACING = 1000


def merge_sides(left: StepTable, right: StepTable) -> StepTable:
    """Both feet's rows in IC order (a tie puts L first)."""
    if len(left) + len(right) >= MERGE_BY_PLACING and _in_order(left, 0) and _in_order(right, 1):
        return _placed(left, right)
    return _joined_in_order(left, right)


def _joined_in_order(left: StepTable, right: StepTable) -> StepTable:
    """Both tables' rows joined and sorted by IC (a tie: by side, else as they were), the
    float columns in one call each way: joined into one (columns, rows) block, and taken in
    order from it (two numpy calls instead of two a column); each column a row of it."""
    nl = len(left)
    sides = np.concatenate((left.side, right.side))
    block = np.concatenate(
        [a for k in FLOAT_COLUMNS for a in (left.values[k], right.values[k])]
    ).reshape(len(FLOAT_COLUMNS), nl + len(right))
    order = np.lexsort((sides, block[FLOAT_COLUMNS.index("ic_s")]))
    rows = np.take(block, order, axis=1)

    def taken(a: NDArray[_T], b: NDArray[_T]) -> NDArray[_T]:
        return np.concatenate((a, b))[order]

    return StepTable(
        sides[order],
        taken(left.contact, right.contact),
        taken(left.flags, right.flags),
        taken(left.contact_type, right.contact_type),
        taken(left.on_target, right.on_target),
        dict(zip(FLOAT_COLUMNS, rows, strict=True)),
    )


def _in_order(table: StepTable, side: int) -> bool:
    """Whether every row is of foot ``side`` and their ICs ascend (none NaN)."""
    ic = table["ic_s"]
    return (
        bool((table.side == side).all())
        and not bool(np.isnan(ic).any())
        and bool((ic[1:] >= ic[:-1]).all())
    )


def _placed(left: StepTable, right: StepTable) -> StepTable:
    """:func:`merge_sides` of a left and a right table whose rows are in IC order: each
    row written once, straight to its place (the order the sort gives: by IC, L first on
    a tie, else as they were), instead of joined and then taken in order. An hour's table
    is about 1.5 MB: a whole record's analysis writes it into fresh memory, where every
    page written costs a fault, so writing it once is faster."""
    il, ir = left["ic_s"], right["ic_s"]
    at_l = np.arange(il.shape[0]) + np.searchsorted(ir, il, side="left")
    at_r = np.arange(ir.shape[0]) + np.searchsorted(il, ir, side="right")
    n = il.shape[0] + ir.shape[0]

    def place(a: NDArray[_T], b: NDArray[_T]) -> NDArray[_T]:
        out = np.empty(n, a.dtype)
        out[at_l] = a
        out[at_r] = b
        return out

    return StepTable(
        place(left.side, right.side),
        place(left.contact, right.contact),
        place(left.flags, right.flags),
        place(left.contact_type, right.contact_type),
        place(left.on_target, right.on_target),
        {k: place(left.values[k], right.values[k]) for k in FLOAT_COLUMNS},
    )
