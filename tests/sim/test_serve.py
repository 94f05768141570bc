"""The pseudo-terminal server in a subprocess: clients come and go; SIGTERM ends it cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from devices.sensorbox import StreamDecoder

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals need POSIX")


def test_serve_until_sigterm(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from sim.serve import serve_forever\n"
        f"serve_forever(directory=Path({str(tmp_path)!r}), seed=3, speedup=2.0)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 20
        while not ((tmp_path / "box").exists() and (tmp_path / "treadmill").exists()):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        for _ in range(2):  # a client opens, reads, closes; and again
            port = serial.Serial(str(tmp_path / "box"), timeout=0.1)
            dec = StreamDecoder()
            end = time.monotonic() + 0.6
            while time.monotonic() < end:
                dec.feed(port.read(4096), time.monotonic())
            port.close()
            assert dec.stats.frames > 20
            assert dec.stats.samples > 500
        belt = serial.Serial(str(tmp_path / "treadmill"), timeout=1.0)
        belt.write(b"\xc0")
        assert belt.read(2) == b"\xd0\x33"  # running, comm-loss stop off
        belt.close()
        assert ask(tmp_path / "control", "status")["plugged"] is True
        assert proc.poll() is None  # still serving after its clients left
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "box:" in out and f"control: {tmp_path / 'control'}" in out
    assert not (tmp_path / "box").exists() and not (tmp_path / "box").is_symlink()
    assert not (tmp_path / "treadmill").is_symlink()
    assert not (tmp_path / "control").exists()


def ask(path: Path, line: str) -> dict[str, object]:
    """One command on the control socket, as a program in any language would send it."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10.0)
        s.connect(str(path))
        s.sendall(line.encode() + b"\n")
        got = b""
        while not got.endswith(b"\n"):
            chunk = s.recv(65536)
            assert chunk
            got += chunk
    answer = json.loads(got)
    assert isinstance(answer, dict)
    return answer


def test_cli_server_unplugs_the_box_on_a_control_command(tmp_path: Path) -> None:
    """`stride sim serve` as a test in another language drives it: a command on DIR/control
    pulls the box's cable; the port vanishes under its client and comes back."""
    d = tmp_path / "dev"
    proc = subprocess.Popen(
        [sys.executable, "-m", "stride.cli.app", "sim", "serve", "--dir", str(d), "--speedup", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (d / "control").exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        port = serial.Serial(str(d / "box"), timeout=0.05)
        answer = ask(d / "control", "unplug 6")
        assert answer["ok"] is True
        with pytest.raises(serial.SerialException):
            while time.monotonic() < deadline:
                port.read(4096)
        port.close()
        while not (d / "box").exists():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert ask(d / "control", "status")["power_ups"] == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "box unplugged" in out and "box plugged in" in out


def test_box_unplug_and_replug_on_the_terminal(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from sim.serve import serve_forever\n"
        f"serve_forever(directory=Path({str(tmp_path)!r}), seed=4, speedup=4.0,\n"
        "              unplug_at_s=(8.0,), unplug_s=4.0)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    box = tmp_path / "box"
    try:
        deadline = time.monotonic() + 20
        while not box.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        port = serial.Serial(str(box), timeout=0.05)
        lost = False
        end = time.monotonic() + 5
        while time.monotonic() < end and not lost:
            try:
                port.read(4096)
            except serial.SerialException:
                lost = True
        port.close()
        assert lost  # the box vanished under the client
        while not box.exists():  # and comes back on a new terminal
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.05)
        port = serial.Serial(str(box), timeout=0.1)
        dec = StreamDecoder()
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            dec.feed(port.read(4096), time.monotonic())
        port.close()
        assert dec.stats.frames > 10
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "box unplugged" in out and "box plugged in" in out


def test_signals_are_handled_before_the_ports_appear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client that sees the ports may stop the server at once: its SIGINT and SIGTERM
    handlers are in place before the ports (symlinks) exist, and restored afterwards."""
    from sim import serve

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    seen: dict[int, object] = {}
    real = serve.Server

    def spy(*args: object, **kwargs: object) -> serve.Server:
        for s in before:
            seen[s] = signal.getsignal(s)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(serve, "Server", spy)
    serve.serve_forever(directory=tmp_path / "d", seed=1, stop_after_s=0.05)
    for s, old in before.items():
        assert seen[s] is not old and callable(seen[s])  # the server's own handler
        assert signal.getsignal(s) is old
    assert not (tmp_path / "d" / "box").exists()
    assert "serving" in capsys.readouterr().out
