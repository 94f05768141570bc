"""Batch and streaming analysis: contacts -> steps table -> summary, same kernels for both.

``analyze(signals, config)`` analyses a whole record. ``StreamingAnalyzer`` takes the same
samples in chunks of any size and, at ``finish()``, returns exactly the batch
:class:`Analysis` (same rows, same floats: a foot too noisy to trust is filtered alike,
:mod:`stride.core.denoise_stream`). While streaming, ``feed`` returns the rows that
became final: a row is emitted once every field of it is known for good, that is when

- its own contact has ended (the contact detector reports a contact ``min_swing_s`` after
  its final contact),
- the other foot has reported a contact that began after this row's final contact (so
  the other foot's contacts the row refers to — previous IC, double support — are final),
- and, with a belt, a belt sample later than the row's initial contact has arrived.

That is typically about 1.5 strides after the row's IC (the contact scan reads each sample
about 15 ms after it arrives: the noise filter's reach). With a belt, rows wait for belt
data covering their IC: a belt stream that stalls holds rows back until it resumes or the
stream finishes (then their lengths are not measurable, as in the batch analysis).
``pending()`` gives the provisional rows of contacts already ended but not yet final (a
live display can show them early; their other-foot fields may still change).
Rows are emitted in IC order. Course-mode lengths (a pass must be complete) are filled in
only by ``finish()``.

Memory stays flat over a long stream: emitted rows are joined into one compact table
every few emissions (``finish()`` returns them all), the belt speeds the summary needs
are kept in one growing array (8 bytes a sample), and belt samples older than any row
still to come can need are dropped from the displacement track.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from stride.core.belt import MAX_BELT_GAP_S, BeltTrack
from stride.core.contacts import (
    ContactParams,
    FootContacts,
    StreamingContactDetector,
    beside,
)
from stride.core.denoise_stream import FilterStage
from stride.core.gaps import GapScanner
from stride.core.growing_rows import GrowingRows
from stride.core.noise import noise_warnings, sums_pairs
from stride.core.polarity import Figure, PolarityMeter, polarity_warnings
from stride.core.rows import StepRow
from stride.core.scan import SIDES, Scan, check_belt, columns, scan_samples, with_gaps
from stride.core.sensor_warnings import blip_warnings, dead_sensor_warnings
from stride.core.signals import Channel, GaitSignals, Side
from stride.core.steps import StepParams, StepTable, merge_sides, side_rows
from stride.core.summary import summarize
from stride.core.targets import Target, apply_course, apply_target
from stride.errors import InputError

Breaks = NDArray[np.float64] | None
#: Emitted row tables are joined into one after this many emissions.
_JOIN_EVERY = 64
#: Belt samples no future row can need are dropped after this many emissions.
_TRIM_EVERY = 64
#: each foot with at least this many contacts: a whole record's two steps tables side by
#: side (each kernel call about 0.16 us a row, the hand-over to the foot thread 30-50 us)
STEPS_BESIDE_MIN = 1000


@dataclass(frozen=True)
class AnalysisConfig:
    """What to analyse and against which target; defaults need no tuning per record.

    ``pass_length_m``: overground course mode (used only without a belt).
    ``belt_max_gap_s``: belt samples further apart leave the span between them without a
    displacement (:class:`~stride.core.belt.BeltTrack`); a belt source that reports about
    once a second needs more than the default (its silence limit).
    """

    contact: ContactParams = field(default_factory=ContactParams)
    steps: StepParams = field(default_factory=StepParams)
    target: Target | None = None
    pass_length_m: float | None = None
    belt_max_gap_s: float = MAX_BELT_GAP_S


@dataclass(frozen=True)
class Analysis:
    """The result: steps table, summary, and what they came from (for plots)."""

    steps: StepTable
    summary: dict[str, object]
    contacts: dict[Side, FootContacts]
    gap_starts: NDArray[np.float64]
    gap_ends: NDArray[np.float64]
    samples: int

    @property
    def usable_steps(self) -> int:
        return int(self.steps.valid.sum())

    def step_rows(self) -> list[StepRow]:
        """The step rows (``target_error_m`` and ``on_target`` when a target is set)."""
        return list(self.iter_step_rows())

    def iter_step_rows(self) -> Iterator[StepRow]:
        """The step rows one by one (an hour's rows need not all be held at once)."""
        return self.steps.rows(with_target="target" in self.summary)

    def step_flags(self) -> list[list[str]]:
        """Each step row's ``flags`` as :meth:`iter_step_rows` gives them, without the
        rows (the JSON document's writer takes the table column by column)."""
        return self.steps.row_flags()


def _places(channels: Sequence[Channel], side: Side) -> list[str]:
    return [c.place for c in channels if c.side == side]


def _belt_of(side: Side, n_belts: int) -> int:
    """Belt column under a foot: split belts are (left, right)."""
    return 1 if side == "R" and n_belts > 1 else 0


#: said when a pass length is given for a record with a belt (course mode is for walking
#: without one): the option is not silently ignored
BELT_NOT_PASSES = (
    "a pass length was given but this record has a belt: step lengths are from the belt's"
    " speed, not from passes (course mode is for walking overground, without a belt)"
)


def _finalize(
    table: StepTable,
    config: AnalysisConfig,
    channels: Sequence[Channel],
    belt_speed: NDArray[np.float64] | None,
    counts: dict[Side, tuple[int, int]] | None = None,
    noise: Sequence[tuple[float, float]] = (),
    filtered: Sequence[tuple[Side, tuple[int, int, int, float]]] = (),
    polarity: Figure | None = None,
    contacts: Mapping[Side, FootContacts] | None = None,
) -> tuple[StepTable, dict[str, object]]:
    """Course lengths, target errors and the summary of a complete table (with a
    ``warnings`` list when a foot's force made mostly blips, a foot's noise is large
    against its range: ``noise``, :func:`~stride.core.noise.noise_figures`; ``filtered``:
    the feet filtered before the scan, :class:`~stride.core.scan.Scan`; or the feet's
    readings rise together: ``polarity``, :mod:`stride.core.polarity`; or a foot's sensor
    loaded in none of its ``contacts``, :mod:`stride.core.sensor_warnings`)."""
    course = None
    if config.pass_length_m is not None and belt_speed is None:
        table, course = apply_course(table, config.pass_length_m)
    table = apply_target(table, config.target)
    multi = tuple(len(_places(channels, s)) > 1 for s in SIDES)
    summary = summarize(
        table,
        multi_sensor=multi,
        belt_speed=belt_speed,
        target=config.target,
        course=course,
        pass_length_m=config.pass_length_m if belt_speed is None else None,
    )
    warnings = blip_warnings(counts or {}, config.contact.min_contact_s)
    warnings += noise_warnings(noise, channels, dict(filtered))
    warnings += polarity_warnings(polarity, [c for _, c in (counts or {}).values()])
    warnings += dead_sensor_warnings(contacts or {}, channels)
    if config.pass_length_m is not None and belt_speed is not None:
        warnings.append(BELT_NOT_PASSES)
    if warnings:
        summary["warnings"] = warnings
    return table, summary


def analyze(signals: GaitSignals, config: AnalysisConfig | None = None) -> Analysis:
    """Analyse a whole record: contacts, steps, summary."""
    config = config or AnalysisConfig()
    return analyze_scan(signals, scan_samples(signals, config.contact), config)


def analyze_contacts(
    signals: GaitSignals,
    contacts: dict[Side, FootContacts],
    config: AnalysisConfig | None = None,
) -> Analysis:
    """Steps and summary from contacts already found (``contacts["L"]``/``["R"]``)."""
    check_belt(signals)
    return analyze_scan(signals, with_gaps(signals, contacts), config)


def analyze_scan(
    signals: GaitSignals, scan: Scan, config: AnalysisConfig | None = None
) -> Analysis:
    """The rest of :func:`analyze` once the samples are scanned
    (:func:`~stride.core.scan.scan_samples`): steps and summary; of ``signals`` only the
    channels, rate and belt are read (the samples may be gone)."""
    config = config or AnalysisConfig()
    channels = signals.channels
    n_belts = check_belt(signals)
    contacts, gs, ge = scan.contacts, scan.gap_starts, scan.gap_ends
    belts: list[BeltTrack] = []
    belt_speed = None
    if n_belts:
        assert signals.belt_t is not None and signals.belt_speed is not None
        belt_speed = np.asarray(signals.belt_speed, np.float64).reshape(len(signals.belt_t), -1)
        for col in range(n_belts):
            track = BeltTrack(config.belt_max_gap_s)
            track.append(np.asarray(signals.belt_t, np.float64), belt_speed[:, col])
            belts.append(track)

    def rows(code: int) -> StepTable:
        side, other = SIDES[code], SIDES[1 - code]
        belt = belts[_belt_of(side, n_belts)] if belts else None
        return side_rows(
            contacts[side], contacts[other], code, _places(channels, side),
            float(signals.fs), belt, gs, ge, config.steps,
        )  # fmt: skip

    # a long record without gaps: each foot's table is one kernel call (the whole
    # record's), the right foot's on the foot thread beside the left one's here where the
    # feet were scanned side by side; the belts' arrays made first (read by both)
    worth = not gs.size and min(map(len, contacts.values())) >= STEPS_BESIDE_MIN
    for track in belts if worth else ():
        track.travel()
    right = beside(lambda: rows(1), worth)
    tables = [rows(0), right()]
    counts = {s: (c.blips, len(c)) for s, c in contacts.items()}
    table, summary = _finalize(
        merge_sides(tables[0], tables[1]), config, channels, belt_speed, counts,
        scan.noise, scan.filtered, scan.polarity, contacts,
    )  # fmt: skip
    return Analysis(table, summary, dict(contacts), gs, ge, scan.samples)


class StreamingAnalyzer:
    """The batch analysis fed in chunks; ``finish()`` equals :func:`analyze` exactly.

    ``belts``: 0 (overground), 1, or 2 (split belts, left then right). Chunks of counts are
    read as float64: small copies, and one scan to compile, not one per dtype, on a first run.
    """

    def __init__(
        self,
        config: AnalysisConfig | None,
        channels: Sequence[Channel],
        fs: float,
        belts: int = 0,
    ) -> None:
        self.config = config or AnalysisConfig()
        self.channels = tuple(channels)
        self.fs = float(fs)
        if belts not in (0, 1, 2):
            raise InputError(f"{belts} belts", fix="give 0 (overground), 1, or 2 (split belts)")
        self.n_belts = belts
        self._cols = {side: columns(self.channels, side) for side in SIDES}
        self._det = {
            side: StreamingContactDetector(
                self.fs, len(self.channels), self.config.contact, side, self._cols[side]
            )
            for side in SIDES
        }
        n_sensors = {side: len(self._cols[side]) for side in SIDES}
        self._n_sensors = n_sensors
        self._parts: dict[Side, list[FootContacts]] = {s: [] for s in SIDES}
        self._contacts: dict[Side, FootContacts] = {
            s: FootContacts.empty(s, n_sensors[s]) for s in SIDES
        }
        self._next: dict[Side, int] = {s: 0 for s in SIDES}
        self._gaps = GapScanner(self.fs)
        self._stage = FilterStage(self.channels, self.fs)  # the contact scan's samples
        self._polarity = PolarityMeter(self.channels, self.fs)
        self._belts = [BeltTrack(self.config.belt_max_gap_s) for _ in range(belts)]
        self._belt_v = GrowingRows(max(belts, 1))  # every belt speed: the summary's mean, SD
        self._emitted: list[StepTable] = []  # joined every _JOIN_EVERY emissions
        self._emissions = 0
        self._samples = 0
        self._finished = False

    # -- input -----------------------------------------------------------------------
    def feed(
        self,
        t: NDArray[np.float64],
        forces: NDArray[np.generic],
        belt_t: NDArray[np.float64] | None = None,
        belt_speed: NDArray[np.float64] | None = None,
        breaks: NDArray[np.float64] | None = None,
    ) -> StepTable:
        """Next samples (times (n,), forces (n, channels)) and any new belt samples
        (times (b,), speed (b,) or (b, belts)); ``breaks``: known breaks
        (:attr:`GaitSignals.breaks`: gaps, and cuts in the contacts, as missing samples);
        returns the rows that became final."""
        if self._finished:
            raise InputError("the analyzer has finished", fix="start a new StreamingAnalyzer")
        t = np.asarray(t, np.float64)
        forces = np.asarray(forces)
        if forces.dtype.kind in "iuf":  # one scan compiled for every live source (exact)
            forces = forces.astype(np.float64, copy=False)
        if belt_t is not None and belt_speed is not None and len(belt_t):
            if not self.n_belts:
                raise InputError("belt samples fed to an overground analyzer", fix="set belts")
            v = np.asarray(belt_speed, np.float64).reshape(len(belt_t), -1)
            if v.shape[1] != self.n_belts:
                raise InputError(f"{v.shape[1]} belt columns, expected {self.n_belts}")
            for col, track in enumerate(self._belts):
                track.append(np.asarray(belt_t, np.float64), v[:, col])
            self._belt_v.extend(v)
        if t.shape[0]:
            self._gaps.feed(t, forces, breaks)
            self._polarity.feed(forces)
            self._samples += int(t.shape[0])
            self._scan(*self._stage.feed(t, forces, breaks))
        return self._emit(final=False)

    def _scan(self, t: NDArray[np.float64], x: NDArray[np.float64], breaks: Breaks) -> None:
        """The contacts that finished in the samples the stage passed on."""
        for side in SIDES:
            if t.shape[0] and len(new := self._det[side].feed(t, x, breaks)):
                self._add(side, new)

    def feed_signals(self, chunk: GaitSignals) -> StepTable:
        """Feed a chunk given as :class:`GaitSignals` (e.g. from the block assembler)."""
        return self.feed(chunk.times(), chunk.forces, chunk.belt_t, chunk.belt_speed, chunk.breaks)

    def finish(self) -> Analysis:
        """End of the stream: the remaining rows and the whole :class:`Analysis`."""
        if not self._finished:
            self._scan(*self._stage.finish())
            for side in SIDES:
                last = self._det[side].finish()
                if len(last):
                    self._add(side, last)
            self._gaps.finish()
            self._emit(final=True)
            self._finished = True
        table = StepTable.concat(self._emitted)
        belt_speed = self._belt_v.array() if len(self._belt_v) else None
        if self.n_belts and belt_speed is None:
            belt_speed = np.zeros((0, self.n_belts))
        counts = {s: (self._det[s].blips, len(self._contacts[s])) for s in SIDES}
        noise = sums_pairs(self._stage.meter.sums())
        done = tuple(self._stage.onsets.items())
        polar = self._polarity.figure()
        table, summary = _finalize(
            table, self.config, self.channels, belt_speed, counts, noise, done, polar,
            self._contacts,
        )  # fmt: skip
        gs, ge = self._gaps.arrays()
        return Analysis(table, summary, dict(self._contacts), gs, ge, self._samples)

    # -- internals -------------------------------------------------------------------
    def _add(self, side: Side, new: FootContacts) -> None:
        self._contacts[side] = FootContacts.concat(
            [self._contacts[side], new], side, self._n_sensors[side]
        )

    def _final_count(self, code: int, final: bool) -> int:
        """How many of a foot's contacts have rows that can no longer change."""
        side, other = SIDES[code], SIDES[1 - code]
        own = self._contacts[side]
        m = len(own)
        if final:
            return m
        on_o = self._contacts[other].on_t
        if on_o.size == 0:
            return self._next[side]
        horizon = float(on_o[-1])
        ends = np.fmax(own.off_t, own.on_t)
        ok = ends < horizon
        if self._belts:
            ok &= own.on_t < self._belts[_belt_of(side, self.n_belts)].last_t
        # Final rows form a prefix (contacts are in time order).
        bad = np.flatnonzero(~ok[self._next[side] :])
        return self._next[side] + (int(bad[0]) if bad.size else m - self._next[side])

    def _rows(self, code: int, idx: NDArray[np.int64]) -> StepTable:
        side, other = SIDES[code], SIDES[1 - code]
        gs, ge = self._gaps.arrays()
        return side_rows(
            self._contacts[side],
            self._contacts[other],
            code,
            _places(self.channels, side),
            self.fs,
            self._belts[_belt_of(side, self.n_belts)] if self._belts else None,
            gs,
            ge,
            self.config.steps,
            idx,
        )

    def _emit(self, final: bool) -> StepTable:
        upto = [self._final_count(code, final) for code in range(2)]
        barrier = np.inf
        if not final:
            for code, side in enumerate(SIDES):
                on = self._contacts[side].on_t
                if upto[code] < on.size:
                    barrier = min(barrier, float(on[upto[code]]))
        parts = []
        for code, side in enumerate(SIDES):
            start = self._next[side]
            idx = np.arange(start, upto[code], dtype=np.int64)
            if idx.size:
                on = self._contacts[side].on_t[idx]
                idx = idx[: int(np.searchsorted(on, barrier, side="left"))]
            if idx.size:
                parts.append(self._rows(code, idx))
                self._next[side] = int(idx[-1]) + 1
        if not parts:
            return StepTable.empty()
        rows = merge_sides(parts[0], parts[1]) if len(parts) == 2 else parts[0]
        self._emitted.append(rows)
        self._emissions += 1
        if len(self._emitted) >= _JOIN_EVERY:
            self._emitted = [StepTable.concat(self._emitted)]
        if self._belts and self._emissions % _TRIM_EVERY == 0:
            horizon = self._belt_horizon()
            for track in self._belts:
                track.drop_before(horizon)
        return apply_target(rows, self.config.target)

    def _belt_horizon(self) -> float:
        """The earliest time a row not yet emitted (or a contact not yet seen) can measure
        belt travel from: its own previous IC, or the other foot's IC before it."""
        horizon = np.inf
        for code, side in enumerate(SIDES):
            j0 = self._next[side]
            if j0 == 0:
                return -np.inf  # a foot's first row measures from anywhere before it
            prev_ic = float(self._contacts[side].on_t[j0 - 1])
            on_o = self._contacts[SIDES[1 - code]].on_t
            k = int(np.searchsorted(on_o, prev_ic, side="left")) - 1
            earliest = min(prev_ic, float(on_o[k])) if k >= 0 else prev_ic
            if not np.isfinite(earliest):
                return -np.inf
            horizon = min(horizon, earliest)
        return float(horizon)

    def pending(self) -> StepTable:
        """Provisional rows of contacts that ended but are not final yet (may change)."""
        parts = []
        for code, side in enumerate(SIDES):
            m = len(self._contacts[side])
            if self._next[side] < m:
                parts.append(self._rows(code, np.arange(self._next[side], m, dtype=np.int64)))
        if not parts:
            return StepTable.empty()
        rows = merge_sides(parts[0], parts[1]) if len(parts) == 2 else parts[0]
        return apply_target(rows, self.config.target)
