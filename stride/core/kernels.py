"""Whether the numba kernels an analysis needs are ready (compiled in this process or in
numba's on-disk cache), so a command can say "preparing the analysis kernels for their
first use" before a silent pause of compilation.

:func:`analysis_kernels_ready` answers for the kernels :func:`stride.core.analyzer.analyze`
calls from Python (the others are compiled into them). The contact scan is compiled once
per dtype of the forces, so the dtype is part of the question; the other kernels take
float64 arrays only. The answer comes from numba's cache index (no kernel is loaded or
compiled to give it); if numba's internals ever differ from what this expects, the answer
is False ("may need compiling"), which costs only a message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

#: forces dtypes the contact scan is compiled for; others are widened to one of these
SCAN_DTYPES = ("int16", "uint16", "float32", "float64")


def _scan_args(dtype: str) -> tuple[Any, ...]:
    """Arguments shaped as ``contact_runner._FootRunner.feed`` passes them to the scan."""
    from stride.core import _contact_state as k

    f = np.zeros(2)
    i = np.zeros(1, np.int64)
    tr, fs = k.new_state(2)
    words = None if np.dtype(dtype).kind == "f" else i  # as contact_input._row_words
    return (f, np.zeros((2, 4), dtype), i, 0, np.zeros(k.N_P), tr, fs,
            np.zeros((1, k.N_OF + 2)), np.zeros((1, k.N_OI), np.int64), words, i)  # fmt: skip


def _polarity_args(dtype: str) -> tuple[Any, ...]:
    """Arguments shaped as ``polarity._block_sums`` passes them to its kernel (the forces'
    rows as they are: one variant per dtype, as the contact scan)."""
    i = np.zeros(1, np.int64)
    return (np.zeros((2, 2), dtype), i, i, 0, 1, 2, 1)


def _kernels(
    dtype: str, streaming: bool = False, course: bool = False
) -> list[tuple[Any, tuple[Any, ...] | None]]:
    """(dispatcher, example arguments or None for "any signature") of every kernel; with
    ``streaming`` those a live session compiles when it starts (its analyzer reads chunks
    as float64 whatever the source's dtype, checks no whole record for gaps first, and
    computes DFA only for its final summary); with ``course`` also overground course
    mode's (compiled only by an analysis that uses it)."""
    from stride.core import (
        _contact_scan,
        _course_evidence,
        _course_kernels,
        _course_posterior,
        _course_sums,
        _polarity_kernel,
        belt,
        gaps,
    )

    # a live session's analyzer reads every chunk as float64 (StreamingAnalyzer.feed)
    scan_dtype = "float64" if streaming else dtype
    scan: tuple[Any, tuple[Any, ...] | None] = (_contact_scan.scan, _scan_args(scan_dtype))
    # the steps table's kernels one by one (a live session's rows, a record with gaps, and
    # a whole record's while its one-call kernel ``_step_whole._whole_rows`` is not
    # cached): not that kernel, which is compiled only where it costs the command nothing
    # (:func:`whole_rows_ready`)
    steps: list[tuple[Any, tuple[Any, ...] | None]] = [(k, None) for k in _one_by_one()]
    # the polarity figure's, for the forces as read (a live session's: float64 chunks)
    polarity = (_polarity_kernel.block_sums, _polarity_args(scan_dtype))
    common = [scan, polarity, *steps, (belt._accumulate, None)]
    if course:
        common += [
            (_course_sums.course_forward, None),
            (_course_sums.course_backward, None),
            (_course_kernels.course_viterbi, None),
            (_course_posterior.course_block_logs, None),
            (_course_posterior.course_block_sums, None),
            (_course_kernels.course_slopes, None),
            (_course_kernels.course_median_sd, None),
            (_course_evidence.course_evidence_terms, None),
            (_course_evidence.course_evidence_sum, None),
        ]
    if streaming:
        return [*common, (gaps._scan_gaps, None)]
    # Not DFA's kernel (_dfa_kernel._dfa_fluctuations): only records of enough strides call
    # it, so asking for it would announce a first run on every short record analysed after
    # a first run that had no helper (the helper's warm-up compiles it); a long record
    # compiles it in about a second, unannounced. Nor the gap finder's (gaps._scan_gaps),
    # for the same reason: a record is read for gaps only when the contact scan saw a
    # break in it (scan._gapless).
    return common


def _one_by_one() -> tuple[Any, ...]:
    """The steps table's kernels called one by one from Python, which a whole record's
    one-call kernel (``_step_whole._whole_rows``) has compiled in instead."""
    from stride.core import _step_kernels, belt

    return (_step_kernels._previous_median_mad, _step_kernels._intervals,
            _step_kernels._row_marks, _step_kernels._reference_series,
            belt._displacements)  # fmt: skip


def kernel_ready(dispatcher: Any, args: tuple[Any, ...] | None = None) -> bool:
    """Compiled in this process, or in the cache for this machine and this source, for
    these example arguments (None: for any arguments)."""
    from numba import typeof

    sig = None if args is None else tuple(typeof(a) for a in args)
    return signature_ready(dispatcher, sig)


def signature_ready(dispatcher: Any, sig: tuple[Any, ...] | None) -> bool:
    """:func:`kernel_ready` for these argument types (None: for any)."""
    if sig is None and dispatcher.signatures:
        return True
    if sig is not None and sig in dispatcher.overloads:
        return True
    cache = getattr(dispatcher, "_cache", None)
    if cache is None:
        return False
    probe = sig if sig is not None else ()
    want = cache._index_key(probe, dispatcher.targetctx.codegen())
    index = cache._cache_file._load_index()
    return any(key[1:] == want[1:] and (sig is None or key[0] == sig) for key in index)


def analysis_kernels_ready(
    forces_dtype: str | np.dtype[Any] = "int16", streaming: bool = False, course: bool = False
) -> bool:
    """True when every kernel an analysis of forces of this dtype needs is compiled or
    cached; False when some will be compiled first (seconds to tens of seconds on a
    first run), or when that cannot be told. ``streaming``: the kernels a live session
    compiles as it starts; ``course``: with overground course mode's (see :func:`_kernels`)."""
    from stride.core.contact_input import scan_dtype

    name = scan_dtype(forces_dtype)
    try:
        return all(kernel_ready(d, a) for d, a in _kernels(name, streaming, course))
    except Exception:  # numba internals differ: say "may need compiling"
        return False


def _entry_signatures(dtype: str) -> tuple[list[Any], list[Any]]:
    """(kernel, argument types) of every kernel an analysis of forces of this (kernel)
    dtype calls from Python, as it calls them (the others are compiled into these), in two
    parts: those that read the samples, then those called after them (any dtype)."""
    from numba import typeof

    from stride.core import _contact_scan, _polarity_kernel

    return [
        (_contact_scan.scan, tuple(typeof(a) for a in _scan_args(dtype))),
        _clock_signature(),
        (_polarity_kernel.block_sums, tuple(typeof(a) for a in _polarity_args(dtype))),
    ], [*_step_signatures(), _whole_signature(), *_after_scan_signatures()]


def _clock_signature() -> tuple[Any, tuple[Any, ...]]:
    """(kernel, argument types) of a sample clock's expansion, as the contact scan of a
    session read with ``compact_times`` calls it (``stride analyze``). Not among the
    kernels :func:`analysis_kernels_ready` asks for: a record read with times as an array
    never calls it (a first run compiles it in a fraction of a second, unannounced)."""
    from numba import types

    from stride.core._clock_kernel import expand_times

    i1, f1 = types.Array(types.int64, 1, "C"), types.Array(types.float64, 1, "C")
    return expand_times, (i1, i1, i1, types.float64, types.int64, types.int64, f1)


def _after_scan_signatures() -> list[tuple[Any, tuple[Any, ...]]]:
    """(kernel, argument types) of the belt's and DFA's kernels, as the analysis calls
    them, in the order it first calls them (after the contact scan, whatever the forces)."""
    from numba import types

    from stride.core import _dfa_kernel, belt

    a1 = types.Array(types.float64, 1, "C")
    a2 = types.Array(types.float64, 2, "C")
    i1 = types.Array(types.int64, 1, "C")
    f, i = types.float64, types.int64
    return [
        (belt._accumulate, (a1, a1, f, f, f, f, i, a1, i1)),
        (belt._displacements, (a1, a1, a1, i1, a2, a1, a2)),
        (_dfa_kernel._dfa_fluctuations, (a1, i1)),
    ]


def load_analysis_kernels(
    forces_dtype: str | np.dtype[Any] = "int16", part: str = "all", gaps: bool | None = None
) -> None:
    """Load the analysis kernels for forces of this dtype from numba's cache (a cached
    kernel is otherwise loaded by its first call, inside the analysis: about 25 ms in all
    for a command's first analysis), so a command can do it before it times the analysis.
    ``part``: "scan" the contact scan (what reads the samples), a sample clock's
    expansion and the polarity figure's kernel, "rest" the others
    (loaded once the samples are let go, so their code is not resident with them: the
    command's memory peak is the scan's), "all" both.
    ``gaps``: whether the scan found gaps in the samples, if known: a record without
    gaps makes its steps table with one kernel (``_step_whole._whole_rows``, which has the
    steps table's others and the belt's travel compiled in), one with gaps with those
    others; each costs milliseconds to load, so only the one the record calls is (the
    others too while ``_whole_rows`` is not cached: :func:`whole_rows_ready`).
    A kernel not cached (a first run) is left to compile where it is first called: DFA's
    only by records with enough strides, the rest where a helper may compile them."""
    from stride.core.contact_input import scan_dtype

    name = scan_dtype(forces_dtype)
    scan, rest = _entry_signatures(name)
    if gaps is not None:
        from stride.core import _step_whole
        from stride.core.steps_whole import kernel_ready

        whole = not gaps and kernel_ready()
        skip = _one_by_one() if whole else (_step_whole._whole_rows,)
        rest = [(kernel, sig) for kernel, sig in rest if kernel not in skip]
    for kernel, sig in ([] if part == "rest" else scan) + ([] if part == "scan" else rest):
        if sig in kernel.overloads:
            continue
        try:
            cached = signature_ready(kernel, sig)
        except Exception:  # numba internals differ: leave it to the first call
            cached = False
        if cached:
            kernel.compile(sig)


def warm_analysis_kernels(forces_dtype: str | np.dtype[Any] = "int16", whole: bool = True) -> None:
    """Compile (or load) the analysis kernels for forces of this dtype by analysing two
    minutes of synthetic walking (enough strides for DFA's kernel too), so a command can
    do it behind its progress line; with ``whole`` a whole record's steps kernel
    (:func:`compile_whole_rows`) first, so the analysis calls it."""
    if whole:
        compile_whole_rows()
    from stride.core.analyzer import analyze

    analyze(warm_signals(forces_dtype))


def warm_signals(forces_dtype: str | np.dtype[Any]) -> Any:
    """Two minutes of synthetic walking at 100 Hz, read as a session is (times as a
    clock): what :func:`warm_analysis_kernels` analyses. Its feet must not be filtered
    (:mod:`stride.core.denoise`): a float64 scan would be compiled instead of the one for
    ``forces_dtype`` (a test checks none is). At 50 Hz they were, before the noise figure
    left a block's edges out (its 16-sample blocks, 0.32 s, mostly hold one)."""
    from stride.core.clock import SampleClock
    from stride.core.signals import Channel, GaitSignals

    fs = 100.0
    t = np.arange(12000) / fs
    walking = ((t % 1.0) < 0.6).astype(np.float64)
    x = (np.stack([walking, np.roll(walking, 50)], axis=1) * 1000.0).astype(forces_dtype)
    chans = (Channel("L", "foot"), Channel("R", "foot"))
    clock = SampleClock.regular(12000, 10, 1000.0)  # t's times, as a session is read
    return GaitSignals(clock, x, chans, fs, t[::10].copy(), np.ones((1200, 1)))


def compile_scan(forces_dtype: str | np.dtype[Any] = "float64") -> None:
    """Compile (or load) the contact scan alone for forces of this dtype: the longest
    compile of all, started first on a first run while another process compiles the
    other kernels (:mod:`stride.cli.first_run`)."""
    from numba import typeof

    from stride.core import _contact_scan
    from stride.core.contact_input import scan_dtype

    name = scan_dtype(forces_dtype)
    _contact_scan.scan.compile(tuple(typeof(a) for a in _scan_args(name)))


def _scan_callees() -> list[tuple[Any, tuple[Any, ...]]]:
    """(kernel, argument types) of every kernel the contact scan calls, as the scan passes
    them (whatever the forces' dtype: none takes the forces), in the order a compile of the
    scan meets them (the stream's end is the scan's ``start`` -1, not a kernel of its
    own). A test checks this list against what compiling the scan compiles."""
    from numba import typeof, types

    from stride.core import _contact_bounds as b
    from stride.core import _contact_cells as c
    from stride.core import _contact_layout as lay
    from stride.core import _contact_state as k
    from stride.core import _contact_sums as s

    a1, a2 = typeof(np.zeros(1)), typeof(np.zeros((1, 1)))
    i2 = typeof(np.zeros((1, 1), np.int64))
    f, i, yes = types.float64, types.int64, types.boolean
    return [
        (c.adjacent, (typeof(np.zeros(1, np.int64)), i)),
        (k.envelope_params, (a1,)),
        (b._next_bad_step, (a1, i, i, f)),
        (b._sum_bounds, (f,) * 9),
        (lay.column, (i,)),
        (s.pair_sample, (f,) * 8),
        (k.emit, (a1, a1, i, yes, f, f, a2, i2, i, a1)),
        (k._crossing, (f,) * 5),
        (k.open_contact, (a1, a1, i, yes, f)),
        (k.lift, (a1, a1, f, f, f, a1)),
        (b.onset_time, (f,) * 7),
        (k.envelopes, (*(f,) * 10, yes, types.UniTuple(f, 10), yes)),
    ]


def compile_scan_callees() -> None:
    """Compile (or load) the kernels the contact scan calls into numba's cache: a
    helper's first share on a first run, while the command compiles the scan.
    They go last-met first: the scan's compile meets its callees after seconds of its
    own work, and loads each one found in the cache by then instead of compiling it, so
    the two processes meet in the middle rather than compiling the same kernels in the
    same order."""
    for kernel, sig in reversed(_scan_callees()):
        kernel.compile(sig)


def _step_signatures() -> list[tuple[Any, tuple[Any, ...]]]:
    """(kernel, argument types) of the steps table's kernels, as
    :func:`stride.core.step_intervals._previous_median_mad`, ``intervals`` and
    ``references`` and :func:`stride.core.steps._marks` call them."""
    from numba import types

    from stride.core import _step_kernels

    a1 = types.Array(types.float64, 1, "C")
    b1, i1 = types.Array(types.boolean, 1, "C"), types.Array(types.int64, 1, "C")
    a2, b2 = types.Array(types.float64, 2, "C"), types.Array(types.boolean, 2, "C")
    u1, f = types.Array(types.uint16, 1, "C"), types.float64
    s1 = types.Array(types.int8, 1, "C")
    return [
        (_step_kernels._previous_median_mad, (a1, types.int64, types.int64, types.boolean)),
        (_step_kernels._intervals, (a1, a1, b1, a1, a1, b1, i1, i1, a2, b2)),
        (
            _step_kernels._row_marks,
            (*[a1] * 8, b1, b1, b1, f, f, f, u1, a2, a2, i1, i1, i1, b1, f, s1, a1),
        ),
        (_step_kernels._reference_series, (a1, b1, a1, b1, i1, types.int64, a2)),
    ]


def _whole_signature() -> tuple[Any, tuple[Any, ...]]:
    """(kernel, argument types) of a whole record's steps kernel, as
    :func:`stride.core.steps_whole.whole_rows` calls it."""
    from numba import types

    from stride.core import _step_whole

    a1, a2 = types.Array(types.float64, 1, "C"), types.Array(types.float64, 2, "C")
    b1, i1 = types.Array(types.boolean, 1, "C"), types.Array(types.int64, 1, "C")
    u1, s1 = types.Array(types.uint16, 1, "C"), types.Array(types.int8, 1, "C")
    i = types.int64
    whole = (a1, a1, b1, b1, a1, a1, b1, b1, i1, a1, a1, b1, b1, i, i,
             a1, a2, i1, i1, i1, a1, a1, a1, i1, a2, u1, s1)  # fmt: skip
    return _step_whole._whole_rows, whole


def whole_rows_ready() -> bool:
    """Whether a whole record's steps kernel (``_step_whole._whole_rows``) is compiled in
    this process or cached. Its compile takes seconds more than the steps table's kernels
    one by one; a first run takes their path (rows identical) and leaves it to a helper's
    spare time (:mod:`stride.cli.first_run`). False where it cannot be told."""
    kernel, sig = _whole_signature()
    try:
        return signature_ready(kernel, sig)
    except Exception:  # numba internals differ: the steps table's kernels one by one
        return False


def compile_whole_rows() -> None:
    """Compile (or load) a whole record's steps kernel (and the steps table's kernels it
    calls) into numba's cache."""
    kernel, sig = _whole_signature()
    kernel.compile(sig)


@contextmanager
def _as_python(modules: list[Any]) -> Iterator[None]:
    """Within: every numba kernel defined in ``modules`` replaced by its Python function
    (callers that look them up as module globals, the kernels' own Python functions
    included, then run Python)."""
    from numba.core.dispatcher import Dispatcher

    patched = [
        (mod, name, obj)
        for mod in modules
        for name, obj in vars(mod).items()
        if isinstance(obj, Dispatcher)
    ]
    try:
        for mod, name, kernel in patched:
            setattr(mod, name, kernel.py_func)
        yield
    finally:
        for mod, name, kernel in patched:
            setattr(mod, name, kernel)


@contextmanager
def scan_as_python() -> Iterator[None]:
    """Within: the contact scan and every kernel it calls run as plain Python, so a
    warm-up compiles every other kernel (those are compiled by
    :func:`compile_scan_callees` and the command's :func:`compile_scan`; no kernel
    compiled twice for the same types); same results, slower."""
    from stride.core import (
        _contact_block_end,
        _contact_bounds,
        _contact_gap,
        _contact_rules,
        _contact_runs,
        _contact_scan,
        _contact_state,
        _contact_sums,
    )

    parts = [_contact_scan, _contact_runs, _contact_sums, _contact_rules, _contact_block_end]
    with _as_python([*parts, _contact_bounds, _contact_gap, _contact_state]):
        yield
