"""What serial ports are present, and what is probably plugged into each (``stride ports``).

The USB vendor:product id usually names the USB-serial chip, not the device behind it, so
the hint says which of stride's devices commonly use that chip.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: (VID, PID or None for any product of the vendor) -> hint.
KNOWN_ADAPTERS: dict[tuple[int, int | None], str] = {
    (0x0403, 0x6001): "FTDI FT232R USB-serial: the chip of Trackmaster's USB cable",
    (0x0403, 0x6010): "FTDI FT2232 USB-serial",
    (0x0403, 0x6011): "FTDI FT4232 USB-serial",
    (0x0403, 0x6014): "FTDI FT232H USB-serial",
    (0x0403, 0x6015): "FTDI FT230X/FT231X USB-serial",
    (0x1A86, 0x7523): "CH340 USB-serial: common on Arduino clones (a sensor box?)",
    (0x1A86, 0x55D4): "CH9102 USB-serial: common on ESP32 boards",
    (0x10C4, 0xEA60): "Silicon Labs CP210x USB-serial: common on ESP32 boards",
    (0x067B, 0x2303): "Prolific PL2303 USB-RS232 cable (for RS-232 treadmills)",
    (0x2341, None): "Arduino board (the reference sensor box?)",
    (0x2A03, None): "Arduino board (the reference sensor box?)",
    (0x16C0, 0x0483): "Teensy USB serial (a sensor box?)",
    (0x239A, None): "Adafruit board (a sensor box?)",
    (0x2E8A, None): "Raspberry Pi RP2040 board (a sensor box?)",
    (0x303A, None): "Espressif ESP32 native USB (a sensor box?)",
}

NO_PORTS_HINT = (
    "plug the device in and run again; a USB-serial cable may need its driver (CH340, "
    "CP210x, PL2303 on Windows/macOS); on Linux `dmesg | tail` shows what the kernel saw. "
    "No hardware? `stride demo` and `stride sim serve` use simulated devices."
)


@dataclass(frozen=True)
class PortEntry:
    """One serial port as `stride ports` shows it."""

    device: str
    description: str
    vid: int | None
    pid: int | None
    serial_number: str | None
    manufacturer: str | None
    hint: str | None

    @property
    def vid_pid(self) -> str | None:
        """``"0403:6001"`` for USB ports, else None."""
        if self.vid is None or self.pid is None:
            return None
        return f"{self.vid:04X}:{self.pid:04X}"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (VID:PID as the usual hex text)."""
        doc = asdict(self)
        doc["vid_pid"] = self.vid_pid
        return doc


def hint_for(vid: int | None, pid: int | None, device: str = "") -> str | None:
    """The hint for a VID:PID (exact product first, then any product of the vendor)."""
    if vid is not None:
        exact = KNOWN_ADAPTERS.get((vid, pid))
        return exact if exact is not None else KNOWN_ADAPTERS.get((vid, None))
    if device.startswith(("/dev/ttyS", "COM")):
        return "built-in serial port (RS-232 treadmills connect here or via a USB cable)"
    return None


def list_serial_ports() -> list[PortEntry]:
    """Every serial port the OS reports, sorted by device name."""
    from serial.tools import list_ports  # lazy: only `stride ports` needs it

    entries = []
    for info in list_ports.comports():
        description = info.description if info.description not in (None, "n/a") else ""
        entries.append(
            PortEntry(
                device=info.device,
                description=description,
                vid=info.vid,
                pid=info.pid,
                serial_number=info.serial_number,
                manufacturer=info.manufacturer,
                hint=hint_for(info.vid, info.pid, info.device),
            )
        )
    return sorted(entries, key=lambda e: e.device)


def format_ports(entries: list[PortEntry]) -> str:
    """Plain-text listing, one port per line block (used when rich is not wanted)."""
    if not entries:
        return f"no serial ports found ({NO_PORTS_HINT})"
    lines = []
    for e in entries:
        head = e.device + (f"  {e.description}" if e.description else "")
        ids = "  ".join(
            x
            for x in (
                f"USB {e.vid_pid}" if e.vid_pid else "",
                f"serial {e.serial_number}" if e.serial_number else "",
            )
            if x
        )
        lines.append(head + (f"  [{ids}]" if ids else ""))
        if e.hint:
            lines.append(f"    {e.hint}")
    return "\n".join(lines)
