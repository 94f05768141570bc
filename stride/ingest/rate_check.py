"""A recording's sample rate against its samples' spacing, said where the recording is
read: a box whose HELLO announces one rate while its samples come at another (a damaged
recording, or firmware that misreports its rate) would otherwise reach the contact code,
whose message asks for a rate a user cannot give for a recording. ``stride analyze`` checks
the samples it has read (:func:`check_recorded_rate`); ``stride replay`` checks the first
ones before it plays (:func:`check_replay_rate`): it used to play the recording through,
then stop with the contact code's message."""

from __future__ import annotations

import math

import numpy as np

from devices.csvlines import PROTOCOL_NAME as CSV_PROTOCOL
from devices.recording import SessionReader
from devices.recording.replay import feed_chunk, make_decoder
from devices.sensorbox import StreamDecoder
from stride.core.clock import SampleClock
from stride.core.contact_input import off_rate_step
from stride.core.contact_params import ContactParams
from stride.errors import InputError
from stride.ingest.assembler import BlockAssembler

#: samples whose spacing is looked at (the contact code's rate check looks at as many)
HEAD = 1001


def check_recorded_rate(
    path: object, t: np.ndarray | SampleClock, fs: float, stream: str, csv: bool
) -> None:
    """An InputError naming the recording and both rates when the median spacing of the
    first samples is not about ``1 / fs`` (the bounds the contact code's gaps use)."""
    n = min(len(t), HEAD)
    if n < 3:
        return
    head = t.times(0, n) if isinstance(t, SampleClock) else np.asarray(t[:n], np.float64)
    step = off_rate_step(np.diff(head), fs, ContactParams())
    if step is None or not math.isfinite(step) or step <= 0.0:
        return  # in range, or times the contact code's own checks describe
    where = 'its column map in session.json "csvlines" says' if csv else "its HELLO says"
    fix = (
        'correct rate= in the map in session.json "csvlines" to the rate the board sampled at'
        if csv
        else "the recording is damaged or the box's firmware misreports its rate; no option "
        "overrides a recorded rate: check the firmware and report it with the recording"
    )
    raise InputError(
        f"{path}: the {stream!r} stream's samples are {step:.6g} s apart ({1.0 / step:.6g} Hz) "
        f"but {where} {fs:g} Hz",
        fix=fix,
    )


def check_replay_rate(reader: SessionReader, name: str) -> None:
    """:func:`check_recorded_rate` on the first samples of the recording's stream ``name``
    (decoded and assembled as the live session did, up to ``HEAD`` samples): the refusal
    ``stride analyze`` gives, before a replay plays anything."""
    decoder = make_decoder(reader, name)
    if isinstance(decoder, StreamDecoder):
        decoder.quiet = True  # what it notes, the replay says as it plays
    assembler = BlockAssembler()
    times: list[np.ndarray] = []
    n = 0

    def take(events: list[object]) -> None:
        nonlocal n
        got = assembler.feed(events)  # type: ignore[arg-type]
        if got is not None and got.n:
            m = min(got.n, HEAD - n)
            t = got.t
            times.append(t.times(0, m) if isinstance(t, SampleClock) else np.asarray(t[:m]))
            n += m

    for host_t, data in reader.chunks(name):
        take(feed_chunk(decoder, data, host_t))
        if n >= HEAD:
            break
    else:
        take(decoder.flush())
    if n and assembler.ready:
        csv = reader.streams.get(name) == CSV_PROTOCOL
        check_recorded_rate(reader.path, np.concatenate(times), assembler.fs, name, csv)
