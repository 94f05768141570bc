"""The live analysis thread joins queued chunks when it falls behind: the steps are exactly
those of feeding the chunks one at a time, and the order across streams is kept."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import synthbox

from stride.core.targets import Target
from stride.ingest.belt_source import BeltSource
from stride.ingest.engine import CoreEngine
from stride.ingest.pipeline import SessionPipeline
from stride.session.chunks import Chunk, chunking_is_free, join_runs
from stride.session.live import Session
from stride.session.protocols import SessionOptions
from stride.session.state import SessionState

DATA = synthbox.stream(12.0)


def _chunks(size: int = 300) -> list[Chunk]:
    return [
        ("box", DATA[i : i + size], 100.0 + i * 1e-5, float(i)) for i in range(0, len(DATA), size)
    ]


def _pipeline(belt: str = "box") -> SessionPipeline:
    source = BeltSource(belt, 1.0 if belt == "fixed" else None)
    return SessionPipeline(CoreEngine(Target(step_length_m=0.6), source))


def _one_at_a_time(chunks: list[Chunk]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    p = _pipeline()
    steps = [s for stream, data, host_t, _ in chunks for s in p.feed(stream, data, host_t)]
    return steps, p.finish()


def test_join_runs_keeps_the_order_across_streams_and_the_last_times() -> None:
    chunks: list[Chunk] = [
        ("box", b"ab", 1.0, 10.0),
        ("box", b"cd", 2.0, 20.0),
        ("tm", b"x", 3.0, 30.0),
        ("box", b"ef", 4.0, 40.0),
        ("box", b"gh", 5.0, 50.0),
        ("box", b"ij", 6.0, 60.0),
    ]
    assert join_runs(chunks) == [
        ("box", b"abcd", 2.0, 20.0),
        ("tm", b"x", 3.0, 30.0),
        ("box", b"efghij", 6.0, 60.0),
    ]
    # a run longer than max_bytes is split, nothing lost or reordered
    capped = join_runs(chunks, max_bytes=4)
    assert [c[1] for c in capped] == [b"abcd", b"x", b"efgh", b"ij"]
    assert join_runs([]) == []


def test_batched_feed_gives_the_steps_of_one_at_a_time() -> None:
    chunks = _chunks()
    ref_steps, ref_final = _one_at_a_time(chunks)
    assert len(ref_steps) >= 15
    rng = random.Random(7)
    p = _pipeline()
    steps: list[dict[str, Any]] = []
    i = 0
    while i < len(chunks):  # the queue drained in random-sized backlogs
        n = rng.choice([1, 2, 7, 40, 500])
        for stream, data, host_t, _ in join_runs(chunks[i : i + n]):
            steps.extend(p.feed(stream, data, host_t))
        i += n
    assert steps == ref_steps
    assert p.finish() == ref_final


def test_session_analysis_thread_with_a_backed_up_queue() -> None:
    chunks = _chunks()
    ref_steps, _ = _one_at_a_time(chunks)
    out = io.StringIO()
    target = Target.from_options(spacing_m=0.3, lines_per_step=2, tolerance_m=0.05)
    pipeline = _pipeline()
    feeds: list[int] = []
    feed = pipeline.feed

    def counted(stream: str, data: bytes, host_t: float) -> list[dict[str, Any]]:
        feeds.append(len(data))
        return feed(stream, data, host_t)

    pipeline.feed = counted  # type: ignore[method-assign]
    session = Session(pipeline, [], SessionState(target), SessionOptions(), out=out)
    for c in chunks:  # the whole session waiting at once
        session._sink(*c)
    session._queue.put(None)
    session._analysis_loop()
    emitted = [json.loads(line) for line in out.getvalue().splitlines()]
    assert emitted == json.loads(json.dumps(ref_steps))
    assert session.pending == 0
    assert sum(feeds) == len(DATA) and len(feeds) < len(chunks) / 10  # joined, all bytes fed
    assert session.latency.summary()["p50"] is not None


def test_chunking_is_free_only_where_host_times_do_not_matter() -> None:
    assert chunking_is_free(_pipeline("box"))
    assert chunking_is_free(_pipeline("none"))
    assert not chunking_is_free(_pipeline("treadmill"))
    assert not chunking_is_free(_pipeline("fixed"))
    assert not chunking_is_free(object())  # an unknown pipeline: fed chunk by chunk
