"""The firmware's C frame code, compiled on the host in the test run, against Python.

The host program (firmware/host/emit_frames.c) links the very stride_frame.c the Arduino
sketch uses; its frames must be byte-identical to the Python encoders' and decode exactly.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from devices.sensorbox import (
    BeltBlock,
    ChannelSpec,
    ErrorEvent,
    Hello,
    HelloEvent,
    SampleBlock,
    StatusEvent,
    StreamDecoder,
    encode_belt,
    encode_error,
    encode_hello,
    encode_samples,
    encode_status,
)
from devices.sensorbox.fast import decode_stream

REPO = Path(__file__).resolve().parents[3]
FIRMWARE = REPO / "firmware"

HELLO = Hello(
    (
        ChannelSpec.of("L", "heel", 12, 0.5),
        ChannelSpec.of("L", "toe", -3, 0.25),
        ChannelSpec.of("R", "heel"),
        ChannelSpec.of("R", "toe", 7, 1.5),
    ),
    sample_rate_hz=1000,
    adc_bits=10,
    belt_counts_per_m=1234.5,
    device_id=b"STRIDE01",
    firmware=(1, 2),
)


def small_values() -> np.ndarray:
    s, c = np.meshgrid(np.arange(10), np.arange(4), indexing="ij")
    v = (s * 37 + c * 101) % 1024 - 5 * c
    v = v.astype(np.int16)
    v.flat[5], v.flat[6], v.flat[7] = -32768, 32767, 0
    return v


BIG = np.full((64, 4), 0x0101, dtype=np.int16)


@pytest.fixture(scope="module")
def emit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The host program, compiled now with the system compiler."""
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler ('cc') on PATH: the firmware frame code cannot be built")
    exe = tmp_path_factory.mktemp("firmware") / "emit_frames"
    cmd = [
        cc,
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Wpedantic",
        "-Werror",
        "-O2",
        "-o",
        str(exe),
        str(FIRMWARE / "host" / "emit_frames.c"),
        str(FIRMWARE / "stride_box" / "stride_frame.c"),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return exe


def run(exe: Path, mode: str) -> bytes:
    return subprocess.run([str(exe), mode], check=True, capture_output=True).stdout


def test_c_vectors(emit: Path) -> None:
    lines = run(emit, "vectors").decode().split("\n")
    assert lines[0] == "crc 29b1"
    assert lines[1:4] == [
        "cobs - 01",
        "cobs 00 0101",
        "cobs 31323334350036373839 0631323334350536373839",
    ]


def test_c_spec_example_matches_python(emit: Path) -> None:
    want = encode_samples(1, 1000, 1000, np.array([[100, -2]], dtype=np.int16))
    assert run(emit, "spec") == want


def test_c_frames_are_byte_identical_to_python(emit: Path) -> None:
    want = b"".join(
        [
            encode_hello(0, 0xFFFF0000, HELLO),
            encode_samples(1, 0xFFFF0000 + 1000, 1000, small_values()),
            encode_samples(2, 0xFFFFFF00, 1000, BIG),
            encode_belt(3, 0x10000, -25, 20000),
            encode_status(4, 0x10100, 0b101, 123456, 4950),
            encode_error(5, 0x10200, 2, "R-toe shorted"),
        ]
    )
    assert run(emit, "frames") == want


def test_c_frames_decode_exactly(emit: Path) -> None:
    data = run(emit, "frames")
    d = StreamDecoder()
    ev = d.feed(data, 1.0) + d.flush()
    assert d.stats.frames == 6 and d.stats.resyncs == 0 and d.stats.gaps == 0
    h, s1, s2, b, st, er = ev
    assert isinstance(h, HelloEvent) and h.hello == HELLO
    assert isinstance(s1, SampleBlock) and np.array_equal(s1.values, small_values())
    assert s1.t_us.tolist() == list(range(0xFFFF0000 + 1000, 0xFFFF0000 + 11000, 1000))
    assert isinstance(s2, SampleBlock) and np.array_equal(s2.values, BIG)
    assert s2.t_us[0] == 0xFFFFFF00 and s2.t_us[-1] == 0xFFFFFF00 + 63_000  # unwrapped
    assert isinstance(b, BeltBlock) and b.counts == -25 and b.interval_us == 20000
    assert b.t_us == 2**32 + 0x10000 and st_t(ev) == [2**32 + 0x10100, 2**32 + 0x10200]
    assert b.speed_mps == pytest.approx(-25 / 1234.5 / 0.02)
    assert isinstance(st, StatusEvent) and st.saturated and st.encoder_fault
    assert not st.samples_dropped and st.dropped == 123456 and st.supply_mv == 4950
    assert isinstance(er, ErrorEvent) and er.code == 2 and er.message == "R-toe shorted"
    fast = decode_stream(data, [0], [1.0])
    assert fast.events() == ev and fast.stats == d.stats


def st_t(ev: list) -> list[int]:
    return [e.t_us for e in ev if isinstance(e, StatusEvent | ErrorEvent)]


def test_sketch_uses_the_shared_frame_code() -> None:
    sketch = (FIRMWARE / "stride_box" / "stride_box.ino").read_text()
    assert '#include "stride_frame.h"' in sketch
    for fn in (
        "sf_build_hello",
        "sf_build_samples",
        "sf_build_belt",
        "sf_build_status",
        "sf_build_error",
    ):
        assert fn in sketch


def test_sketch_compiles_against_a_stub_core(tmp_path: Path) -> None:
    cxx = shutil.which("c++")
    if cxx is None:
        pytest.skip("no C++ compiler ('c++') on PATH: the sketch cannot be checked")
    cmd = [
        cxx,
        "-std=c++11",
        "-fsyntax-only",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-I",
        str(FIRMWARE / "host" / "arduino_stub"),
        "-I",
        str(FIRMWARE / "stride_box"),
        "-x",
        "c++",
        str(FIRMWARE / "stride_box" / "stride_box.ino"),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
