"""Replaying a recording gives exactly the events the live decoder produced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devices.recording import SessionReader, SessionWriter, decode_sensorbox, replay_events
from devices.sensorbox import (
    ChannelSpec,
    Hello,
    StreamDecoder,
    decode_stream,
    encode_hello,
    encode_samples_many,
)


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
    sd = r.read_stream("box")
    fast = decode_stream(sd.data, sd.offsets, sd.host_t)
    assert fast.events() == live_events and fast.stats == live.stats


def test_a_reopened_port_is_recorded_and_replayed(tmp_path: Path, rng: np.random.Generator) -> None:
    # The box's counters carry on seamlessly across the reopen: only the mark says it.
    hello = Hello(tuple(ChannelSpec.of(s, p) for s in "LR" for p in ("heel", "toe")))
    f = 200
    data = encode_hello(0, 0, hello) + encode_samples_many(
        1, np.arange(f) * 10_000, 1000, rng.integers(0, 1000, (f, 10, 4)).astype(np.int16)
    )
    cut = len(data) // 2 + 7  # mid-frame
    live = StreamDecoder()
    events = live.feed(data[:cut], 10.0) + live.new_connection(18.0)
    events += live.feed(data[cut:], 18.5) + live.flush()
    with SessionWriter(tmp_path / "s") as w:
        rec = w.add_stream("box", "sensorbox-v1")
        rec.append(data[:cut], 10.0)
        rec.mark_new_connection(18.0)
        rec.append(b"", 18.2)  # an empty read is still not recorded
        rec.append(data[cut:], 18.5)
    r = SessionReader(tmp_path / "s")
    assert [(t, len(d)) for t, d in r.chunks("box")] == [
        (10.0, cut),
        (18.0, 0),
        (18.5, len(data) - cut),
    ]
    assert live.stats.restarts == 1
    assert decode_sensorbox(r).events == events
    assert [e for _, evs in replay_events(r) for e in evs] == events
    sd = r.read_stream("box")
    fast = decode_stream(sd.data, sd.offsets, sd.host_t)
    assert fast.events() == events and fast.stats == live.stats
    # the frame after the reopen starts 8 s (the host's outage) after the last one before
    i = int(np.flatnonzero(fast.block_restart)[0])
    first_after, last_before = fast.block_start[i], fast.block_start[i - 1]
    assert fast.t_us[first_after] - fast.t_us[last_before] == 8_000_000


def test_replay_csv_lines_stream(tmp_path: Path) -> None:
    from devices.csvlines import CsvLineConfig
    from devices.errors import InputError
    from devices.sensorbox import SampleBlock

    cfg = CsvLineConfig.parse("time=0:ms,L-heel=1,R-heel=2,rate=100")
    lines = b"".join(f"{i * 10},{i},{-i}\n".encode() for i in range(50))
    with SessionWriter(tmp_path / "s") as w:
        rec = w.add_stream("insole", "csvlines")
        rec.append(lines[:333], 1.0)
        rec.append(lines[333:], 2.0)
        w.add_stream("treadmill.rx", "trackmaster").append(b"\xd1", 1.0)
        w.write_meta({"csvlines": {"insole": cfg.to_dict()}})
    r = SessionReader(tmp_path / "s")
    out = decode_sensorbox(r, "insole")
    t = np.concatenate([e.t_us for e in out.events if isinstance(e, SampleBlock)])
    assert t.tolist() == [i * 10_000 for i in range(50)] and out.stats.lines == 50
    with pytest.raises(InputError, match="no force samples"):
        decode_sensorbox(r, "treadmill.rx")
    with SessionWriter(tmp_path / "t") as w:
        w.add_stream("insole", "csvlines").append(lines, 1.0)
    with pytest.raises(InputError, match="column map"):
        decode_sensorbox(SessionReader(tmp_path / "t"), "insole")
