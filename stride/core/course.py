"""Overground course mode: step lengths from passes of known length, without a belt.

The walker walks passes of a known length along the lines and turns at the end of each.
Foot sensors see only when each foot lands, so the rules are about step timing and counts
(docs/metrics.md, "Course mode"):

- **Turns end passes.** Turning 180 degrees takes several steps, each slower than a straight
  step. A step is *slow* when its step time exceeds ``slow_factor`` times the median step
  time of the same foot's neighbouring steps; a run of at least ``turn_steps`` consecutive
  slow steps is a turn. A pause (a freeze of gait) is slow.
  One slow step alone (a pause, a freeze of gait, a hesitation) is not: nobody faces the
  other way without stepping, so the walker is still in the same pass and that step counts.
- **The session's segmentation.** That threshold decides each step alone. When it finds
  at least ``min_passes_to_compare`` closed passes, they and its turns start an estimate
  of what a pass and a turn take in this walker (their step counts, the step-time ratios
  of walking and turning steps), learnt again from the whole session
  (:mod:`stride.core.course_fit`), and the passes are found again over the whole session
  (:mod:`stride.core.course_segment`): every pass covers the same distance, so passes take
  about the same number of steps, and every turn is the same 180 degrees; a step as slow
  as a turn's in the middle of a pass, or a turn step as quick as a walking one, is
  weighed against the counts. Once those settle, the turn count's law takes its shares
  from the session's own turns: a walker whose turns all take the same number of steps
  shows it, and a turn whose first or last step is no slower than walking is placed by
  the others. Each pass gets the probability that it has exactly its ends. A reading
  whose passes disagree in count (a pass of about twice or three times the others': turns
  the first reading missed, which learning from its median count can keep) is not
  self-consistent: learning starts again from each such count (and from the counts of a
  reading a turn off throughout), and the reading under which the session is likeliest is
  kept (:func:`~stride.core.course_fit.learn_and_segment`).
- **How a step splits.** A step's time is the double support after the other foot lands,
  then the swing of the landing foot. A stride-time fluctuation stretches both together
  and leaves the split alone; turning does not: a turn spends its extra time more in one
  phase than in the other (long swing phases in turns: Dynamic stability and
  spatiotemporal parameters during turning in healthy young adults, BioMedical
  Engineering OnLine 2018, doi:10.1186/s12938-018-0558-5; more double support and a larger
  stance share in larger turns, in older walkers: Madrid et al. 2023, Gait & Posture
  99:152-159). Which phase it is, and how much, is the walker's own, so the session's
  segmentation learns it from the session (:func:`~stride.core.step_ratios.phase_ratios`,
  :mod:`stride.core.course_fit`), either way, and weighs only what the split says beyond
  the step time (a walking step that lands late lengthens its swing too). A step without
  double support (a flight phase, or contacts not seen as they were) has no split.
- **A freeze of gait.** A pause (a step too long to be one) whose foot then swung as in
  walking spent its time standing on both feet: a freeze of gait, not a turn step
  (:func:`stood_pauses`). The session's segmentation weighs it as neither kind of step,
  so a freeze just before or after a turn does not lengthen the turn by a step.
- **A pass** is the steps from the recording's start or a turn to the next turn. The first
  pass assumes the recording starts before the first step (the walker stands at the line).
  A pass is never measured when no turn closes it (the recording ended during it) or the
  end of the recording leaves that open (:func:`~stride.core.course_segment.end_uncertain`),
  when samples are missing inside it or a contact was missed (its steps cannot be counted), or
  when its step count disagrees with the session's other passes (a turn was missed or a
  pass split), or when a rival reading of the session nearly as likely does not have it
  (:mod:`stride.core.course_rivals`: a reading whose passes all agree can still be two
  passes and a missed turn each, or a step off with every turn), or when its ends are not
  clear: under the session's segmentation, the probability of its ends below
  ``min_confidence``, or a step at one of its ends moved by the counts and its time
  (:mod:`stride.core.course_edges`); with the threshold alone, a step either side of a
  bounding turn within ``boundary_sds`` robust SDs of this walker's step-time ratios from
  the slow threshold (in choreic gait a turn step can look like a walking step, so the
  count could be a step off: 6 % at 17 steps). A pause next to a turn is never clear: a
  freeze as the walker sets off may be a walking step's.
- **Length.** The steps of a pass cover the pass: people walking to a line on the floor
  adjust their last few steps to land on it (locomotor pointing: Lee et al. 1982; Laurent &
  Thomson 1988; de Rugy et al. 2002), they do not stop wherever the next step would cross
  it. So a pass of ``n`` steps has mean step length ``pass_length / n``. (The former model,
  ``pass_length / (n + 1/2)``, took the part of a step left before the line as half a step
  on average; for a walker who does not aim at the line that part is the same fraction of
  a step in every pass, set by how the pass length divides by the step, so it did not
  average out: -1.5 % to +2.4 % by profile.) The first step from standing or out of a
  turn may be short: the count still covers the pass, its steps from one line to the other.
- **Within a pass** the speed is taken as constant: each foot's steps get the mean step in
  proportion to that foot's median step time in the pass (a limp shows; one step's own
  time is not its length). A step whose own time is not a walking step's (a pause or an
  unknown time) gets no length of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from stride.core.course_edges import settle_edges
from stride.core.course_fit import Phases, first_laws, learn_and_segment
from stride.core.course_rivals import count_unlike
from stride.core.course_segment import Segmentation, end_uncertain
from stride.core.course_stats import ratio_spread
from stride.core.course_weights import step_weights
from stride.core.step_ratios import SLOW_REFERENCE, WalkingReadings, step_ratios, swing_ratios
from stride.core.steps import FLAG_ALTERNATION, FLAG_GAP, StepTable

COURSE_ASSUMPTION = (
    "course mode: passes end at turns (two or more consecutive slow steps; a pause whose "
    "foot then swung as in walking, a freeze of gait, is not taken for a turn step); the "
    "steps of a "
    "pass cover it from line to line, the walker's last step landing on the end line (mean "
    "step length = pass length / steps), at constant speed within the pass (each foot's "
    "step length in proportion to its median step time); a pass without a turn after it, "
    "with missing data, with unclear ends (a step next to a turn neither clearly walking nor "
    "clearly turning, by its time and how it splits between double support and swing, "
    "weighing the session's typical pass and turn step counts), with a step count unlike "
    "the other passes, or that a reading of the session nearly as likely does not have, is "
    "not measured"
)

#: A pass whose implied mean step length falls outside this range is not walking along the
#: course (passes run together or split): its lengths are not reported.
PLAUSIBLE_STEP_M = (0.15, 1.5)


@dataclass(frozen=True)
class CourseParams:
    """When a step is slow, how many slow steps make a turn, how far a pass's step count may
    be from the session's median pass before it is not trusted, how sure a pass's ends must
    be before it is measured."""

    slow_factor: float = 1.25
    turn_steps: int = 2
    min_steps: int = 2
    #: share of the median pass count (at least 2 steps) beyond which a pass is not measured,
    #: and the session's segmentation learns again from its count (not self-consistent)
    count_tolerance: float = 0.10
    min_passes_to_compare: int = 3
    #: a pass's ends are clear when the steps either side of each are this many robust SDs
    #: of the walker's own step-time ratios from the slow threshold (chosen on seeds 1-5)
    boundary_sds: float = 2.0
    #: a pass of the session's segmentation is measured when the probability that it has
    #: exactly its ends is at least this (chosen on seeds 1-5)
    min_confidence: float = 0.95
    #: the session's segmentation weighs how each step's time splits between double
    #: support and swing, besides the step time (:func:`phase_ratios`)
    weigh_phase: bool = True
    #: the session's segmentation takes a pause whose foot swung as in walking (a freeze
    #: of gait: :func:`stood_pauses`) as no evidence of turning
    weigh_stood: bool = True
    #: a pass of the session's segmentation is measured only when every rival reading
    #: without it (:func:`~stride.core.course_rivals.rival_starts`) leaves the session less
    #: likely by at least this many nats: each reading's likelihood is under laws learnt
    #: for it (a dozen of them: counts, spreads, turn medians, each foot's phase laws), so a
    #: difference of that order is not a sure one (chosen on seeds 1-300, 0-30 ms of
    #: swing-time noise: the wrong passes' rivals came within 13.1)
    rival_margin: float = 20.0
    #: a reading of merged passes replaces the first when this much likelier, one of fewer
    #: steps when likelier (learn_and_segment; seeds 1-300, 0-30 ms: mended 44-184, wrong to 25.1)
    other_count_margin: float = 40.0


@dataclass(frozen=True)
class Pass:
    """One pass: its walking rows (indices into the table) and how it began and ended."""

    rows: NDArray[np.int64]
    start_s: float
    end_s: float
    closed: bool  # a turn follows it
    missing_data: bool  # a gap or a missed contact inside it
    #: probability that the pass has exactly these ends (the session's segmentation,
    #: :mod:`stride.core.course_segment`); None when passes come from the threshold alone
    confidence: float | None = None
    #: the session's segmentation's last pass: the probability that a turn closes it, and
    #: its likeliest count then (:func:`~stride.core.course_segment.last_pass_closed`)
    closed_probability: float | None = None
    closed_steps: int | None = None
    #: how much likelier (nats) the session is under its segmentation than under the
    #: likeliest rival reading without this pass (:func:`~stride.core.course_rivals.rival_starts`)
    rival_gap: float = math.inf
    moved: bool = False  # a step moved at an end (:mod:`stride.core.course_edges`)


def slow_steps(table: StepTable, slow_factor: float, window: int = 4) -> NDArray[np.bool_]:
    """Rows whose step time exceeds ``slow_factor`` x the local median (:func:`step_ratios`);
    a pause is slow too."""
    with np.errstate(invalid="ignore"):
        return np.asarray(step_ratios(table, window) > slow_factor, dtype=np.bool_)


def turn_rows(slow: NDArray[np.bool_], turn_steps: int) -> NDArray[np.bool_]:
    """Rows in runs of at least ``turn_steps`` consecutive slow rows, and a slow run that
    the end of the record cuts off (a turn just begun: not a walking step either)."""
    n = slow.shape[0]
    starts, ends = _runs(slow)
    keep = (ends - starts >= turn_steps) | (ends == n)
    step = np.zeros(n + 1, dtype=np.int8)
    step[starts[keep]] = 1
    step[ends[keep]] -= 1
    return np.cumsum(step[:n]) > 0


def _runs(x: NDArray[np.bool_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """First rows and end rows (exclusive) of the runs of True in ``x``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], x.astype(np.int8), [0]])))
    return edges[0::2], edges[1::2]


def threshold_passes(
    table: StepTable, params: CourseParams | None = None, ratio: NDArray[np.float64] | None = None
) -> list[Pass]:
    """The passes of a table in IC order (rows between runs of slow steps), with what
    closes them: each step decided alone by :func:`slow_steps` (``ratio``: the table's
    :func:`step_ratios`, when already at hand)."""
    p = params or CourseParams()
    n = len(table)
    if n == 0:
        return []
    ratio = step_ratios(table) if ratio is None else ratio
    with np.errstate(invalid="ignore"):
        turn = turn_rows(ratio > p.slow_factor, p.turn_steps)
    broken = np.concatenate([[0], np.cumsum((table.flags & (FLAG_GAP | FLAG_ALTERNATION)) != 0)])
    ic = table["ic_s"].tolist()
    turn_at = dict(zip(*(r.tolist() for r in _runs(turn)), strict=True))  # first row: end
    passes: list[Pass] = []
    for i, j in zip(*(r.tolist() for r in _runs(~turn)), strict=True):
        start = ic[i - 1] if i > 0 else ic[i]
        # closed by a whole turn (a slow run cut off by the end of the record is not one)
        closed = j < n and turn_at[j] - j >= p.turn_steps
        rows = np.arange(i, j, dtype=np.int64)
        passes.append(Pass(rows, start, ic[j - 1], closed, bool(broken[j] > broken[i])))
    return passes


def _turn_runs(turn: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Lengths of the runs of turn rows that the end of the record does not cut off."""
    starts, ends = _runs(turn)
    return (ends - starts)[ends < turn.size].astype(np.float64)


def stood_pauses(
    table: StepTable, ratio: NDArray[np.float64], slow_factor: float
) -> NDArray[np.bool_]:
    """Pauses (+inf in ``ratio``, the table's :func:`step_ratios`) whose landing foot swung
    no slower than ``slow_factor`` times the same foot's walking swings around it: the
    pause's time went into the double support before the foot lifted, the walker standing on
    both feet, not into the step. That is what a freeze of gait is, seen by foot sensors:
    brief episodes of inability to step, the feet as if stuck to the floor, often with the
    legs trembling, typically on setting off or on turning (Nutt et al. 2011, Lancet Neurol
    10:734-744; Okuma & Yanagisawa 2008, Mov Disord 23 Suppl 2:S426-S430). Its time says
    nothing of whether the step that followed turned: the walker stood, then stepped as in
    walking. Weighed as a pause (a turn's slowest step), a freeze next to a turn (freezing
    is often set off by one) lengthens the turn by a step and shortens the pass; the
    session's segmentation weighs it as neither kind of step, and the counts decide. A
    freeze made of short shuffling steps, or trembling that lifts a foot, shows as steps of
    its own, not as a pause: that is not covered here."""
    with np.errstate(invalid="ignore"):
        walking = ratio <= SLOW_REFERENCE  # ``ratio`` is the table's step_ratios
        return np.isposinf(ratio) & (swing_ratios(table, walking=walking) <= slow_factor)


def _segmentation(
    table: StepTable, ratio: NDArray[np.float64], found: list[Pass], p: CourseParams,
    fewest: float = math.inf,
) -> Segmentation | None:  # fmt: skip
    """The threshold's passes and turns start the walker's laws (:mod:`stride.core.course_fit`),
    learnt again from the whole session; None when the threshold found too few passes to
    say what is typical (``fewest``: the fewest steps a pass can take, :func:`course_passes`)."""
    counts = np.array([ps.rows.size for ps in found if ps.closed and not ps.missing_data], float)
    if counts.size < p.min_passes_to_compare:
        return None
    with np.errstate(invalid="ignore"):
        turn = turn_rows(ratio > p.slow_factor, p.turn_steps)
    side = table.side.astype(np.int8)
    readings = WalkingReadings(table, p.weigh_phase)
    first = readings(~turn)[1]
    phase = None if first is None else Phases(first, side)
    laws = first_laws(ratio, turn, counts, _turn_runs(turn), p.slow_factor, phase)
    if laws is None:
        return None
    stood = stood_pauses(table, ratio, p.slow_factor) if p.weigh_stood else None

    def readings_of(walking: NDArray[np.bool_]) -> tuple[NDArray[np.float64], Phases | None]:
        out, share = readings(walking)
        out = out if stood is None else np.where(stood, np.nan, out)
        return out, None if share is None else Phases(share, side)

    if stood is not None:
        ratio = np.where(stood, np.nan, ratio)
    settings = (p.turn_steps, p.slow_factor, phase, p.count_tolerance, p.other_count_margin)
    return learn_and_segment(readings_of, ratio, laws, *settings, fewest)


def course_passes(
    table: StepTable,
    params: CourseParams | None = None,
    ratio: NDArray[np.float64] | None = None,
    pass_length_m: float | None = None,
) -> list[Pass]:
    """The passes of a table in IC order, with what closes them and how sure their ends
    are: the session's segmentation when the threshold finds enough passes to say what a
    pass and a turn take in this walker, else the threshold's passes (``ratio``: the
    table's :func:`step_ratios`, when already at hand; ``pass_length_m``: passes that are
    several of the walker's are looked for, :func:`~stride.core.course_rivals.other_counts`)."""
    p = params or CourseParams()
    ratio = step_ratios(table) if ratio is None and len(table) else ratio
    found = threshold_passes(table, p, ratio)
    if not found or ratio is None:
        return found
    fewest = math.inf if pass_length_m is None else pass_length_m / PLAUSIBLE_STEP_M[1]
    model = _segmentation(table, ratio, found, p, fewest)
    if model is None:
        return found
    broken = (table.flags & (FLAG_GAP | FLAG_ALTERNATION)) != 0
    ic, out = table["ic_s"], list[Pass]()
    gaps = model.rival_gap or [math.inf] * len(model.passes)
    ends, moved = settle_edges(model.passes, model.closed, table["step_time_s"], p.slow_factor)
    for k, (i, j) in enumerate(ends):
        rows, missing = np.arange(i, j, dtype=np.int64), bool(broken[i:j].any())
        span, sure = (float(ic[max(i - 1, 0)]), float(ic[j - 1])), model.ends_probability(k)
        out.append(Pass(rows, *span, model.closed[k], missing, sure, None, None, gaps[k], moved[k]))
    if out:
        out[-1] = replace(
            out[-1], closed_probability=model.last_closed, closed_steps=model.last_closed_steps
        )
    return out


def _pass_record(ps: Pass, params: CourseParams) -> dict[str, object]:
    """A pass as the summary lists it; ``ends_probability`` when the session's segmentation
    found it and a turn closes it; for its last pass, ``closed_probability`` (that a turn
    closes it) and ``end_uncertain`` (:func:`~stride.core.course_segment.end_uncertain`)."""
    record: dict[str, object] = {
        "steps": int(ps.rows.size),
        "start_s": ps.start_s,
        "end_s": ps.end_s,
        "ended_by": "turn" if ps.closed else "end of recording",
    }
    if ps.confidence is not None and ps.closed and not ps.moved:
        record["ends_probability"] = round(ps.confidence, 3)
    if ps.closed_probability is not None:
        record["closed_probability"] = round(ps.closed_probability, 3)
        record["end_uncertain"] = end_uncertain(ps.closed_probability, params.min_confidence)
    return record


def unclear_ends(ps: Pass, ratio: NDArray[np.float64], params: CourseParams, spread: float) -> bool:
    """Whether a turn's first or last step, or the walking step next to it, is too close to
    the slow threshold to say on which side of the boundary it falls (the pass's count
    could be a step off). The margin is the walker's own spread: nil for steady walkers,
    wide in choreic gait, whose step times vary about as much as a turn's. A pause at a
    turn's end is unclear too: a freeze of gait as the walker sets off may be a walking
    step's."""
    sure = ps.confidence is not None  # the session's segmentation: how sure its ends are
    if sure and ps.confidence < params.min_confidence:  # type: ignore[operator]
        return True
    margin = params.boundary_sds * spread
    lo, hi = params.slow_factor - margin, params.slow_factor + margin
    first, last = int(ps.rows[0]), int(ps.rows[-1])
    pairs = [(last, last + 1)] + ([(first, first - 1)] if first > 0 else [])
    n = ratio.shape[0]
    for walk, turn in pairs:
        w = float(ratio[walk])
        t = float(ratio[turn]) if 0 <= turn < n else math.nan
        if math.isnan(w) or not math.isfinite(t) or (not sure and (w > lo or t < hi)):
            return True
    return False


def _unmeasured_reason(
    ps: Pass,
    pass_length_m: float,
    typical: float | None,
    params: CourseParams,
    unclear: bool = False,
) -> str | None:
    """Why a pass cannot be measured, or None when it can."""
    n = int(ps.rows.size)
    if end_uncertain(ps.closed_probability, params.min_confidence):  # never measured
        return (
            "its end is uncertain: the recording ended during it, or a turn whose first steps "
            f"are no slower than walking closed it after {ps.closed_steps} steps "
            f"(probability {ps.closed_probability:.2f})"
        )
    if not ps.closed:
        return "cut off by the end of the recording (no turn after it)"
    if ps.missing_data:
        return "samples missing or a contact missed inside the pass: its steps cannot be counted"
    if ps.moved:
        return "a step at a turn moved by the counts and its time: how sure its ends are is unknown"
    if unclear:
        sure = "" if ps.confidence is None else f" (its ends' probability {ps.confidence:.2f})"
        return (
            "a step next to a turn is neither clearly walking nor clearly turning: the count "
            f"could be a step off{sure}"
        )
    if ps.closed and ps.rival_gap < params.rival_margin:
        return (
            "another reading of the session, nearly as likely, has other ends for this pass "
            "or passes a step longer or shorter (a turn inside it, or turns a step longer or "
            f"shorter; {ps.rival_gap:.1f} nats apart): the count could be wrong"
        )
    if n < params.min_steps:
        return "too few steps"
    lo, hi = PLAUSIBLE_STEP_M
    if not lo <= pass_length_m / n <= hi:
        return f"{n} steps for {pass_length_m:g} m: passes not told apart"
    if typical is not None and count_unlike(n, typical, params.count_tolerance):
        return (
            f"{n} steps where the other passes have {typical:g}: a turn was missed or the "
            "pass split, so the steps do not cover one pass"
        )
    return None


def apply_course(
    table: StepTable, pass_length_m: float, params: CourseParams | None = None
) -> tuple[StepTable, list[dict[str, object]]]:
    """Step and stride lengths from passes of known length (overground, no belt).

    Returns the new table and one record per pass (``steps``, ``start_s``, ``end_s``,
    ``ended_by``, ``measured``, ``length_m`` = the distance its steps covered, and
    ``reason`` when not measured). A pass that cannot be measured is left unmeasured,
    never reported with a wrong length.
    """
    if not (math.isfinite(pass_length_m) and pass_length_m > 0):
        raise ValueError("pass_length_m must be a positive number")
    p = params or CourseParams()
    step_len = np.full(len(table), np.nan)
    stride_len = np.full(len(table), np.nan)
    ratio = step_ratios(table)
    passes = course_passes(table, p, ratio, pass_length_m)
    with np.errstate(invalid="ignore"):
        slow = ratio > p.slow_factor
    spread = ratio_spread(ratio, slow)
    counts = [ps.rows.size for ps in passes if ps.closed and not ps.missing_data]
    typical = float(np.median(counts)) if len(counts) >= p.min_passes_to_compare else None
    records: list[dict[str, object]] = []
    for ps in passes:
        record = _pass_record(ps, p)
        records.append(record)
        unclear = ps.closed and unclear_ends(ps, ratio, p, spread)
        reason = _unmeasured_reason(ps, pass_length_m, typical, p, unclear)
        if reason is not None:
            record.update(measured=False, length_m=None, reason=reason)
            continue
        n = int(ps.rows.size)
        mean_step = pass_length_m / n
        w, own = step_weights(table, ps.rows, slow)
        lengths = mean_step * n * w / w.sum()
        step_len[ps.rows[own]] = lengths[own]
        both = own[1:] & own[:-1]  # stride = this step + the previous step of the pass
        stride_len[ps.rows[1:][both]] = (lengths[1:] + lengths[:-1])[both]
        record.update(measured=True, length_m=float(n * mean_step), mean_step_m=mean_step)
    values = dict(table.values)
    values["step_length_m"] = step_len
    values["stride_length_m"] = stride_len
    new = StepTable(
        table.side, table.contact, table.flags, table.contact_type, table.on_target, values
    )
    return new, records
