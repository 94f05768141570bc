"""A CSV board's recording: what ``stride replay`` counts as skipped, at any speed (however
its chunks are grouped), is what ``stride analyze`` counts, an unfinished last line
included (its bytes: nothing will end it), as for the sensor box's unfinished frame."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import stride_in_process
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_replay_counts import replayed

from devices.csvlines import CsvLineConfig
from devices.recording.writer import SessionWriter
from sim.csvboard import COLUMN_MAP, board_lines
from stride.ingest.recording import read_session, recording_damage

#: The map a live session keeps (``stride live --csv-map``: the port joins mid-line).
MAP = replace(CsvLineConfig.parse(COLUMN_MAP), skip_first=True)
#: Damage inserted between two lines: noise without a newline (over a line's length, or
#: not), bytes that are no text, a line that does not parse.
INSERTS = (b"\xff\xfe\x81abc\r\n", b"12,ab,3,4,5,6\r\n")


@functools.cache
def board() -> bytes:
    """20 s of a walking board's lines (``sim.csvboard``; not a fixture: a failing
    example would print all of it)."""
    return board_lines(20.0).text


def csv_recording(dest: Path, text: bytes, chunk: int) -> Path:
    """A session recording of a CSV board's ``text`` read in ``chunk``-byte reads, 10 ms
    apart, its belt speed given at the console (``--treadmill fixed:3.6kmh``)."""
    with SessionWriter(dest) as w:
        box = w.add_stream("box", "csvlines")
        for i in range(0, len(text), chunk):
            box.append(text[i : i + chunk], 100.0 + i / chunk * 0.01)
        w.write_meta(
            {"csvlines": {"box": MAP.to_dict()}, "belt_source": "fixed", "fixed_speed_mps": 1.0}
        )
    return dest


def damaged(text: bytes, where: list[tuple[float, int]], tail: int, seed: int) -> bytes:
    """``text`` with damage after the lines at ``where`` (share of the text, what: an index
    in INSERTS, or a count of noise bytes), ended by its first ``tail`` bytes of a line."""
    rng = np.random.default_rng(seed)
    ends = [i + 1 for i, b in enumerate(text) if b == 10]
    out, at = bytearray(), 0
    for share, what in sorted(where):
        end = ends[min(len(ends) - 1, int(share * len(ends)))]
        noise = rng.integers(1, 256, what, dtype=np.uint8).tobytes().replace(b"\n", b"x")
        out += text[at:end] + (INSERTS[what] if what < len(INSERTS) else noise + b"\n")
        at = end
    cut = text[ends[-2] : ends[-1]][: min(tail, ends[-1] - ends[-2] - 1)]
    return bytes(out + text[at:] + cut)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    where=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 3000)), max_size=4),
    tail=st.integers(0, 30),
    chunk=st.integers(7, 400),
    groups=st.lists(st.integers(1, 200), min_size=1, max_size=6),
    seed=st.integers(0, 2**16),
)
# a line cut by the stream's end: left pending by the decoder, in no count
@example(where=[], tail=20, chunk=64, groups=[1000], seed=1)
# a tail as long as the last line: only the line's text is cut off, never its newline
@example(where=[], tail=30, chunk=64, groups=[1000], seed=1)
def test_a_csv_replay_counts_what_analyze_counts_its_last_line_too(
    tmp_path_factory: pytest.TempPathFactory,
    where: list[tuple[float, int]],
    tail: int,
    chunk: int,
    groups: list[int],
    seed: int,
) -> None:
    text = damaged(board(), where, tail, seed)
    rec = csv_recording(tmp_path_factory.mktemp("csv") / "rec", text, chunk)
    analysed = recording_damage(read_session(rec).meta)
    assert analysed is not None
    assert replayed(rec, groups) == analysed == replayed(rec, [1])
    cut = len(text) - len(damaged(board(), where, 0, seed))  # at most the line less its newline
    whole = csv_recording(tmp_path_factory.mktemp("csv") / "rec", text[: len(text) - cut], chunk)
    before = recording_damage(read_session(whole).meta)
    assert before is not None  # the cut line's bytes are counted, whatever else is
    assert analysed["discarded_bytes"] == before["discarded_bytes"] + cut


def test_a_csv_replays_json_gives_analyzes_counts_at_any_speed(tmp_path: Path) -> None:
    """``stride replay --json`` at 4x and at max: the ``recording`` entry of ``stride analyze
    --json``, the unfinished last line's 20 bytes counted in each."""
    text = damaged(board(), [(0.3, 2500), (0.5, 1), (0.7, 0)], 20, 1)
    rec = csv_recording(tmp_path / "rec", text, 64)
    analysed = stride_in_process("analyze", str(rec), "--json")
    assert analysed.returncode == 0, analysed.stderr
    counts = json.loads(analysed.stdout)["recording"]
    first = text.index(b"\n") + 1  # the connection's first line, dropped unread
    noise = 2501 + len(INSERTS[0]) + len(INSERTS[1])
    assert counts["discarded_bytes"] == first + noise + 20
    for speed in ("4x", "max"):
        replay = stride_in_process("replay", str(rec), "--speed", speed, "--no-ui", "--json")
        assert replay.returncode == 0, replay.stderr
        doc = json.loads(replay.stdout.splitlines()[-1])
        assert doc["recording"] == counts, speed
        assert doc["session"]["discarded_bytes"] == counts["discarded_bytes"], speed
