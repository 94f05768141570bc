"""The control socket of the pseudo-terminal server: one command per line, one JSON answer
per line, errors answered (not fatal), and the socket file removed at the end."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from devices.errors import InputError
from sim.control import ControlSocket, execute
from sim.serve import Server
from sim.world import World, WorldOptions

pytestmark = pytest.mark.skipif(os.name != "posix", reason="Unix sockets and ptys need POSIX")


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = Path(os.environ.get("TMPDIR", "/tmp")) / f"ctl-{os.getpid()}-{time.monotonic_ns()}"
    notices: list[str] = []
    srv = Server(directory, World(WorldOptions(seed=2, speedup=4.0)), say=notices.append)
    stop = threading.Event()
    thread = threading.Thread(target=srv.run, args=(stop,), daemon=True)
    thread.start()
    yield srv
    stop.set()
    thread.join()
    srv.close()
    assert not (directory / "control").exists()
    directory.rmdir()


def ask(path: Path, *lines: str) -> list[dict[str, object]]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10.0)
        s.connect(str(path))
        s.sendall("".join(line + "\n" for line in lines).encode())
        got = b""
        while got.count(b"\n") < len(lines):
            chunk = s.recv(1 << 20)
            assert chunk, "the server closed the connection"
            got += chunk
    return [json.loads(x) for x in got.splitlines()]


def test_commands_answer_in_order(server: Server) -> None:
    path = server.directory / "control"
    answers = ask(path, "help", "status", "belt_speed_mps", "set_profile antalgic-left:0.3")
    assert [a["command"] for a in answers] == ["help", "status", "belt_speed_mps", "set_profile"]
    assert all(a["ok"] for a in answers)
    assert "unplug SECONDS" in answers[0]["commands"]  # type: ignore[operator]
    assert answers[1]["plugged"] is True and str(answers[1]["profile"]).startswith("healthy")
    assert answers[2]["speed_mps"] == pytest.approx(1.0, abs=0.03)
    assert answers[3]["profile"] == "antalgic-left:0.3"
    assert server.world.profile == "antalgic-left:0.3"


def test_truth_over_the_socket_is_the_worlds(server: Server) -> None:
    time.sleep(1.0)  # 4 s of walking at speedup 4
    # The world stands still while it is asked both ways: the last steps are still open (no
    # final contact yet), and one that closed between the two answers would differ.
    world = server.world
    world.hold(world.now())
    try:
        (answer,) = ask(server.directory / "control", "truth_steps")
        direct = [r.as_dict() for r in world.truth_steps()]
    finally:
        world.release()
    steps = answer["steps"]
    assert isinstance(steps, list) and len(steps) >= 3
    assert steps[0].keys() >= {"side", "ic_s", "step_length_m", "flags", "stride_length_m"}
    assert steps == direct


def test_unplug_by_socket_takes_the_box_away(server: Server) -> None:
    box = server.directory / "box"
    port = serial.Serial(str(box), timeout=0.05)
    (answer,) = ask(server.directory / "control", "unplug 4")
    assert answer["ok"] and answer["until_s"] == pytest.approx(answer["from_s"] + 4)  # type: ignore[operator]
    lost = False
    deadline = time.monotonic() + 5
    while not lost and time.monotonic() < deadline:
        try:
            port.read(4096)
        except serial.SerialException:
            lost = True
    port.close()
    assert lost
    while not box.exists():  # back after 4 world seconds (1 s at speedup 4)
        assert time.monotonic() < deadline
        time.sleep(0.02)
    (status,) = ask(server.directory / "control", "status")
    assert status["power_ups"] == 2


def test_silence_by_socket_loses_treadmill_answers(server: Server) -> None:
    with serial.Serial(str(server.directory / "treadmill"), timeout=0.5) as tm:
        tm.write(b"\xc1")
        assert tm.read(5)[:1] == b"\xd1"
        ask(server.directory / "control", "silence_treadmill 8")
        tm.write(b"\xc1")
        assert tm.read(5) == b""  # 0.5 s of host time = 2 world seconds: still silent
    assert server.world.faults.injected["answers_lost"] >= 1


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("jump 3", "unknown command 'jump'"),
        ("", "unknown command"),
        ("unplug", "unplug takes one value"),
        ("unplug soon", "cannot read 'soon'"),
        ("unplug -2", "outside"),
        ("garbage 1.5", "cannot read '1.5'"),
        ("flip_bits -3", "outside"),
        ("set_profile limp", "unknown gait profile 'limp'"),
    ],
)
def test_bad_commands_get_an_error_answer(line: str, error: str) -> None:
    world = World(WorldOptions(seed=1))
    answer = execute(world, line)
    assert answer["ok"] is False and error in str(answer["error"]) and answer["fix"]


def test_a_bad_line_leaves_the_connection_usable(server: Server) -> None:
    bad, good = ask(server.directory / "control", "nonsense", "status")
    assert bad["ok"] is False and good["ok"] is True


def test_overlong_line_is_refused_and_skipped(server: Server) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10.0)
        s.connect(str(server.directory / "control"))
        s.sendall(b"x" * 10_000 + b" still the long line\nstatus\n")
        got = b""
        while got.count(b"\n") < 2:
            got += s.recv(4096)
    long_line, status = (json.loads(x) for x in got.splitlines())
    assert long_line["error"] == "line too long" and status["ok"] is True


def test_socket_path_checks(tmp_path: Path) -> None:
    world = World(WorldOptions())
    with pytest.raises(InputError, match="longer than 107 bytes"):
        ControlSocket(tmp_path / ("d" * 120) / "control", world)
    (tmp_path / "control").write_text("notes")
    with pytest.raises(InputError, match="not a socket"):
        ControlSocket(tmp_path / "control", world)
    stale = tmp_path / "s"
    stale.mkdir()
    old = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old.bind(str(stale / "control"))  # a socket left by a server that was killed
    old.close()
    ctl = ControlSocket(stale / "control", world)
    ctl.close()
    assert not (stale / "control").exists()
    assert (tmp_path / "control").read_text() == "notes"  # never overwritten
