"""The sensor-box decoders against an independent box (indep_sensorbox.py, written from
../shared/docs/protocols.md "The step-sensor box" and docs/protocol.md): the documented
COBS and CRC vectors, every sample delivered in order whatever the chunking (one byte a
read, or the whole stream in one), seq and device time wrapping, lost frames, a bad CRC,
an unknown frame type, an ERROR frame, and restarts (mid-stream, at the seq wrap, and soon
after power-up); and ``stride check`` on a pseudo-terminal joined mid-stream."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from indep_pty import PtyDevice
from indep_sensorbox import (
    SAMPLES,
    BoxStream,
    PacedBox,
    cobs_encode,
    crc16_ccitt_false,
    raw_frame,
    samples_payload,
)

from devices.sensorbox.decoder import StreamDecoder
from devices.sensorbox.events import ErrorEvent, SampleBlock
from devices.sensorbox.fast import decode_stream

#: ``stride`` as a user runs it, whatever PATH holds
STRIDE = [sys.executable, "-m", "stride.cli.app"]

WRAP_SEQ, WRAP_T = 65500, 2**32 - 1_000_000  # both wrap within the first second


def test_documented_vectors() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert cobs_encode(b"") == b"\x01" and cobs_encode(b"\x00") == b"\x01\x01"
    assert cobs_encode(bytes.fromhex("31 32 33 34 35 00 36 37 38 39")) == bytes.fromhex(
        "06 31 32 33 34 35 05 36 37 38 39"
    )
    frame = raw_frame(SAMPLES, 1, 1000, samples_payload(1000, [[100, -2]]))
    assert frame[:-2] == bytes.fromhex("02 01 00 E8 03 00 00 02 01 E8 03 64 00 FE FF")


def _decode(data: bytes, chunk: int) -> tuple[StreamDecoder, list]:
    dec, events = StreamDecoder(), []
    for i in range(0, len(data), chunk):
        events += dec.feed(data[i : i + chunk], i * 1e-6)
    events += dec.flush()
    return dec, events


def _sent_samples(box: BoxStream) -> int:
    return sum(n for _, ftype, fate, n in box.frames if ftype == SAMPLES and fate == "sent")


@pytest.mark.parametrize("chunk", [1, 7, 95, 4096, 1 << 30])
def test_every_sample_in_order_through_both_wraps_in_any_chunking(chunk: int) -> None:
    box = BoxStream(seq0=WRAP_SEQ, t0_us=WRAP_T)
    data = box.advance(3.0)
    dec, events = _decode(data, chunk)
    blocks = [e for e in events if isinstance(e, SampleBlock)]
    values = np.concatenate([b.values for b in blocks])
    t = np.concatenate([b.t_us for b in blocks])
    expect = [box.walker.row(k / box.rate_hz) for k in range(len(values))]
    assert len(values) == _sent_samples(box) == 1490
    assert np.array_equal(values, np.array(expect, np.int16))
    assert set(np.diff(t).tolist()) == {box.period_us}  # across the t_us wrap too
    st = dec.stats
    assert (st.gaps, st.restarts, st.crc_errors, st.duplicates, st.bytes_discarded) == (0,) * 5
    assert st.bytes_in == st.bytes_ok == len(data)
    fast = decode_stream(data)
    assert np.array_equal(fast.values.reshape(-1, 4), values)
    assert np.array_equal(fast.t_us, t)


def test_faults_are_counted_where_the_box_made_them() -> None:
    box = BoxStream(lose={50, 51}, bad_crc={80}, unknown_at={90}, error_at={100})
    data = box.advance(3.0)
    dec, events = _decode(data, 64)
    blocks = [e for e in events if isinstance(e, SampleBlock)]
    st = dec.stats
    assert (st.crc_errors, st.unknown_types, st.restarts) == (1, 1, 0)
    assert (st.gaps, st.frames_lost) == (2, 3)
    assert sum(len(b.values) for b in blocks) == _sent_samples(box)
    # the gap is reported on the first SAMPLES block after the frames lost
    lost_before = {b.seq: b.missing_before for b in blocks if b.missing_before}
    after_lost = next(
        s for s, ftype, fate, _ in box.frames if s > 51 and ftype == SAMPLES and fate == "sent"
    )
    after_bad = next(
        s for s, ftype, fate, _ in box.frames if s > 80 and ftype == SAMPLES and fate == "sent"
    )
    assert lost_before == {after_lost: 2, after_bad: 1}
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert [(e.code, e.message) for e in errors] == [(1, "open circuit ch2")]


@pytest.mark.parametrize(
    ("seq0", "restart_at_s"),
    [(0, 2.0), (65536 - 103, 1.0)],  # mid-stream; the restart at seq 65535 -> 0 exactly
    ids=["mid-stream", "at-seq-wrap"],
)
def test_a_restart_is_counted_and_no_sample_is_lost(seq0: int, restart_at_s: float) -> None:
    box = BoxStream(seq0=seq0, restart_at_s=restart_at_s)
    data = box.advance(3.0)
    restart_seq = next(s for s, ftype, _, _ in box.frames[1:] if s == 0)
    assert restart_seq == 0
    dec, events = _decode(data, 4096)
    blocks = [e for e in events if isinstance(e, SampleBlock)]
    assert dec.stats.restarts == 1 and sum(b.restart for b in blocks) == 1
    assert dec.stats.gaps == 0
    assert sum(len(b.values) for b in blocks) == _sent_samples(box)
    # read in one chunk, the restart arrives with no host time passed: its samples still
    # come after the last one before it (docs/protocol.md, "Restarts")
    t = np.concatenate([b.t_us for b in blocks])
    assert np.all(np.diff(t) > 0)
    assert np.array_equal(decode_stream(data).t_us, t)


@pytest.mark.parametrize("restart_at_s", [0.1, 0.3, 0.6])
@pytest.mark.parametrize("chunk", [64, 1 << 30])
def test_a_restart_soon_after_power_up_is_no_duplicate(restart_at_s: float, chunk: int) -> None:
    """A box that restarts within its first 64 frames sends seq and t_us again as before
    (a deterministic boot: a power glitch as the insoles are loaded, a loose battery
    contact): the frames carry new samples, so they are a restart, not duplicates."""
    box = BoxStream(restart_at_s=restart_at_s)
    data = box.advance(2.0)
    dec, events = _decode(data, chunk)
    blocks = [e for e in events if isinstance(e, SampleBlock)]
    assert dec.stats.restarts == 1 and sum(b.restart for b in blocks) == 1
    assert sum(len(b.values) for b in blocks) == _sent_samples(box)
    fast = decode_stream(data)
    assert fast.n_samples == _sent_samples(box)
    assert int(fast.block_restart.sum()) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")
def test_stride_check_counts_every_sample_of_a_box_joined_mid_stream() -> None:
    box = PacedBox(BoxStream())
    with PtyDevice(box, until_open=True) as dev:
        cmd = [*STRIDE, "check", "--port", dev.path, "--seconds", "1.5", "--json"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["sample_rate_hz"] == 500 and report["crc_errors"] == 0
    assert report["gaps"] == 0 and report["notes"] == []
    read = round(report["seconds"] * 500)
    assert read >= 750
    assert [c["channel"] for c in report["channels"]] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    # the samples read before the first HELLO (sent once a second) count too
    assert [c["samples"] for c in report["channels"]] == [read] * 4
    assert all(c["verdict"] == "ok" for c in report["channels"])
    assert all(abs(c["max"] - (40 + 1500)) <= 2 for c in report["channels"])
