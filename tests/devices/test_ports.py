"""`stride ports` and its listing, with the OS's port list replaced by known fakes."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from serial.tools import list_ports
from typer.testing import CliRunner

from devices import ports
from stride.cli.app import app


def fake_port(device: str, vid: int | None = None, pid: int | None = None, **kw: str) -> object:
    return SimpleNamespace(
        device=device,
        description=kw.get("description", "n/a"),
        vid=vid,
        pid=pid,
        serial_number=kw.get("serial_number"),
        manufacturer=kw.get("manufacturer"),
    )


FAKES = [
    fake_port("/dev/ttyUSB0", 0x0403, 0x6001, description="FT232R USB UART", serial_number="A10K"),
    fake_port("/dev/ttyACM0", 0x2341, 0x0043, description="Arduino Uno"),
    fake_port("/dev/ttyUSB1", 0x1A86, 0x7523, description="USB Serial"),
    fake_port("/dev/ttyUSB2", 0x1234, 0x5678, description="Mystery"),
]


@pytest.fixture
def some_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(list_ports, "comports", lambda: list(FAKES))


@pytest.fixture
def no_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(list_ports, "comports", lambda: [])


@pytest.mark.parametrize(
    ("vid", "pid", "word"),
    [
        (0x0403, 0x6001, "Trackmaster"),
        (0x1A86, 0x7523, "CH340"),
        (0x10C4, 0xEA60, "CP210x"),
        (0x2341, 0x8036, "Arduino"),
        (0x16C0, 0x0483, "Teensy"),
    ],
)
def test_known_adapters(vid: int, pid: int, word: str) -> None:
    assert word in (ports.hint_for(vid, pid) or "")


def test_unknown_adapter_has_no_hint() -> None:
    assert (
        ports.hint_for(0x1234, 0x5678) is None and ports.hint_for(None, None, "/dev/pts/3") is None
    )


@pytest.mark.usefixtures("some_ports")
def test_listing_sorted_with_ids() -> None:
    entries = ports.list_serial_ports()
    assert [e.device for e in entries] == sorted(f.device for f in FAKES)  # type: ignore[attr-defined]
    ftdi = next(e for e in entries if e.device == "/dev/ttyUSB0")
    assert ftdi.vid_pid == "0403:6001" and ftdi.serial_number == "A10K"
    text = ports.format_ports(entries)
    assert "/dev/ttyUSB0  FT232R USB UART  [USB 0403:6001  serial A10K]" in text
    assert "Trackmaster" in text and "Mystery" in text


@pytest.mark.usefixtures("some_ports")
def test_cli_json() -> None:
    result = CliRunner().invoke(app, ["ports", "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert {p["vid_pid"] for p in doc["ports"]} == {
        "0403:6001",
        "2341:0043",
        "1A86:7523",
        "1234:5678",
    }
    assert "hint" not in doc


@pytest.mark.usefixtures("no_ports")
def test_cli_empty() -> None:
    result = CliRunner().invoke(app, ["ports"])
    assert result.exit_code == 0 and result.stdout.startswith("no serial ports found (")
    doc = json.loads(CliRunner().invoke(app, ["ports", "--json"]).stdout)
    assert doc["ports"] == [] and "driver" in doc["hint"]
