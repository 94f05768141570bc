"""The end of a CSV board's stream: an unfinished last line is counted, in any chunking.

The sensor-box decoder discards and counts an unfinished frame's bytes at the end of a
stream (``flush``); the CSV line decoder left an unfinished last line pending, uncounted.
Its bytes are now counted in ``discarded_bytes`` alike however the stream was fed: chunk by
chunk (a live session, ``stride replay --speed 1``, ``stride analyze``) or joined (``--speed
max``), with every other counter and every sample the same.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from devices.csvlines import CsvLineConfig, CsvLineDecoder
from devices.sensorbox import SampleBlock

CFG = CsvLineConfig.parse("time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100")
HEADER = b"time_ms,frame,ch0,ch1,ch2,ch3\r\n"

#: What a board's stream holds, piece by piece (each piece's bytes made from a seed).
PIECES = ("good", "good", "good", "bad", "comment", "noise", "binary")


def line(i: int) -> bytes:
    return f"{10 * i},{i},{140 + i % 7},150,{145 - i % 5},155\r\n".encode()


def stream(pieces: list[tuple[str, int]], tail: bytes, header: bool) -> bytes:
    """A header (or not), the pieces in order (good lines numbered as they come), then
    ``tail``: what the stream's end cut (no newline)."""
    rng = np.random.default_rng(len(pieces))
    out = [HEADER] if header else []
    k = 0
    for kind, n in pieces:
        if kind == "good":
            out.append(line(k))
            k += 1
        elif kind == "bad":
            out.append(b"12,ab,3,4,5,6\r\n")
        elif kind == "comment":
            out.append(b"# battery low\r\n")
        else:  # noise with no newline in it, n bytes, then a newline
            low = 1 if kind == "noise" else 128
            noise = rng.integers(low, 256, n, dtype=np.uint8).tobytes().replace(b"\n", b"x")
            out.append(noise + b"\n")
    return b"".join(out) + tail


def fed(data: bytes, cuts: list[int], cfg: CsvLineConfig) -> tuple[dict[str, int], list[int]]:
    """Counters and sample times of ``data`` fed in the chunks ``cuts`` makes, then flushed."""
    d = CsvLineDecoder(cfg)
    blocks: list[SampleBlock] = []
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        blocks += d.feed(data[a:b], float(i))
    blocks += d.flush()
    assert len(d._buf) == 0  # nothing left pending after the end
    return d.stats.as_dict(), [int(t) for b in blocks for t in b.t_us]


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.tuples(st.sampled_from(PIECES), st.integers(1, 2500)), max_size=12),
    tail=st.one_of(
        st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
        st.integers(1, 3000).map(lambda n: b"7" * n),  # longer than a line may be
        st.integers(1, 23).map(lambda n: line(99)[:n]),  # a good line cut short, no newline
    ),
    header=st.booleans(),
    skip_first=st.booleans(),
    cuts=st.lists(st.integers(0, 40_000), max_size=20),
)
# a good line cut by the stream's end: left pending, its bytes never counted
@example(pieces=[("good", 1)], tail=line(99)[:17], header=False, skip_first=False, cuts=[])
# noise over ``max_line`` as the connection's first line, which is dropped unread: fed in
# chunks it was counted as over-long where it outgrew a line at a chunk's end, joined not
@example(pieces=[("noise", 2000), ("good", 1)], tail=b"", header=False, skip_first=True, cuts=[9])
def test_an_unfinished_last_line_is_counted_alike_in_any_chunking(
    pieces: list[tuple[str, int]], tail: bytes, header: bool, skip_first: bool, cuts: list[int]
) -> None:
    cfg = replace(CFG, skip_first=skip_first)
    data = stream(pieces, tail, header)
    whole = fed(data, [], cfg)
    assert fed(data, cuts, cfg) == whole  # any chunking: the same counts and samples
    assert fed(data, list(range(0, len(data), 7)), cfg) == whole
    head = data[: len(data) - len(tail)]
    ended = fed(head, [], cfg)  # the stream without its cut line
    # the cut line's bytes counted, and nothing else changed: a line over ``max_line`` is
    # counted as over-long too, unless it is the connection's first (dropped unread)
    counts, times = whole
    expect = {**ended[0], "bytes_in": len(data)}
    expect["discarded_bytes"] += len(tail)
    expect["overlong"] += len(tail) > cfg.max_line and (b"\n" in head or not skip_first)
    assert (counts, times) == (expect, ended[1])
