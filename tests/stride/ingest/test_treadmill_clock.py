"""The treadmill belt clock shared by the live session and `stride analyze`: clock offset,
outages decided from host times, `belt-unknown` flags, and the recorded-chunk replay."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from devices.treadmill.base import BeltReading
from stride.ingest.treadmill_clock import (
    FLAG_BELT_UNKNOWN,
    TreadmillBeltClock,
    flag_row,
    treadmill_belt,
)


def test_offset_is_the_smallest_host_minus_box_gap() -> None:
    c = TreadmillBeltClock()
    assert c.readings([BeltReading(5.0, (1.0,))]) is None  # no box chunk yet: no clock
    c.box_chunk(10.2, 0.1)  # offset 10.1
    c.box_chunk(10.25, 0.2)  # offset 10.05: tighter
    c.box_chunk(10.5, 0.3)
    assert c.offset == 10.05
    got = c.readings([BeltReading(10.45, (1.0, 1.2)), BeltReading(10.45, (9.0,))])
    assert got is not None
    t, v = got
    np.testing.assert_allclose(t, [0.4])  # the second, not later, is dropped
    np.testing.assert_allclose(v, [[1.1]])  # split belts: their mean


def test_silence_longer_than_stale_gives_nan_samples_and_an_outage() -> None:
    c = TreadmillBeltClock(stale_s=1.0)
    c.box_chunk(1.0, 0.0)
    c.readings([BeltReading(1.5, (1.0,))])
    assert c.box_chunk(2.4, 1.4) is None  # 0.9 s silent: still answering
    got = c.box_chunk(2.6, 1.6)
    assert got is not None and got[0].tolist() == [1.6] and math.isnan(got[1][0, 0])
    assert c.box_chunk(2.7, 1.7) is None  # within 0.25 s of the last NaN sample
    assert c.outages == [[0.5, math.inf]]
    c.readings([BeltReading(3.0, (1.0,))])
    assert c.outages == [[0.5, 2.0]]


def test_flag_only_steps_without_length_that_met_an_outage() -> None:
    out = [[2.0, 3.0]]
    assert flag_row({"ic_s": 3.5, "step_length_m": None, "stride_time_s": 1.0, "flags": []}, out)[
        "flags"
    ] == [FLAG_BELT_UNKNOWN]
    assert (
        flag_row({"ic_s": 4.5, "step_length_m": None, "stride_time_s": 1.0, "flags": []}, out)[
            "flags"
        ]
        == []
    )
    assert flag_row({"ic_s": 2.5, "step_length_m": 0.6, "flags": []}, out)["flags"] == []
    # no stride or step time: a 2.5 s interval is assumed
    assert flag_row({"ic_s": 5.4, "step_length_m": float("nan"), "flags": ["gap"]}, out)[
        "flags"
    ] == ["gap", FLAG_BELT_UNKNOWN]


def _parse(chunks: Iterable[tuple[float, str, bytes]]) -> list[BeltReading]:
    """A toy protocol: each ``S<digits>;`` is a speed in cm/s, dated by the chunk ending it."""
    out: list[BeltReading] = []
    buf = b""
    for t, _, data in chunks:
        buf += data
        while b";" in buf:
            msg, buf = buf.split(b";", 1)
            if msg[:1] == b"S" and msg[1:].isdigit():
                out.append(BeltReading(t, (int(msg[1:]) / 100,)))
    return out


def test_recorded_chunks_give_belt_samples_on_the_box_clock() -> None:
    box = [(1.0 + 0.1 * i, 0.1 * i - 0.01) for i in range(40)]  # clock offset 1.01 s
    rx = [(1.05 + 0.2 * i, b"00;" if i % 2 else b"S1") for i in range(8)]  # answers split
    rx += [(3.55, b"S120;")]  # after 1.1 s of silence
    got = treadmill_belt(box, rx, _parse)
    assert got.readings == 5
    finite = ~np.isnan(got.belt_v[:, 0])
    np.testing.assert_allclose(got.belt_t[finite], [0.24, 0.64, 1.04, 1.44, 2.54])
    np.testing.assert_allclose(got.belt_v[finite, 0], [1.0, 1.0, 1.0, 1.0, 1.2])
    # silent > 1 s at the box chunks of host 3.5, then (silent again) 4.6 and 4.9
    np.testing.assert_allclose(got.belt_t[~finite], [2.49, 3.59, 3.89])
    assert np.all(np.diff(got.belt_t) > 0)
    assert len(got.outages) == 2 and got.outages[1][1] == math.inf
    np.testing.assert_allclose(got.outages[0], [1.44, 2.54])
    np.testing.assert_allclose(got.outages[1][0], 2.54)


def test_the_belt_is_unknown_past_the_last_reading() -> None:
    """A session whose treadmill answered last 0.6 s before the box's last chunk (under the
    1 s silence limit: no outage): past that reading the belt is unknown, so a step there
    without a length is flagged ``belt-unknown`` (it had neither a length nor a reason);
    a step measured before it is left alone."""
    box = [(1.0 + 0.1 * i, 0.1 * i - 0.01) for i in range(30)]  # clock offset 1.01 s
    rx = [(1.05 + 0.1 * i, b"S100;") for i in range(23)]  # the last at host 3.25: box 2.24
    got = treadmill_belt(box, rx, _parse)
    assert got.outages == []  # silent 0.65 s at the end: never "not answering"
    np.testing.assert_allclose(got.belt_t[-1], 2.24)
    assert len(got.unknown) == 1 and got.unknown[0][1] == math.inf
    np.testing.assert_allclose(got.unknown[0][0], 2.24)
    past = {"ic_s": 2.6, "step_length_m": None, "stride_time_s": 1.0, "flags": []}
    assert flag_row(past, got.unknown)["flags"] == [FLAG_BELT_UNKNOWN]
    before = {"ic_s": 2.1, "step_length_m": 0.6, "stride_time_s": 1.0, "flags": []}
    assert flag_row(before, got.unknown)["flags"] == []
    # an outage still open at the end is the span already; no reading at all: from 0
    silent = TreadmillBeltClock()
    silent.box_chunk(1.0, 0.0)
    assert silent.unknown_spans() == [[0.0, math.inf]]
    c = TreadmillBeltClock(stale_s=1.0)
    c.box_chunk(1.0, 0.0)
    c.readings([BeltReading(1.5, (1.0,))])
    c.box_chunk(2.6, 1.6)
    assert c.unknown_spans() == c.outages == [[0.5, math.inf]]
