"""A Bluetooth RSC foot pod as the belt: ``rsc:NAME_OR_ADDRESS``, ``rsc:sim``.

For overground parallel-line walking: the pod's speed stands in for the belt speed, and
the box's foot sensors give the contacts. Read-only (a pod takes no commands). Each RSC
Measurement notification gives a reading; cadence and stride length are kept in
:meth:`read_status` as the pod sent them (see docs/treadmills.md on steps versus strides).
Recording and :func:`replay` as for FTMS (:mod:`devices.ble.record`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from devices.ble import rsc as R
from devices.ble import uuids as U
from devices.ble.driver import BleTreadmill
from devices.ble.errors import NotThatDeviceError
from devices.ble.gatt import GattBackend
from devices.ble.record import iter_records
from devices.errors import ProtocolError
from devices.treadmill.base import BeltReading, WireBytes


@dataclass(frozen=True)
class RscState:
    """The pod's latest measurement (None: none yet)."""

    host_t: float = 0.0
    measurement: R.RscMeasurement | None = None


class RscFootPod(BleTreadmill):
    """An RSC foot pod over Bluetooth, used as a belt-speed source."""

    name = "rsc"
    service = U.RSC_SERVICE
    can_set_speed = False
    can_start_stop = False
    #: Pods send a measurement about once a second: silent for three is not answering.
    silence_s = 3.0
    #: Each measurement is one recorded chunk and stands alone.
    recording_carry_bytes = 0

    def __init__(self, backend: GattBackend, address: str, **kwargs: Any) -> None:
        super().__init__(backend, address, **kwargs)
        self.features: list[str] = []
        self.state = RscState()
        self.subscribe_to(U.RSC_MEASUREMENT, self._on_measurement)

    def _on_measurement(self, value: bytes, host_t: float) -> BeltReading:
        m = R.parse_rsc_measurement(value)
        self.state = RscState(host_t, m)
        return BeltReading(host_t, (m.speed_mps,))

    async def after_connect(self, first: bool) -> None:
        if not self.has(U.RSC_MEASUREMENT):
            raise NotThatDeviceError(
                f"{self.address} has the RSC service but no RSC Measurement",
                fix="pick the foot pod: `stride ports --ble` lists what is in range",
            )
        if self.has(U.RSC_FEATURE):
            self.features = R.parse_rsc_feature(await self.read_char(U.RSC_FEATURE))

    def _set_speed_fix(self) -> str:
        return "a foot pod measures speed; it cannot set one"

    @staticmethod
    def parse_recording(
        chunks: Iterable[WireBytes | tuple[float, str, bytes]],
    ) -> list[BeltReading]:
        """Belt readings of a recorded ``rsc`` stream (:func:`replay`): what
        ``stride analyze`` and ``stride replay`` read it with, through the registry."""
        return replay(chunks)

    def read_status(self) -> RscState:
        """The latest measurement: speed, cadence (as sent), stride length, running."""
        return self.state


def replay(chunks: Iterable[WireBytes | tuple[float, str, bytes]]) -> list[BeltReading]:
    """Speed readings of a recorded ``rsc`` stream (bad values skipped, as live)."""
    out: list[BeltReading] = []
    for host_t, direction, chunk in chunks:
        if direction != "rx":
            continue
        for uuid16, value in iter_records(chunk):
            if uuid16 != U.RSC_MEASUREMENT:
                continue
            try:
                out.append(BeltReading(host_t, (R.parse_rsc_measurement(value).speed_mps,)))
            except ProtocolError:
                continue
    return out
