"""Analysis of one record, as ``stride analyze`` does it (also for reports and cohorts):
read it, analyse it against the target the options give (else the one its session
stored), and build the JSON document of docs/formats.md.

The core (:mod:`stride.core`) stays pure; reading goes through :mod:`stride.readers`
(a session directory through :mod:`stride.ingest`), output files through
:func:`write_text_atomic`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from stride.core.analyzer import Analysis, AnalysisConfig, analyze, analyze_scan
from stride.core.belt import MAX_BELT_GAP_S
from stride.core.kernels import load_analysis_kernels
from stride.core.rows import json_safe
from stride.core.scan import scan_samples
from stride.core.signals import GaitSignals
from stride.core.targets import CorruptTargetError, Target
from stride.errors import InputError
from stride.ingest.treadmill_clock import with_treadmill
from stride.readers import likely_dtype, read_signals


@dataclass(frozen=True)
class Timing:
    """Seconds spent reading/decoding and analysing, and the time points analysed;
    ``prepare_s``: loading the kernels beforehand (from numba's cache; compiling them on a
    first run), once per process: the reading kernels before the read, the analysis
    kernels cached for the forces' dtype after it, so ``read_s`` is the reading itself and
    ``analysis_s`` the analysis itself (but on a first run a kernel no helper compiled
    compiles at its first call, inside ``analysis_s``)."""

    read_s: float
    analysis_s: float
    samples: int
    prepare_s: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "read_s": self.read_s,
            "analysis_s": self.analysis_s,
            "samples": self.samples,
            "prepare_s": self.prepare_s,
        }


def run(
    path: str | os.PathLike[str],
    config: AnalysisConfig,
    before_analysis: Callable[[GaitSignals], object] | None = None,
    *,
    keep_samples: bool = True,
) -> tuple[GaitSignals, Analysis, Timing]:
    """Read and analyse one record, timing both; InputError if no stride is usable.
    ``before_analysis`` is called with the signals read, before the analysis (and its
    timing) starts: ``stride analyze`` says there whether the kernels must compile.
    ``keep_samples=False``: the samples are let go once the analysis has scanned them
    (contacts and gaps), so the rest of it and whatever the caller builds afterwards
    runs without them in memory; the signals returned then hold no samples
    (:func:`without_samples`), and a long session recording's times are read as a clock
    (``read_signals(compact_times=True)``: never a float64 per sample)."""
    tp = time.perf_counter()
    if Path(path).is_dir():  # a session recording: its decoder's kernels, loaded first
        from stride.ingest.recording import load_kernels

        load_kernels()
    t0 = time.perf_counter()
    signals = read_signals(path, compact_times=not keep_samples)
    read_s = time.perf_counter() - t0
    if before_analysis is not None:
        before_analysis(signals)
    # the analysis kernels loaded from the cache outside its timing (prepare_s)
    dtype = signals.forces.dtype
    tk = time.perf_counter()
    load_analysis_kernels(dtype, "all" if keep_samples else "scan")
    t1 = time.perf_counter()
    loading = 0.0
    given = config
    config = with_session_defaults(config, signals.meta)
    outages = signals.meta.get("belt_outages")
    rates = signals.meta.get("heart_rates_bpm")
    if keep_samples:
        analysis = analyze(signals, config)
        samples = signals.n
    else:
        scan = scan_samples(signals, config.contact)
        samples = scan.samples
        signals = without_samples(signals)  # the only reference: the samples' memory goes
        tl = time.perf_counter()
        # their code not resident with the samples; those the steps table of a record
        # with or without gaps calls
        load_analysis_kernels(dtype, "rest", gaps=bool(scan.gap_starts.size))
        loading = time.perf_counter() - tl
        analysis = analyze_scan(signals, scan, config)
        del scan
    result = with_treadmill(
        analysis,
        outages if isinstance(outages, list) else [],
        rates if isinstance(rates, list) else [],
    )
    del analysis
    t2 = time.perf_counter()
    if result.usable_steps == 0:
        # what reading it met (the damage skipped) and what the detector saw, as a
        # record with strides says it on stderr: the damage may be why there are none
        notes = read_notes(path, signals.meta, given)
        damaged = notes.damage is not None and bool(notes.damage.get("skipped_chunks"))
        said = notes.sentences(path, result.summary)
        raise no_strides(path, len(result.steps), result.summary, said, damaged=damaged)
    return signals, result, Timing(read_s, t2 - t1 - loading, samples, t0 - tp + t1 - tk + loading)


def no_strides(
    path: object, steps: int, summary: Mapping[str, object], said: list[str], *, damaged: bool
) -> InputError:
    """The one-line error of a record without a usable stride (``stride analyze``, and
    ``stride replay`` played to its end): the steps detected and their flags, then
    everything ``said`` of it (the damage skipped first); ``damaged``: chunks of the
    recording were skipped, so restoring it comes first in the fix."""
    flagged = summary.get("flags")
    why = ""
    if isinstance(flagged, dict):
        why = ", ".join(f"{k} {v}" for k, v in flagged.items() if v)
    return InputError(
        f"{path}: no usable strides ({steps} steps detected"
        + (f"; flagged: {why}" if why else "")
        + ")"
        + "".join(f"; {s}" for s in said),
        fix=(
            "the recording is damaged: restore it from a backup, else check" if damaged else "check"
        )
        + " that the record contains walking and that each foot's sensor works",
    )


def without_samples(signals: GaitSignals) -> GaitSignals:
    """The signals with empty times and forces (new arrays: views would keep the old
    memory), everything else as it was: what is said of a record after its analysis."""
    k = signals.forces.shape[1] if signals.forces.ndim == 2 else len(signals.channels)
    return replace(
        signals,
        t=np.zeros(0, np.float64),
        forces=np.zeros((0, k), signals.forces.dtype),
    )


def load_kernels_for(paths: Sequence[str | os.PathLike[str]]) -> None:
    """Load (on a first run: compile) the kernels analysing these records needs, for
    the dtypes they are likely read as (:func:`likely_dtype`), so that processes forked
    afterwards inherit them instead of each loading its own."""
    from stride.core.kernels import warm_analysis_kernels

    if any(Path(p).is_dir() for p in paths):
        from stride.ingest.recording import load_kernels

        load_kernels()
    for dtype in sorted({likely_dtype(p) for p in paths}):
        warm_analysis_kernels(dtype)


@dataclass(frozen=True)
class ReadNotes:
    """What reading a record met, as its JSON document says it: the damage skipped
    (``recording``: a session recording's skipped chunks, torn tail, whether it reached its
    end) and ``warnings`` (the session cut short, what the reader recovered from, a stored
    target left out). One record's command and several recordings' workers make the same."""

    damage: dict[str, object] | None
    problems: list[str]

    def sentences(
        self, path: str | os.PathLike[str], summary: Mapping[str, object] | None = None
    ) -> list[str]:
        """Everything said, in words: the damage skipped, the warnings, then what the
        detector saw (the ``warnings`` of the analysis' ``summary``: a foot of blips)."""
        from stride.ingest.recording import damage_words, decoded_words

        damage = self.damage  # the chunks reading skipped, then what decoding skipped in the rest
        said = (
            []
            if damage is None
            else [damage_words(path, damage), decoded_words(path, damage, "analysed")]
        )
        detected = None if summary is None else summary.get("warnings")
        return (
            [s for s in said if s is not None]
            + self.problems
            + ([str(w) for w in detected] if isinstance(detected, list) else [])
        )

    def add_to(self, doc: dict[str, object]) -> dict[str, object]:
        """``doc`` with ``recording`` and ``warnings`` where there is something to say."""
        if self.damage is not None:
            doc["recording"] = self.damage
        if self.problems:
            doc["warnings"] = self.problems
        return doc


def read_notes(
    path: str | os.PathLike[str], meta: dict[str, object], config: AnalysisConfig
) -> ReadNotes:
    """The :class:`ReadNotes` of a record read with ``meta``, analysed with ``config`` (the
    caller's: a stored target's problems matter only where the options gave no target)."""
    from stride.ingest.recording import incomplete_warning, recording_damage

    damage = recording_damage(meta)
    said = meta.get("warnings")
    problems = [str(w) for w in said] if isinstance(said, list) else []
    cut_short = None if damage is None else incomplete_warning(path, damage)
    if cut_short is not None:
        problems.insert(0, cut_short)
    if config.target is None:
        problems += [p for p in stored_target(meta)[1:] if p is not None]
    if config.pass_length_m is None:
        problems += [p for p in stored_pass_length(meta)[1:] if p is not None]
    return ReadNotes(damage, problems)


def stored_target(meta: dict[str, object]) -> tuple[Target | None, str | None]:
    """The target a session recording stored (``meta["session"]`` is its session.json) and,
    when that entry is damaged, why it was left out (a visible recovery, never a guess)."""
    session = meta.get("session")
    if not isinstance(session, dict):
        return None, None
    try:
        return Target.from_session(session, str(meta.get("source") or "the recording")), None
    except CorruptTargetError as err:
        return None, f"{err.problem}: analysed without a target"


def with_session_defaults(config: AnalysisConfig, meta: dict[str, object]) -> AnalysisConfig:
    """A recording's own target and course (session.json) where the options gave none, so
    analysing a session scores it against what the walker was shown; and the belt gap its
    treadmill's readings may span (the live session's, :mod:`stride.ingest.recording`)."""
    gap = meta.get("belt_max_gap_s")
    if isinstance(gap, float) and gap > MAX_BELT_GAP_S:
        config = replace(config, belt_max_gap_s=gap)
    session = meta.get("session")
    if not isinstance(session, dict):
        return config
    target = config.target if config.target is not None else stored_target(meta)[0]
    pass_length = config.pass_length_m
    if pass_length is None:
        pass_length = stored_pass_length(meta)[0]
    return replace(config, target=target, pass_length_m=pass_length)


def stored_pass_length(meta: dict[str, object]) -> tuple[float | None, str | None]:
    """The pass length a simulated overground session stored (its session.json's ``sim``)
    and, when that entry is not a length, why course mode was left out (a visible recovery,
    as for a damaged target: the analysis goes on without step lengths from passes)."""
    session = meta.get("session")
    sim = session.get("sim") if isinstance(session, dict) else None
    if not (isinstance(sim, dict) and sim.get("overground")):
        return None, None
    length = sim.get("pass_length_m")
    if (
        isinstance(length, int | float)
        and not isinstance(length, bool)
        and math.isfinite(length)
        and length > 0
    ):
        return float(length), None
    where = str(meta.get("source") or "the recording")
    return None, (
        f"session.json of {where} has a corrupt pass length ({length!r}): analysed without"
        " course mode (give --pass-length M for step lengths from passes)"
    )


def document(result: Analysis, timing: Timing | None = None) -> dict[str, object]:
    """The JSON document of docs/formats.md: summary, steps (and timing); NaN-free. Each
    step row is made JSON-safe as it is made, so an hour's rows are not held twice (raw
    and clean) while the command still holds the signals: that was its memory peak."""
    rows = result.iter_step_rows()
    doc: dict[str, object] = {
        "summary": json_safe(result.summary),
        "steps": [json_safe(row) for row in rows],
    }
    if timing is not None:
        doc["timing"] = json_safe(timing.as_dict())
    return doc


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file; a full or
    read-only disk is one ``FileSystemError`` and leaves nothing behind."""
    from devices.files import atomic_write

    atomic_write(path, text)
