"""CSV line protocol of DIY boards: column maps, bad lines, gaps, restarts, fuzzing."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.csvlines import CsvChannel, CsvLineConfig, CsvLineDecoder
from devices.errors import InputError
from devices.sensorbox import SampleBlock

CFG = CsvLineConfig.parse("time=0:ms,L-heel=1,L-toe=2,R-heel=3,R-toe=4,rate=100")


def lines(n: int, t0: int = 0, step: int = 10, skip: frozenset[int] = frozenset()) -> bytes:
    out = []
    for i in range(n):
        if i not in skip:
            out.append(f"{t0 + i * step},{i},{2 * i},{-i},{1000 + i}\r\n")
    return "".join(out).encode()


def decode(
    data: bytes, cfg: CsvLineConfig = CFG, cuts: list[int] | None = None
) -> tuple[list[SampleBlock], CsvLineDecoder]:
    d = CsvLineDecoder(cfg)
    bounds = [0, *sorted(cuts or []), len(data)]
    out: list[SampleBlock] = []
    for i in range(len(bounds) - 1):
        out.extend(d.feed(data[bounds[i] : bounds[i + 1]], float(i)))
    return out, d


def concat(blocks: list[SampleBlock]) -> tuple[np.ndarray, np.ndarray]:
    if not blocks:
        return np.zeros(0, np.int64), np.zeros((0, 4), np.int16)
    return np.concatenate([b.t_us for b in blocks]), np.concatenate([b.values for b in blocks])


def test_parse_config() -> None:
    c = CsvLineConfig.parse("time=1:us,seq=0,L-heel=2,R-foot=3,scale=0.5,delim=;")
    assert c.time_column == 1 and c.time_unit == "us" and c.seq_column == 0
    assert c.channels == (CsvChannel(2, "L", "heel"), CsvChannel(3, "R", "foot"))
    assert c.value_scale == 0.5 and c.delimiter == ";" and c.n_columns == 4
    assert CsvLineConfig.from_dict(c.to_dict()) == c


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "time=0",
        "L-heel=x",
        "X-heel=1",
        "L-knee=1",
        "time=0:h,L-heel=1",
        "time=0,L-heel=0",
        "time=none,L-heel=1",
        "L-heel=1,bogus=2",
        "L-heel=1,rate=-5",
    ],
)
def test_bad_config_names_the_fix(spec: str) -> None:
    with pytest.raises(InputError) as err:
        CsvLineConfig.parse(spec)
    assert err.value.fix


def test_clean_lines() -> None:
    blocks, d = decode(b"time_ms,a,b,c,d\n" + lines(50))
    t, v = concat(blocks)
    assert t.tolist() == [i * 10_000 for i in range(50)]
    assert v[7].tolist() == [7, 14, -7, 1007] and v.dtype == np.int16
    assert d.stats.lines == 50 and d.stats.header_lines == 1 and d.stats.bad_lines == 0
    assert blocks[0].period_us == 10_000 and not blocks[0].gap_before


def test_any_chunking_gives_the_same_samples() -> None:
    data = lines(40)
    t0, v0 = concat(decode(data)[0])
    for cut in range(0, len(data), 5):
        t, v = concat(decode(data, cuts=[cut])[0])
        assert np.array_equal(t, t0) and np.array_equal(v, v0)


def test_bad_lines_are_counted_and_skipped() -> None:
    data = lines(5) + b"50,1,2\n60,a,b,c,d\n70,nan,1,2,3\n\n# note\n\xff\xfe\n" + lines(3, 80)
    blocks, d = decode(data)
    t, _ = concat(blocks)
    assert len(t) == 8 and d.stats.bad_lines == 4 and d.stats.comments == 2
    assert d.stats.header_lines == 0


def test_lost_lines_are_a_gap_not_interpolated() -> None:
    blocks, d = decode(lines(30, skip=frozenset({10, 11, 12})))
    t, _ = concat(blocks)
    assert len(t) == 27 and d.stats.gaps == 1 and d.stats.frames_lost == 3
    assert [b.missing_before for b in blocks] == [0, 3]


def test_gap_from_estimated_rate_without_rate() -> None:
    cfg = CsvLineConfig.parse("time=0:ms,L-heel=1,L-toe=2,R-heel=3,R-toe=4")
    blocks, d = decode(lines(40, skip=frozenset({30})), cfg)
    assert d.stats.frames_lost == 1 and blocks[-1].missing_before == 1


def test_seq_column_gaps_and_no_time_column() -> None:
    cfg = CsvLineConfig.parse("time=none,seq=0,L-heel=1,R-heel=2,rate=50")
    blocks, d = decode(b"0,5,6\n1,5,6\n4,7,8\n", cfg)
    t, _ = concat(blocks)
    assert t.tolist() == [0, 20_000, 80_000] and d.stats.frames_lost == 2


def test_time_going_back_and_restart() -> None:
    data = lines(10) + b"85,1,1,1,1\n" + lines(10, t0=100)  # 85 < 90: out of order
    blocks, d = decode(data)
    assert d.stats.non_monotonic == 1
    restart = lines(5, t0=5_000_000) + lines(5, t0=0)
    blocks, d = decode(restart, cuts=[len(lines(5))])
    t, _ = concat(blocks)
    assert d.stats.restarts == 1 and np.all(np.diff(t) > 0) and blocks[-1].restart


def test_overlong_and_clipping() -> None:
    data = b"1" * 5000 + b"\n" + b"0,40000,-40000,1.4,1.6\n"
    blocks, d = decode(data, cuts=[1000, 3000])
    assert d.stats.overlong == 1 and d.stats.clipped == 2
    assert concat(blocks)[1].tolist() == [[32767, -32768, 1, 2]]


@settings(max_examples=150)
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=6))
def test_random_bytes_never_raise(data: bytes, cuts: list[int]) -> None:
    blocks, d = decode(data, cuts=[c % (len(data) + 1) for c in cuts])
    t, _ = concat(blocks)
    assert len(t) == d.stats.lines and np.all(np.diff(t) > 0)


@settings(max_examples=150)
@given(
    st.integers(5, 80),
    st.lists(st.tuples(st.integers(0, 10**5), st.binary(max_size=5)), max_size=5),
    st.lists(st.integers(0, 10**5), max_size=5),
)
def test_damaged_lines_never_invent_samples(n: int, damage: list, cuts: list[int]) -> None:
    data = bytearray(lines(n))
    for pos, junk in damage:
        p = pos % len(data)
        data[p : p + len(junk)] = junk
    blocks, d = decode(bytes(data), cuts=[c % (len(data) + 1) for c in cuts])
    t, v = concat(blocks)
    assert np.all(np.diff(t) > 0) and len(t) == d.stats.lines <= n
    # Emitted samples are the board's lines; only lines the damage touched may differ
    # (CSV has no checksum: a changed digit cannot be detected).
    good = {i * 10_000: [i, 2 * i, -i, 1000 + i] for i in range(n)}
    wrong = sum(1 for ti, vi in zip(t.tolist(), v.tolist(), strict=True) if good.get(ti) != vi)
    assert wrong <= 2 * len(damage)


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_config_parser_fuzzed(text: str) -> None:
    """Any text: a valid config or an InputError with a fix, nothing else."""
    try:
        cfg = CsvLineConfig.parse(text)
    except InputError as err:
        assert err.fix
    else:
        assert cfg.channels and CsvLineConfig.from_dict(cfg.to_dict()) == cfg


def test_huge_numbers_and_counter_jumps() -> None:
    data = b"1e306,1,2,3,4\n10,1e308,-1e309,inf,5\n20,1,2,3,4\n"
    blocks, d = decode(data)
    assert d.stats.bad_lines == 2 and d.stats.lines == 1
    cfg = CsvLineConfig.parse("time=none,seq=0,L-heel=1,rate=10")
    blocks, d = decode(b"5,1\n6,1\n99999999,1\n3,1\n", cfg)
    assert d.stats.frames_lost == 0 and d.stats.extra["seq_jumps"] == 2
    with pytest.raises(InputError, match="scale"):
        CsvLineConfig.parse("L-heel=1,scale=0")
    blocks, d = decode(b"0,1e300,2,3,4\n", CsvLineConfig.parse("time=0:ms,L-heel=1,scale=1e10"))
    assert d.stats.clipped == 1 and concat(blocks)[1].tolist() == [[32767]]


@settings(max_examples=200)
@given(
    st.lists(
        st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=5, max_size=5),
        max_size=20,
    )
)
def test_any_numbers_never_raise(rows: list) -> None:
    text = "".join(",".join(repr(x) for x in r) + "\n" for r in rows).encode()
    _, d = decode(text)
    assert d.stats.lines + d.stats.bad_lines + d.stats.non_monotonic + d.stats.header_lines == len(
        rows
    )


def test_a_new_connection_starts_a_new_stretch_by_the_host_clock() -> None:
    """After the port is reopened the board may have restarted (its clock from 0): the next
    line goes on from the last one plus the host time that passed, as a restart; the
    unfinished line is dropped."""
    d = CsvLineDecoder(CFG)
    assert len(d.feed(b"1000,1,2,3,4\n1010,1,2,3,4\n1020,1,2", 1.0)) == 1
    assert d.new_connection(3.5) == []
    blocks = d.feed(b"5,1,2,3,4\n15,1,2,3,4\n", 4.0)
    assert d.stats.discarded_bytes == len(b"1020,1,2") and d.stats.restarts == 1
    assert len(blocks) == 1 and blocks[0].restart
    assert blocks[0].t_us.tolist() == [1_010_000 + 3_000_000, 1_020_000 + 3_000_000]
    cfg = CsvLineConfig.parse("time=none,L-heel=1,R-heel=2,rate=100")
    d = CsvLineDecoder(cfg)
    d.feed(b"0,1,2\n0,1,2\n", 1.0)
    d.new_connection(2.0)
    blocks = d.feed(b"0,1,2\n", 2.0)
    assert blocks[0].restart and blocks[0].t_us.tolist() == [10_000 + 1_000_000]


def test_box_decoder_gives_the_map_as_a_hello_before_the_first_samples() -> None:
    from devices.csvbox import CsvBoxDecoder
    from devices.sensorbox import HelloEvent

    cfg = CsvLineConfig.parse("time=0:ms,L-heel=1,L-toe=2,R-foot=3,rate=100,bits=12")
    d = CsvBoxDecoder(cfg)
    assert d.feed(b"time,a,b,c\n", 0.5) == []
    first = d.feed(b"0,1,2,3\n10,1,2,3\n", 1.0)
    assert isinstance(first[0], HelloEvent) and isinstance(first[1], SampleBlock)
    h = first[0].hello
    assert [c.name for c in h.channels] == ["L-heel", "L-toe", "R-foot"]
    assert h.sample_rate_hz == 100 and h.adc_bits == 12
    assert [type(e) for e in d.feed(b"20,1,2,3\n", 2.0)] == [SampleBlock]  # once
    assert d.stats.as_dict()["lines"] == 3 and d.stats.as_dict()["header_lines"] == 1
    with pytest.raises(InputError, match="rate"):
        CsvBoxDecoder(CsvLineConfig.parse("time=0:ms,L-heel=1,R-heel=2"))


def test_a_port_opened_mid_line_drops_the_first_line_of_each_connection() -> None:
    """``60,86,...`` may be the tail of ``860,86,...``: read, it would be a wrong time."""
    from dataclasses import replace

    d = CsvLineDecoder(replace(CFG, skip_first=True))
    blocks = d.feed(b"0,1,2,3,4\n870,1,2,3,4\n880,1,2,3,4\n", 1.0)
    assert concat(blocks)[0].tolist() == [870_000, 880_000]
    assert d.stats.discarded_bytes == len(b"0,1,2,3,4\n") and d.stats.bad_lines == 0
    d.new_connection(2.0)
    d.feed(b"5,1,2,3,4\n2000,1,2,3,4\n", 2.5)
    assert d.stats.lines == 3 and d.stats.discarded_bytes == 2 * len(b"0,1,2,3,4\n")
    assert CsvLineDecoder(CFG).feed(b"0,1,2,3,4\n", 1.0)  # by default the first line counts


@pytest.mark.parametrize("cuts", [[], [700], [1, 1500, 2600], list(range(0, 3000, 97))])
def test_bytes_that_make_no_line_are_counted_in_any_chunking(cuts: list[int]) -> None:
    """Noise without a newline (an over-long line), a line of bytes that are no text, a
    line that does not parse: every byte of them, newline included, in ``discarded_bytes``
    (as the box decoder's bytes that made no good frame), whatever the chunks; the good
    lines, comments and a header are not."""
    rng = np.random.default_rng(3)
    noise = bytes(b for b in rng.integers(1, 256, 2500, dtype=np.uint8).tobytes() if b != 10)
    binary, bad = b"\xff\xfe\x81abc\r\n", b"12,ab,3,4,5\r\n"
    data = b"# boot\r\ntime,a,b,c,d\r\n" + lines(3) + noise + b"\r\n" + lines(2, t0=100)
    data += binary + bad + lines(2, t0=200)
    blocks, d = decode(data, cuts=[c for c in cuts if c < len(data)])
    assert d.stats.lines == 7 and d.stats.overlong == 1 and d.stats.bad_lines == 2
    assert d.stats.comments == 1 and d.stats.header_lines == 1
    assert d.stats.discarded_bytes == len(noise) + 2 + len(binary) + len(bad)
    assert concat(blocks)[0].tolist()[-2:] == [200_000, 210_000]


def test_bytes_that_are_no_text_before_the_first_good_line_are_no_header() -> None:
    """A board at another baud rate from the start: its lines of noise (which hold a letter
    or two) are bad lines with their bytes counted, never header lines."""
    noise = b"\xc3\x28x\xa0Q\x91,\xfe\r\n"
    _, d = decode(noise * 40)
    assert d.stats.header_lines == 0 and d.stats.bad_lines == 40
    assert d.stats.discarded_bytes == 40 * len(noise)
    _, d = decode(b"time_ms,heel_l,toe_l,heel_r,toe_r\r\n" + lines(2))  # a true header
    assert d.stats.header_lines == 1 and d.stats.discarded_bytes == 0


#: A live session's map (``stride live --csv-map``): the port joins the board mid-line.
LIVE = replace(
    CsvLineConfig.parse("time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100"),
    skip_first=True,
)
HEADER = b"time_ms,frame,ch0,ch1,ch2,ch3\r\n"


def _noisy_board() -> tuple[bytes, int]:
    """A board's header and 60 lines, 3000 bytes of noise without a newline (over
    ``max_line``) and its newline after the 30th: the bytes, and the noise's count."""
    rows = [f"{10 * i},{i},{140 + i % 7},150,{145 - i % 5},155\r\n".encode() for i in range(60)]
    rng = np.random.default_rng(8)
    noise = bytes(b for b in rng.integers(1, 256, 3100, dtype=np.uint8).tobytes() if b != 10)
    noise = noise[:3000] + b"\n"
    return HEADER + b"".join(rows[:30]) + noise + b"".join(rows[30:]), len(noise)


def _fed(data: bytes, cuts: list[int], reopen_at: int | None = None) -> CsvLineDecoder:
    """``data`` fed in the chunks ``cuts`` makes (the port reopened at ``reopen_at``)."""
    d = CsvLineDecoder(LIVE)
    bounds = sorted({0, len(data), *cuts, *([] if reopen_at is None else [reopen_at])})
    for a, b in itertools.pairwise(bounds):
        if a == reopen_at:
            d.new_connection(float(a))
        d.feed(data[a:b], float(a))
    return d


def _all_said(d: CsvLineDecoder, first_line: int, noise: int, good: int) -> None:
    """Every byte in a good line or skipped: the connection's (cut) first line, the noise."""
    s = d.stats
    assert (s.discarded_bytes, s.lines, s.header_lines, s.bad_lines, s.overlong) == (
        first_line + noise, good, 0, 0, 1
    ), s  # fmt: skip
    assert len(d._buf) == 0  # nothing pending: the last line is whole


def test_a_header_split_anyhow_is_the_dropped_first_line_every_byte_counted() -> None:
    """The board's header is the first line of the connection, dropped as a line cut by
    the port: all of its bytes skipped, wherever the reads split it (in one place or two,
    in reads of any small size), and wherever a reopened port cut it (its head the
    unfinished line, its tail the new connection's first line)."""
    data, noise = _noisy_board()
    h = len(HEADER)
    for p in range(h + 1):
        for q in range(p, h + 1):
            _all_said(_fed(data, [p, q]), h, noise, 60)
    for size in range(1, 41):
        _all_said(_fed(data, list(range(0, len(data), size))), h, noise, 60)
    for p in range(h):
        _all_said(_fed(data, [p + 1, 200], reopen_at=p), h, noise, 60)


@given(st.integers(0, 300), st.lists(st.integers(0, 5000), max_size=12))
def test_a_port_that_joins_the_board_anywhere_counts_the_cut_line(k: int, cuts: list[int]) -> None:
    """The port opened ``k`` bytes into what the board printed (the bytes before lost at
    the opening): the rest of that line is skipped, and the noise, in any chunking."""
    data, noise = _noisy_board()
    end = data.index(b"\n", k) + 1
    good = 60 - data[len(HEADER) : end].count(b"\n")
    _all_said(_fed(data[k:], cuts), end - k, noise, good)
