"""Replaying a recording gives exactly the events the live decoder produced."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devices.recording import SessionReader, SessionWriter, decode_sensorbox, replay_events
from devices.sensorbox import ChannelSpec, Hello, StreamDecoder, encode_hello, encode_samples_many


def test_replay_equals_live(tmp_path: Path, rng: np.random.Generator) -> None:
    hello = Hello(tuple(ChannelSpec.of(s, p) for s in "LR" for p in ("heel", "toe")))
    f = 300
    data = encode_hello(0, 0, hello) + encode_samples_many(
        1, np.arange(f) * 10_000, 1000, rng.integers(0, 1000, (f, 10, 4)).astype(np.int16)
    )
    data = data[: len(data) // 2] + data[len(data) // 2 + 40 :]  # lose a frame or two
    cuts = np.sort(rng.choice(len(data), 120, replace=False))
    live = StreamDecoder()
    live_events = []
    with SessionWriter(tmp_path / "s") as w:
        rec = w.add_stream("box", "sensorbox-v1")
        for i, (a, b) in enumerate(zip([0, *cuts], [*cuts, len(data)], strict=True)):
            rec.append(data[a:b], 10.0 + i * 0.05)
            live_events.extend(live.feed(data[a:b], 10.0 + i * 0.05))
    live_events.extend(live.flush())
    r = SessionReader(tmp_path / "s")
    decoded = decode_sensorbox(r)
    assert decoded.events == live_events
    assert decoded.stats == live.stats and decoded.stats.gaps >= 1
    streamed = [e for _, evs in replay_events(r) for e in evs]
    assert streamed == live_events
