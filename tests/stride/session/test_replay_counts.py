"""What a damaged recording's replay counts as skipped is what ``stride analyze`` counts,
whatever the replay's speed: the chunks read back whole (damaged ones skipped by the
reader) and the bytes of the intact ones that make no frame (the decoder's), the frames
lost among them. A replay's speed only changes how its chunks are grouped when the
analysis takes them (``--speed max`` joins what queued up), never what is counted."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import stride_in_process
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from devices.recording import SessionReader
from devices.recording.layout import FILE_HEAD, pack_chunk
from stride.ingest.recording import (
    pipeline_for,
    read_session,
    recording_damage,
    replayed_damage,
)
from stride.session.chunks import join_runs

#: A stretch of damage: where (share of the stream), how long (bytes), what: noise with and
#: without the frames' delimiter, zeros (recorded as they came: the chunks intact), or bytes
#: overwritten in the file (the chunks they hit fail their CRC and are skipped).
Damage = tuple[float, int, str]
KINDS = ("noise", "noise-no-zero", "zeros", "file")


def damage(src: Path, dest: Path, stretches: list[Damage], cut: int, seed: int) -> Path:
    """A copy of ``src`` with ``stretches`` of damage and its box stream's file ``cut``
    bytes short (0: whole; else torn in its last chunk or further)."""
    shutil.copytree(src, dest)
    box = dest / "streams" / "box.rec"
    raw = box.read_bytes()
    _, _, json_len = FILE_HEAD.unpack_from(raw)
    chunks = list(SessionReader(src).chunks("box"))
    data = bytearray(b"".join(d for _, d in chunks))
    rng = np.random.default_rng(seed)
    in_file: list[tuple[int, int]] = []
    for where, n, kind in stretches:
        at = int(where * (len(data) - n))
        if kind == "file":
            in_file.append((at, n))
        elif kind == "zeros":
            data[at : at + n] = bytes(n)
        else:
            low = 0 if kind == "noise" else 1
            data[at : at + n] = rng.integers(low, 256, n, dtype=np.uint8).tobytes()
    out = bytearray(raw[: FILE_HEAD.size + json_len])
    pos = 0
    for host_t, chunk in chunks:
        out += pack_chunk(bytes(data[pos : pos + len(chunk)]), host_t)
        pos += len(chunk)
    head = FILE_HEAD.size + json_len
    for at, n in in_file:  # bytes of the file itself, headers included
        at = head + int(at * (len(out) - head) / max(len(data), 1))
        out[at : at + n] = rng.integers(0, 256, min(n, len(out) - at), dtype=np.uint8).tobytes()
    box.write_bytes(bytes(out[: len(out) - cut]))
    return dest


def replayed(rec: Path, groups: list[int]) -> dict[str, object] | None:
    """The counts of a replay whose analysis took the recorded chunks in runs of
    ``groups`` chunks (cycled): the pipeline ``stride replay`` builds, fed as the session
    feeds it (runs joined where chunking is free)."""
    reader = SessionReader(rec)
    pipeline, streams, _ = pipeline_for(reader)
    reader.read_stream(streams[0])
    queued = [("box", data, host_t, 0.0) for host_t, data in reader.chunks(streams[0])]
    at = k = 0
    while at < len(queued):
        size = groups[k % len(groups)]
        for stream, data, host_t, _ in join_runs(queued[at : at + size]):
            pipeline.feed(stream, data, host_t)
        at, k = at + size, k + 1
    pipeline.finish()
    return replayed_damage(reader, streams[0], pipeline.counters())


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, simulated_session: Callable[..., Path]) -> Path:
    """``stride sim session --minutes 0.2 --seed 1 --no-history``."""
    return simulated_session(tmp_path_factory.mktemp("clean") / "s", minutes=0.2, seed=1)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stretches=st.lists(
        st.tuples(
            st.one_of(st.floats(0.0, 1.0), st.just(1.0)),  # 1.0: the stream's last bytes
            st.one_of(st.integers(1, 3000), st.just(3000)),  # 3000: longer than a frame
            st.sampled_from(KINDS),
        ),
        min_size=1,
        max_size=4,
    ),
    cut=st.sampled_from([0, 0, 7, 37, 300]),
    groups=st.lists(st.integers(1, 200), min_size=1, max_size=6),
    seed=st.integers(0, 2**16),
)
# noise without a delimiter ending the stream, longer than a frame: fed chunk by chunk
# (`--speed 1`) the decoder discarded it at the chunk end where it outgrew a frame and left
# the rest pending, uncounted; joined (`--speed max`), all of it
@example(stretches=[(1.0, 3000, "noise-no-zero")], cut=0, groups=[1000], seed=1)
def test_a_replay_counts_what_analyze_counts_whatever_its_chunking(
    clean: Path,
    tmp_path_factory: pytest.TempPathFactory,
    stretches: list[Damage],
    cut: int,
    groups: list[int],
    seed: int,
) -> None:
    rec = damage(clean, tmp_path_factory.mktemp("d") / "rec", stretches, cut, seed)
    analysed = recording_damage(read_session(rec).meta)
    assert analysed is not None
    assert replayed(rec, groups) == analysed == replayed(rec, [1])


@pytest.mark.parametrize("speed", ["max", "4x"])
def test_a_replay_gives_and_says_the_damage_analyze_does(
    clean: Path, tmp_path: Path, speed: str
) -> None:
    """Noise recorded on the line, chunks damaged in the file and noise ending the stream:
    the replay's JSON has analyze's ``recording`` counts and its session the same skipped
    bytes, at any speed; its warnings are analyze's lines (the rate alerts, whose figures
    followed the replay's pace, are not said: 3,000 bytes skipped at max, 2,075 at 1x)."""
    stretches = [(0.3, 2500, "noise"), (0.6, 1500, "file"), (1.0, 3000, "noise-no-zero")]
    rec = damage(clean, tmp_path / "rec", stretches, 0, 1)
    analysed = stride_in_process("analyze", str(rec), "--json")
    replay = stride_in_process("replay", str(rec), "--speed", speed, "--no-ui", "--json")
    assert analysed.returncode == 0 and replay.returncode == 0, replay.stderr
    counts = json.loads(analysed.stdout)["recording"]
    doc = json.loads(replay.stdout.splitlines()[-1])
    assert doc["recording"] == counts and counts["skipped_chunks"] >= 1
    assert doc["session"]["discarded_bytes"] == counts["discarded_bytes"] >= 5500

    def warnings(run: subprocess.CompletedProcess[str]) -> list[str]:
        lines = run.stderr.replace("the rest is replayed", "the rest is analysed").splitlines()
        return [ln for ln in lines if ln.startswith("stride: warning:")]

    assert warnings(replay) == warnings(analysed)
    assert len(warnings(analysed)) == 2
    assert f"{counts['discarded_bytes']} bytes made no frame" in warnings(analysed)[1]


def test_a_replay_says_no_rate_of_damage_as_it_plays() -> None:
    """Live, skipped bytes and damaged frames are said as they come (a cable to check now);
    a replay says its recording's counts at its end instead."""
    from stride.session.screen.alerts import SKIPPED_BYTES
    from stride.session.state import SessionState
    from stride.session.stderr_alerts import StderrAlerts

    for replay in (False, True):
        state = SessionState(None)
        state.recording_s = 0.0 if replay else None
        h = state.health
        h.skipped_recent, h.skipped_bytes = SKIPPED_BYTES, 2075
        h.crc_errors, h.crc_errors_per_s = 40, 20.0
        out = io.StringIO()
        StderrAlerts(out).update(state, 1.0)
        assert ("decode to nothing" in out.getvalue()) is not replay, out.getvalue()
        assert ("data damaged" in out.getvalue()) is not replay, out.getvalue()
