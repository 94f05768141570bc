"""Damaged recordings: the whole-stream fast path of ``stride analyze`` (one numba decode,
chunk arrivals from the decoder) gives what the incremental path (the recorded chunks
decoded one by one, as the live session did) gives on the same bytes: the same samples,
belt, counters and chunk arrivals, whatever the damage (hypothesis makes it)."""

from __future__ import annotations

import functools
import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.recording import SessionReader, SessionWriter
from stride.core.signals import GaitSignals
from stride.errors import InputError
from stride.ingest.assembler import BlockAssembler
from stride.ingest.decode import _assemble_by_chunk, decode_box


@functools.cache
def _frames() -> tuple[bytes, ...]:
    from stride_testkit import box_wire, walk  # type: ignore[import-not-found]

    sig, _ = walk(seconds=6.0, fs=200.0, heel_toe=True, seed=5)
    return tuple(box_wire(sig, hello_every=40))


def _damaged(frames: tuple[bytes, ...], ops: list[tuple[str, int, int]]) -> bytes:
    """The wire after frame-level damage (lost, repeated, swapped frames) and byte-level
    damage (flipped bits, lost bytes, noise)."""
    out = list(frames)
    for op, a, _ in ops:
        i = a % len(out)
        if op == "drop" and len(out) > 2:
            del out[i]
        elif op == "repeat":
            out.insert(i, out[i])
        elif op == "swap" and i + 1 < len(out):
            out[i], out[i + 1] = out[i + 1], out[i]
    wire = bytearray(b"".join(out))
    for op, a, b in ops:
        p = a % len(wire)
        if op == "flip":
            wire[p] ^= 1 << (b % 8)
        elif op == "cut":
            del wire[p : p + 1 + b % 40]
        elif op == "noise":
            wire[p:p] = bytes((b * 37 + k * 11) & 0xFF for k in range(1 + b % 30))
    return bytes(wire)


def _record(path: Path, wire: bytes, cuts: list[int]) -> None:
    """``wire`` as the box stream of a session, split into chunks at ``cuts``."""
    bounds = sorted({0, len(wire), *(c % max(len(wire), 1) for c in cuts)})
    with SessionWriter(str(path)) as w:
        rec = w.add_stream("box", "sensorbox-v1")
        for k, (a, b) in enumerate(itertools.pairwise(bounds)):
            rec.append(wire[a:b], 1000.0 + 0.004 * k)


def _outcome(path: Path, fast: bool, clock: bool = False) -> tuple[Any, ...]:
    reader = SessionReader(path)
    arrivals: list[tuple[float, float]] = []
    assembler = BlockAssembler()
    try:
        if fast:
            sig, stats = decode_box(reader, "box", assembler, arrivals, clock)
        else:
            sig, stats = _assemble_by_chunk(reader, "box", assembler, arrivals)
    except InputError as err:
        return ("error", str(err))
    return (_arrays(sig), stats, arrivals, vars(assembler.counts))


def _arrays(sig: GaitSignals | None) -> tuple[Any, ...]:
    if sig is None or sig.n == 0:
        return ()
    belt = None if sig.belt_t is None else (sig.belt_t.tolist(), sig.belt_speed.tolist())  # type: ignore[union-attr]
    return (sig.times().tolist(), sig.forces.tolist(), str(sig.forces.dtype), belt)


OPS = st.lists(
    st.tuples(
        st.sampled_from(["drop", "repeat", "swap", "flip", "cut", "noise"]),
        st.integers(0, 1 << 20),
        st.integers(0, 255),
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, cuts=st.lists(st.integers(0, 1 << 20), max_size=40))
def test_fast_path_equals_the_incremental_path_on_damaged_streams(
    ops: list[tuple[str, int, int]], cuts: list[int]
) -> None:
    wire = _damaged(_frames(), ops)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s"
        _record(path, wire, cuts)
        slow = _outcome(path, fast=False)
        # every way of reading; the times as a clock where every sample came in order
        for threads, ahead, clock in ((1, False, False), (1, True, False), (2, False, False),
                                      (1, False, True), (2, False, True)):  # fmt: skip
            got = _reading(threads, ahead, lambda c=clock: _outcome(path, True, c))
            assert got == slow


def _reading(threads: int, ahead: bool, read: Any) -> Any:
    """``read()`` with ``threads`` read threads, framing ahead on one thread or not; the
    parts split however few items they have (so a small stream takes every path)."""
    from devices.cores import frame_ahead, read_threads, set_frame_ahead, set_read_threads
    from devices.recording import scan
    from devices.sensorbox import _fast_gather, _fast_samples

    mins = (scan.MIN_SPLIT, scan.MIN_SPLIT_CHUNKS, _fast_gather.MIN_SPLIT_BLOCKS)
    old = (read_threads(), frame_ahead(), *mins, _fast_samples.MIN_SPLIT_SAMPLES)
    part = _fast_gather.FILL_PART
    set_read_threads(threads)
    set_frame_ahead(ahead)
    scan.MIN_SPLIT = scan.MIN_SPLIT_CHUNKS = _fast_gather.MIN_SPLIT_BLOCKS = 1
    _fast_samples.MIN_SPLIT_SAMPLES = 1
    _fast_gather.FILL_PART = 7 if threads == 1 else 1  # the block gather in small parts
    try:
        return read()
    finally:
        set_read_threads(old[0])
        set_frame_ahead(old[1])
        scan.MIN_SPLIT, scan.MIN_SPLIT_CHUNKS, _fast_gather.MIN_SPLIT_BLOCKS = old[2:5]
        _fast_samples.MIN_SPLIT_SAMPLES = old[5]
        _fast_gather.FILL_PART = part


def test_samples_before_the_first_hello_and_lost_frames() -> None:
    """A box already streaming when the recording began (samples before its HELLO), with
    lost and reordered frames: the fast path still gives the live arrivals."""
    from devices.sensorbox import HelloEvent, StreamDecoder

    frames = list(_frames())
    first_hello = next(
        i for i, f in enumerate(frames) if isinstance(StreamDecoder().feed(f, 0.0)[0], HelloEvent)
    )
    body = [*frames[first_hello + 1 : 12], frames[first_hello], *frames[12:]]
    wire = _damaged(tuple(body), [("drop", 30, 0), ("swap", 50, 0), ("flip", 4000, 3)])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s"
        _record(path, wire, list(range(0, len(wire), 97)))
        fast, slow = _outcome(path, fast=True), _outcome(path, fast=False)
        assert fast == slow == _outcome(path, True, clock=True)
        assert fast[0] and len(fast[2]) > 20  # samples read, arrivals noted
        counts = fast[1]
        assert counts["frames_lost"] >= 1 and counts["crc_errors"] + counts["cobs_errors"] >= 1
    assert np.isfinite(np.asarray(fast[0][0])).all()
