"""Opening a live session's devices: the sensor box's port and a treadmill driver.

The box is a serial port or URL (``sim://`` included) read by one thread and reopened by
itself after an unplug; its losses and returns become dashboard notices. A treadmill is
whatever driver :mod:`devices.registry` opens for ``DRIVER:TARGET`` (serial, TCP,
Bluetooth...): the session only holds it through :class:`TreadmillBelt`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.registry import parse_treadmill_spec
from devices.timebase import Clock
from devices.transport import Gap, ReconnectingPort
from stride.session.screen.alerts import BOX_SILENT_S
from stride.session.sources import PortReader
from stride.session.state import SessionState
from stride.session.treadmill import TreadmillBelt


@dataclass
class BoxPort:
    """The sensor box's port and its reader thread."""

    url: str
    port: ReconnectingPort
    reader: PortReader
    lost: dict[str, str] = field(default_factory=dict)

    def status(self) -> tuple[bool, str]:
        """Whether the box is connected and sending, and why not."""
        if not self.port.connected:
            return False, self.lost.get("reason", "")
        silent = self.reader.clock.monotonic() - self.reader.last_data_mono
        if silent > BOX_SILENT_S:
            return False, f"no bytes for {silent:.0f} s"
        return True, ""

    def use_clock(self, clock: Clock) -> None:
        """Stamp and time everything on the session's clock (before reading starts)."""
        self.port.clock = clock
        self.reader.clock = clock
        self.reader.last_data_mono = clock.monotonic()

    def close(self) -> None:
        self.port.close()


def open_box(url: str, baudrate: int, state: SessionState, stream: str) -> BoxPort:
    """Open the box's port (a wrong port fails here, before anything is written).

    A port reopened after an unplug is a new connection whatever the box sends then (a
    box power-cycled while the port was closed sent its HELLO to nobody): the reader
    hands on the mark of it, so the analysis starts a new stretch there and the
    recording keeps the boundary."""
    lost: dict[str, str] = {}
    readers: list[PortReader] = []

    def on_disconnect(url: str, host_t: float, reason: str) -> None:
        lost["reason"] = reason
        state.note(f"sensor box unplugged ({reason}); waiting for it on {url}")

    def on_gap(gap: Gap) -> None:
        lost.pop("reason", None)
        for reader in readers:
            reader.reopened()
        state.note(f"sensor box back after {gap.duration_s:.1f} s; session resumed")

    port = ReconnectingPort(
        url, baudrate=baudrate, timeout=0.02, on_disconnect=on_disconnect, on_gap=on_gap
    ).open()
    readers.append(PortReader(stream, port))
    return BoxPort(url, port, readers[0], lost)


def open_treadmill(spec: str) -> TreadmillBelt:
    """The treadmill a ``DRIVER:TARGET`` spec names, opened by its registry driver."""
    return TreadmillBelt(parse_treadmill_spec(spec))
