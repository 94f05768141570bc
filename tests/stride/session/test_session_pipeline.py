"""The session pipeline: any chunking gives the batch result; faults are counted, not fatal."""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import pytest
import synthbox
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.treadmill import trackmaster
from stride.core.targets import Target
from stride.ingest.engine import CoreEngine
from stride.ingest.pipeline import SessionPipeline
from stride.ingest.streams import IncrementalReadings

DATA = synthbox.stream(12.0)


def run(data: bytes, cuts: list[int]) -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
    p = SessionPipeline(CoreEngine(Target(step_length_m=0.6)))
    live: list[dict[str, Any]] = []
    bounds = [0, *sorted(set(cuts)), len(data)]
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        live.extend(p.feed("box", data[a:b], 100.0 + i * 0.01))
    return live, p.finish(), p


@pytest.fixture(scope="module")
def reference() -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
    return run(DATA, list(range(0, len(DATA), 4096)))


@settings(max_examples=8)
@given(st.lists(st.integers(min_value=1, max_value=len(DATA) - 1), max_size=60))
def test_any_chunking_gives_the_same_steps(reference: Any, cuts: list[int]) -> None:
    _live_ref, final_ref, _ = reference
    live, final, _ = run(DATA, cuts)
    assert final["steps"] == final_ref["steps"]
    assert final["summary"] == final_ref["summary"]
    # steps emitted live are the final steps, in order, unchanged
    assert live == final["steps"][: len(live)]
    assert len(live) >= len(final["steps"]) - 5  # the last second only at finish()


def test_steps_match_the_synthetic_truth(reference: Any) -> None:
    _, final, p = reference
    steps = [s for s in final["steps"] if not s["flags"]]
    assert len(steps) >= 15
    assert np.allclose([s["step_time_s"] for s in steps], 0.55, atol=0.003)
    assert np.allclose([s["step_length_m"] for s in steps], 0.55, atol=0.005)  # 1 m/s belt
    assert all(s["target_error_m"] == pytest.approx(s["step_length_m"] - 0.6) for s in steps)
    assert p.counters()["frames"] > 1000 and p.counters()["crc_errors"] == 0
    assert p.describe()["channels"] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    assert p.belt_mps == pytest.approx(1.0)


def test_joining_mid_stream_keeps_samples_before_the_first_hello() -> None:
    start = DATA.index(b"\x00", 5000) + 1  # mid-stream, after the first HELLO
    _, final, p = run(DATA[start:], [])
    assert p.info.sample_rate_hz == 1000
    assert len([s for s in final["steps"] if not s["flags"]]) >= 14


def test_garbage_and_bit_errors_are_counted_and_steps_kept(reference: Any) -> None:
    rng = random.Random(7)
    data = bytearray(DATA)
    for _ in range(5):  # flip bits at random places
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    pos = len(data) // 2
    data[pos:pos] = bytes(rng.randrange(256) for _ in range(300))  # a burst of garbage
    _, final, p = run(bytes(data), list(range(0, len(data), 1000)))
    c = p.counters()
    assert c["crc_errors"] + c["discarded_bytes"] > 0
    assert c["gaps"] > 0
    good_ref = [s for s in reference[1]["steps"] if not s["flags"]]
    good = [s for s in final["steps"] if not s["flags"]]
    assert len(good) >= 0.5 * len(good_ref)
    assert np.allclose([s["step_time_s"] for s in good], 0.55, atol=0.003)


def _tm_answers(rng: random.Random, n: int) -> tuple[bytes, list[float]]:
    out = bytearray()
    speeds = []
    for _ in range(n):
        tenths = rng.randrange(0, 120)
        out += bytes([0xB3])  # an ack between answers, as in a real exchange
        out += bytes([0xD1]) + f"{tenths:04d}".encode()
        speeds.append(trackmaster.tenths_mph_to_mps(tenths))
    return bytes(out), speeds


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=9))
def test_incremental_readings_equal_the_batch_replay(seed: int, max_chunk: int) -> None:
    rng = random.Random(seed)
    data, speeds = _tm_answers(rng, 12)
    chunks = []
    i = 0
    while i < len(data):
        n = rng.randint(1, max_chunk)
        chunks.append((float(len(chunks)), data[i : i + n]))
        i += n
    batch = trackmaster.replay([(t, "rx", d) for t, d in chunks])
    inc = IncrementalReadings(trackmaster.replay, max_carry=16)
    got = [r for t, d in chunks for r in inc.feed(d, t)]
    assert got == batch
    assert [r.speeds_mps[0] for r in got] == speeds


def test_bounded_analyzer_keeps_the_results(
    reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stride.core.analyzer as core

    monkeypatch.setattr(core, "_JOIN_EVERY", 4)  # 12 s of walking: ~20 emissions
    monkeypatch.setattr(core, "_TRIM_EVERY", 2)
    live, final, p = run(DATA, list(range(0, len(DATA), 64)))  # ~1800 small chunks
    an = p.engine.analyzer
    assert len(an._emitted) < 4  # emitted rows joined into one table now and then
    assert an._belts[0].samples()[0].size < len(an._belt_v) / 2  # old belt samples dropped
    assert final["steps"] == reference[1]["steps"]
    assert final["summary"] == reference[1]["summary"]
    assert live == final["steps"][: len(live)]
