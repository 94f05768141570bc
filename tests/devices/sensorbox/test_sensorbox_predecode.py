"""The framing kernel ahead of the sequencer (``_fast_frames._predecode``), which walks two
frames' COBS codes at once, against the same stretches framed one by one
(``_frame_check``, the decoder's own framing) and against ``cobs.decode`` and ``crc16``."""

from __future__ import annotations

import numpy as np
import pytest
from cobs import cobs
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from devices.sensorbox import crc16
from devices.sensorbox._fast_frames import (
    PRE_FLEN,
    PRE_MASK,
    PRE_PROBLEM,
    _frame_check,
    _next_zero,
    _predecode,
)
from devices.sensorbox._fast_inputs import _crc_tables
from devices.sensorbox._fast_sequencer import MAX_WIRE, OK

CRC = _crc_tables()


@njit(cache=False)
def _one_by_one(buf, words, start, stop, limit, crc_table, out):  # type: ignore[no-untyped-def]
    """:func:`_predecode` as it was: each stretch framed on its own."""
    zeros = np.empty(MAX_WIRE + 1, np.int64)
    k = 0
    while start < stop and k < out.shape[0]:
        j = _next_zero(buf, words, start)
        length = j - start
        if j >= limit or length > MAX_WIRE:
            break
        if length == 0:
            out[k] = 0
        else:
            flen, problem = _frame_check(buf, start, j, zeros, crc_table)
            out[k] = length | (flen << PRE_FLEN) | ((problem + 1) << PRE_PROBLEM)
        k += 1
        start = j + 1
    return k


def _frame(payload: bytes) -> bytes:
    c = crc16(payload)
    return cobs.encode(payload + bytes([c & 0xFF, c >> 8]))


nonzero_run = st.integers(1, 300).map(lambda n: bytes((7 * i) % 255 + 1 for i in range(n)))
payload_st = st.lists(st.one_of(st.binary(max_size=40), nonzero_run), max_size=4).map(b"".join)
stretch_st = st.one_of(
    payload_st.filter(lambda p: len(p) >= 7).map(_frame),  # a good frame (0xFF blocks too)
    payload_st.map(_frame),  # good COBS, maybe too short for a frame
    st.binary(max_size=60).map(lambda b: b.replace(b"\x00", b"\x01")),  # garbage
    st.tuples(payload_st.filter(lambda p: len(p) >= 7), st.integers(0, 10**6)).map(
        lambda t: _damaged(_frame(t[0]), t[1])  # a good frame with one byte changed
    ),
    st.just(b""),  # an empty stretch (two delimiters in a row)
    st.integers(MAX_WIRE - 2, MAX_WIRE + 2).map(lambda n: b"\x05" * n),  # near the limit
)


def _damaged(frame: bytes, at: int) -> bytes:
    out = bytearray(frame)
    i = at % len(out)
    out[i] = out[i] % 255 + 1  # still no zero: the stretch keeps its place
    return bytes(out)


def check(stretches: list[bytes], tail: bool, stop_at: int, limit_at: int, room: int) -> None:
    """The stretches (each followed by a delimiter, then maybe a pending tail) framed by
    :func:`_predecode` and one by one: the same records and bytes, the good frames what
    ``cobs.decode`` gives."""
    data = b"".join(s + b"\x00" for s in stretches) + (b"\x03\x01\x02" if tail else b"")
    n = len(data)
    stop = n if stop_at < 0 else stop_at % (n + 1)  # -1: every stretch
    limit = n - limit_at % (n // 2 + 1)
    got, want = [np.frombuffer(data, np.uint8).copy() for _ in range(2)]
    outs = [np.zeros(room, np.int32) for _ in range(2)]
    ks = [
        kernel(b, b[: n - n % 8].view(np.uint64), 0, stop, limit, CRC, o)
        for kernel, b, o in ((_predecode, got, outs[0]), (_one_by_one, want, outs[1]))
    ]
    assert ks[0] == ks[1]
    assert outs[0][: ks[0]].tolist() == outs[1][: ks[1]].tolist()
    assert got.tobytes() == want.tobytes()  # decoded in place alike, nothing else touched
    at = 0
    for rec in outs[0][: ks[0]].tolist():  # the good frames are what cobs.decode gives
        length, flen = rec & PRE_MASK, (rec >> PRE_FLEN) & PRE_MASK
        if length and (rec >> PRE_PROBLEM) - 1 == OK:
            decoded = cobs.decode(data[at : at + length])
            assert got[at + 1 : at + 1 + flen].tobytes() == decoded
            assert crc16(decoded[:-2]) == int.from_bytes(decoded[-2:], "little")
        at += length + 1


RUN = bytes((7 * i) % 255 + 1 for i in range(300))
#: one stretch of each kind the framing tells apart
KINDS = {
    "good": _frame(b"\x02\x05\x00" + bytes(range(1, 20))),
    "zeros": _frame(bytes(40)),  # a code byte for every byte
    "0xFF first": _frame(RUN + b"\x00\x01"),
    "0xFF inside": _frame(b"\x01\x00" * 5 + RUN + b"\x00" * 3),
    "0xFF last": _frame(b"\x00\x09" + RUN[:252]),
    "garbage": bytes([9, 1, 2]),  # a code past the end: COBS error
    "short": _frame(b"\x01\x02"),
    "bad CRC": _damaged(_frame(bytes(range(1, 30))), 12),
    "empty": b"",
    "oversize": b"\x05" * (MAX_WIRE + 1),
}


@pytest.mark.parametrize("first", list(KINDS))
@pytest.mark.parametrize("second", list(KINDS))
def test_every_pair_of_kinds_frames_as_one_by_one(first: str, second: str) -> None:
    for lead in ([], [KINDS["good"]]):  # the pair at an even and at an odd stretch
        check([*lead, KINDS[first], KINDS[second], KINDS["zeros"]], True, -1, 0, 16)
        check([*lead, KINDS[first], KINDS[second]], False, -1, 0, 16)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(stretch_st, max_size=12),
    st.booleans(),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(1, 14),
)
def test_two_frames_at_once_frame_as_one_by_one(
    stretches: list[bytes], tail: bool, stop_at: int, limit_at: int, room: int
) -> None:
    check(stretches, tail, stop_at, limit_at, room)
