"""The ``stride_sim`` fixture (stride's pytest plugin, active through its entry point) used as
another project would: ports opened with plain pyserial, truth, faults; and a teardown that
leaves no thread, process, descriptor, terminal or file behind."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import serial

from devices.sensorbox import StreamDecoder
from sim.harness import SimDevices
from sim.world import WorldOptions, worlds
from stride.core.rows import SHARED_COLUMNS

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals need POSIX")


def decode_for(port: Any, seconds: float) -> StreamDecoder:
    dec = StreamDecoder()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        dec.feed(port.read(4096), time.monotonic())
    return dec


@pytest.mark.stride_sim(profile="antalgic-left:0.4", seed=1, speedup=4.0, treadmill="csafe")
def test_ports_urls_and_truth(stride_sim: SimDevices) -> None:
    with serial.Serial(stride_sim.box, timeout=0.05) as box:
        dec = decode_for(box, 0.6)
    assert dec.stats.frames > 50 and dec.stats.crc_errors == 0
    assert stride_sim.treadmill_arg == f"csafe:{stride_sim.treadmill}"
    with serial.serial_for_url(stride_sim.box_url, timeout=0.05) as box:  # same world
        dec = decode_for(box, 0.4)
    assert dec.stats.frames > 30
    with serial.serial_for_url(stride_sim.treadmill_url, timeout=0.5) as tm:
        tm.write(bytes.fromhex("F1 80 80 F2"))  # CSAFE GETSTATUS
        assert tm.read(1) == b"\xf1"
    assert stride_sim.belt_speed_mps() == pytest.approx(1.0, abs=0.03)
    truth = stride_sim.truth_steps()
    assert len(truth) >= 4 and list(truth[0])[: len(SHARED_COLUMNS)] == list(SHARED_COLUMNS)
    assert all(t["ic_s"] < stride_sim.now() for t in truth)
    lengths = {s: [t["step_length_m"] for t in truth[2:] if t["side"] == s] for s in "LR"}
    assert sum(lengths["L"]) / len(lengths["L"]) > sum(lengths["R"]) / len(lengths["R"])


@pytest.mark.stride_sim(speedup=4.0)
def test_trackmaster_answers_on_the_pty_until_silenced(stride_sim: SimDevices) -> None:
    with serial.Serial(stride_sim.treadmill, timeout=0.5) as tm:
        tm.write(b"\xc1")
        answer = tm.read(5)
        assert answer[:1] == b"\xd1"
        assert int(answer[1:]) / 10 * 0.44704 == pytest.approx(
            stride_sim.belt_speed_mps(), abs=0.05
        )
        stride_sim.silence_treadmill(20.0)  # 5 s of wall time at speedup 4
        tm.write(b"\xc1")
        assert tm.read(5) == b""


@pytest.mark.stride_sim(seed=3, speedup=4.0)
def test_unplug_takes_the_pty_away_and_brings_it_back(stride_sim: SimDevices) -> None:
    box = Path(stride_sim.box)
    port = serial.Serial(stride_sim.box, timeout=0.05)
    start, end = stride_sim.unplug(4.0)
    assert end - start == pytest.approx(4.0)
    with pytest.raises(serial.SerialException):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            port.read(4096)
    port.close()
    deadline = time.monotonic() + 5
    while not box.exists():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    with serial.Serial(stride_sim.box, timeout=0.05) as port:
        dec = decode_for(port, 0.5)
    assert dec.stats.frames > 20 and stride_sim.world.power_ups == 2


@pytest.mark.stride_sim(seed=5, speedup=2.0, rate=500)
def test_garbage_and_bit_flips_reach_a_reader(stride_sim: SimDevices) -> None:
    with serial.Serial(stride_sim.box, timeout=0.05) as port:
        decode_for(port, 0.3)  # joined mid-stream: settle first
        dec = decode_for(port, 0.3)
        clean = dec.stats.bytes_discarded
        stride_sim.garbage(500)
        stride_sim.flip_bits(400)
        dec.feed(b"", time.monotonic())
        more = decode_for(port, 0.6)
    assert clean == 0
    assert more.stats.crc_errors > 0 and more.stats.bytes_discarded >= 400


@pytest.mark.stride_sim(seed=2, speedup=20.0)
def test_set_profile_changes_the_gait_mid_test(stride_sim: SimDevices) -> None:
    def asymmetry(rows: list[dict[str, Any]]) -> float:
        lengths = {s: [r["step_length_m"] for r in rows if r["side"] == s] for s in "LR"}
        mean = {s: sum(v) / len(v) for s, v in lengths.items()}
        return (mean["L"] - mean["R"]) / (mean["L"] + mean["R"]) * 2

    def walked(world_s: float) -> None:  # however busy the machine (1 s at 20x)
        end, deadline = stride_sim.now() + world_s, time.monotonic() + 60.0
        while stride_sim.now() < end and time.monotonic() < deadline:
            time.sleep(0.02)
        assert stride_sim.now() >= end

    walked(20.0)  # 20 s of walking
    before = [r for r in stride_sim.truth_steps()[2:] if r["step_length_m"] is not None]
    assert stride_sim.set_profile("antalgic-right:0.8") == "antalgic-right:0.8"
    t = stride_sim.now() + 2.0
    walked(30.0)
    after = [r for r in stride_sim.truth_steps() if r["ic_s"] > t and r["step_length_m"]]
    assert abs(asymmetry(before)) < 0.03 and asymmetry(after) < -0.08


def descriptors() -> set[tuple[int, str]]:
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone
            out.add((int(fd), os.readlink(f"/proc/self/fd/{fd}")))
    return out


def children() -> set[int]:
    pids: set[int] = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as f:
            pids |= {int(p) for p in f.read().split()}
    return pids


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
def test_teardown_leaves_nothing_behind(tmp_path: Path) -> None:
    """What the fixture runs (SimDevices, closed at teardown), with ports used and one left
    open: afterwards the same threads, descriptors, child processes, worlds and files."""
    SimDevices(WorldOptions(seed=1)).close()  # first use: imports, caches
    threads, fds, kids, known = set(threading.enumerate()), descriptors(), children(), worlds()
    sim = SimDevices(WorldOptions(seed=1, speedup=4.0))
    made = Path(sim.directory)
    with serial.Serial(sim.treadmill, timeout=0.5) as tm:
        tm.write(b"\xc1")
        assert tm.read(5)
    forgotten = serial.Serial(sim.box, timeout=0.05)
    forgotten.read(100)
    url = serial.serial_for_url(sim.box_url, timeout=0.05)
    url.read(10)
    assert set(threading.enumerate()) != threads and descriptors() != fds
    left = sim.close()
    assert set(threading.enumerate()) == threads
    assert descriptors() == fds
    assert children() == kids
    assert worlds() == known
    assert not made.exists()
    assert not forgotten.is_open and not url.is_open
    assert len(left) == 2 and any(f"port box ({made / 'box'}" in line for line in left)
    assert any(sim.box_url in line for line in left)


def test_a_world_held_until_opened_walks_from_its_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """``held_until_opened=True``: the world's time stands still from its creation, not
    from when the ports were up, until the box is opened and read. On a hand-driven clock
    (20 times real time): a second spent making the ports and another before the box is
    opened would otherwise be 40 s of walking the session never sees."""
    from sim import harness

    wall = [0.0]
    make_world, make_server = harness.get_world, harness.Server

    def hand_clocked_world(*args: Any) -> Any:
        world = make_world(*args)
        world.clock, world._t0 = (lambda: wall[0]), 0.0
        return world

    class SlowServer(make_server):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            wall[0] += 1.0  # a busy machine: the ports take a second to make
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(harness, "get_world", hand_clocked_world)
    monkeypatch.setattr(harness, "Server", SlowServer)
    with harness.start_devices(WorldOptions(seed=1, speedup=20.0), held_until_opened=True) as sim:
        wall[0] += 1.0  # and the session takes a second to open the box
        assert sim.now() < 0.01  # where it was made, not 40 s on
        with serial.serial_for_url(sim.box_url, timeout=0) as box:
            box.read(100)
            deadline = time.monotonic() + 60.0  # the hold ends in its own thread

            def holding() -> bool:
                return any(t.name == f"{sim.key}-hold" for t in threading.enumerate())

            while holding() and time.monotonic() < deadline:
                time.sleep(0.002)
            assert not holding()
            wall[0] += 0.5
            assert sim.now() == pytest.approx(10.0, abs=0.01)  # 0.5 s x 20 from its start
