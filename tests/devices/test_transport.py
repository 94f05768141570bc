"""Opening ports by URL, one-line open errors, and surviving an unplugged cable (real ptys)."""

from __future__ import annotations

import errno
import os
import pty
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from devices import transport
from devices.errors import DeviceError
from devices.transport import (
    Gap,
    PortBusyError,
    PortDisconnectedError,
    PortNotFoundError,
    PortPermissionError,
    ReconnectingPort,
    UnknownSchemeError,
    open_serial,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX-only")


class FakePty:
    """A pseudo-terminal 'device' reachable through a stable symlink, pluggable at will."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master = -1
        self.slave = -1

    def plug(self) -> None:
        self.master, self.slave = pty.openpty()
        os.symlink(os.ttyname(self.slave), self.link)

    def unplug(self) -> None:
        os.unlink(self.link)
        os.close(self.master)
        os.close(self.slave)
        self.master = self.slave = -1

    def send(self, data: bytes) -> None:
        os.write(self.master, data)


@pytest.fixture
def device(tmp_path: Path) -> Iterator[FakePty]:
    dev = FakePty(tmp_path / "ttyFAKE")
    dev.plug()
    yield dev
    if dev.master >= 0:
        dev.unplug()


def read_until(port: ReconnectingPort, want: bytes, limit_s: float = 5.0) -> bytes:
    got = b""
    end = time.monotonic() + limit_s
    while want not in got and time.monotonic() < end:
        got += port.read(64)
    return got


def test_loop_url_roundtrip() -> None:
    port = open_serial("loop://", baudrate=115200, timeout=0.1)
    port.write(b"\x00\xff\x10")
    assert port.read(3) == b"\x00\xff\x10"
    port.close()


def test_timeout_must_be_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        open_serial("loop://", baudrate=9600, timeout=None)  # type: ignore[arg-type]


def test_missing_path_names_stride_ports(tmp_path: Path) -> None:
    with pytest.raises(PortNotFoundError, match="stride ports") as info:
        open_serial(str(tmp_path / "ttyUSB9"), baudrate=9600)
    assert isinstance(info.value.__cause__, serial.SerialException | OSError)


def test_unknown_scheme() -> None:
    with pytest.raises(UnknownSchemeError, match="bogus://"):
        open_serial("bogus://x", baudrate=9600)


@posix_only
def test_busy_port_is_refused(device: FakePty) -> None:
    first = open_serial(str(device.link), baudrate=9600)
    try:
        with pytest.raises(PortBusyError, match="another program"):
            open_serial(str(device.link), baudrate=9600)
    finally:
        first.close()


@pytest.mark.parametrize(
    ("err", "kind"),
    [
        (
            serial.SerialException(errno.EACCES, "could not open port: Permission denied"),
            PortPermissionError,
        ),
        (serial.SerialException(errno.EBUSY, "Device or resource busy"), PortBusyError),
        (serial.SerialException(errno.ENOENT, "No such file or directory"), PortNotFoundError),
        (serial.SerialException("something odd"), DeviceError),
    ],
)
def test_translation(err: Exception, kind: type[DeviceError]) -> None:
    translated = transport.translate_open_error("/dev/ttyUSB0", err)
    assert type(translated) is kind
    assert translated.fix


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux group names")
def test_permission_fix_names_the_group() -> None:
    err = serial.SerialException(errno.EACCES, "Permission denied")
    fix = transport.translate_open_error("/dev/ttyUSB0", err).fix or ""
    assert ("dialout" in fix or "uucp" in fix) and "log in again" in fix


def test_sim_scheme_is_registered_only_when_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "lazyhandlers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "protocol_lazy.py").write_text(
        "from serial.urlhandler.protocol_loop import Serial as _Loop\n"
        "class Serial(_Loop):\n"
        "    def from_url(self, url):\n"
        "        return super().from_url('loop://')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(transport.LAZY_SCHEMES, "lazy", "lazyhandlers")
    monkeypatch.setattr(serial, "protocol_handler_packages", ["serial.urlhandler"])
    assert "lazyhandlers" not in sys.modules
    port = open_serial("LAZY://anything", baudrate=9600)
    port.write(b"hi")
    assert port.read(2) == b"hi"
    port.close()
    assert "lazyhandlers" in serial.protocol_handler_packages


def test_importing_transport_does_not_import_sim() -> None:
    code = "import sys, devices.transport; print(any(m.startswith('sim') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_lazy_package_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(transport.LAZY_SCHEMES, "nopkg", "no_such_package_for_stride")
    with pytest.raises(UnknownSchemeError, match="nopkg://"):
        open_serial("nopkg://x", baudrate=9600)


@posix_only
def test_reconnect_after_unplug(device: FakePty) -> None:
    gaps: list[Gap] = []
    drops: list[tuple[str, float, str]] = []
    port = ReconnectingPort(
        str(device.link),
        baudrate=115200,
        timeout=0.02,
        backoff_start=0.01,
        backoff_max=0.05,
        on_gap=gaps.append,
        on_disconnect=lambda *a: drops.append(a),
    ).open()
    try:
        device.send(b"before")
        assert read_until(port, b"before") == b"before"
        device.unplug()
        for _ in range(10):  # notices the loss, keeps returning b"" (never blocks)
            assert port.read(64) == b""
        assert not port.connected and len(drops) == 1
        with pytest.raises(PortDisconnectedError):
            port.write(b"x")
        time.sleep(0.05)
        device.plug()
        got = b""
        end = time.monotonic() + 5.0
        while not port.connected and time.monotonic() < end:
            got += port.read(64)
        device.send(b"after")
        got += read_until(port, b"after")
        assert got == b"after"
        assert port.stats.reconnects == 1 and port.stats.disconnects == 1
        (gap,) = gaps
        assert gap.duration_s > 0 and gap.end_host_t >= gap.start_host_t
        assert port.seconds_disconnected == pytest.approx(gap.duration_s)
        assert port.stats.bytes_read == len(b"beforeafter")
    finally:
        port.close()


@posix_only
def test_vanished_node_is_noticed_without_read_error(device: FakePty, tmp_path: Path) -> None:
    port = ReconnectingPort(str(device.link), baudrate=9600, timeout=0.01).open()
    try:
        os.unlink(device.link)  # the path disappears while the pty itself stays up
        assert port.read(8) == b""
        assert not port.connected and port.stats.disconnects == 1
        os.symlink(os.ttyname(device.slave), device.link)  # for the fixture's unplug
    finally:
        port.close()


def test_backoff_is_capped_and_close_stops_reopening(tmp_path: Path) -> None:
    calls: list[float] = []

    def opener(url: str, **kw: object) -> object:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return serial.serial_for_url("loop://", timeout=0.01)
        raise PortNotFoundError("gone")

    port = ReconnectingPort(
        "/dev/fake",
        baudrate=9600,
        timeout=0.01,
        backoff_start=0.01,
        backoff_max=0.04,
        opener=opener,
    ).open()
    port._lost("test unplug")
    end = time.monotonic() + 0.4
    while time.monotonic() < end:
        assert port.read(1) == b""
    assert port.stats.reopen_attempts >= 3
    assert port._backoff == 0.04  # doubled up to the cap, no further
    port.close()
    n = len(calls)
    assert port.read(1) == b"" and len(calls) == n


@posix_only
def test_close_from_another_thread_is_not_an_unplug(device: FakePty) -> None:
    import threading

    port = ReconnectingPort(str(device.link), baudrate=9600, timeout=0.05).open()
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(200):
                port.read(16)
        except BaseException as err:  # the test fails below if anything escaped
            errors.append(err)

    th = threading.Thread(target=reader)
    th.start()
    time.sleep(0.02)
    port.close()
    th.join()
    assert errors == [] and port.stats.disconnects == 0 and port.read(1) == b""


@posix_only
def test_spy_url_logs_traffic(device: FakePty, tmp_path: Path) -> None:
    log = tmp_path / "spy.txt"
    port = open_serial(f"spy://{device.link}?file={log}", baudrate=9600, timeout=0.1)
    device.send(b"\xd1")
    assert port.read(1) == b"\xd1"
    port.close()
    assert "D1" in log.read_text().upper()
