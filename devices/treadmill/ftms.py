"""Bluetooth FTMS treadmills (Fitness Machine Service): ``ftms:NAME_OR_ADDRESS``, ``ftms:sim``.

Reads belt speed, inclination, distance and heart rate from Treadmill Data notifications
(:mod:`devices.ble.ftms`); sets the speed through the control point after requesting
control. Choices (docs/treadmills.md):

- control is requested once connected (and again after a reconnect); a treadmill that
  refuses makes the driver read-only, said once to the user, never an error per key press;
- a requested speed is clamped to the Supported Speed Range and its increment, and the
  user is told when it was;
- a Treadmill Data value that does not parse is counted (``bad_notifications``) and
  skipped; one without the instantaneous speed (a "more data" part) updates the other
  fields only;
- pace fields are read as uint16 (the current GSS); their width is unverified, so a
  treadmill that sends them as one byte (the 2017 XML) has its notifications refused, the
  message naming ``ftms:NAME?pace=uint8``, which opens :class:`FtmsPace8Treadmill`: the
  same driver reading them as uint8, its recorded stream named ``ftms-pace8`` so that
  ``stride analyze`` and ``stride replay`` read it the same way.

Recording: every notification, read and write is one record (:mod:`devices.ble.record`);
:func:`replay` turns a recorded stream back into belt readings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from devices.ble import ftms as F
from devices.ble import uuids as U
from devices.ble.driver import BleTreadmill
from devices.ble.errors import ControlNotPermittedError, ControlPointError, NotThatDeviceError
from devices.ble.gatt import GattBackend
from devices.ble.record import RecordStats, iter_records
from devices.errors import DeviceTimeoutError, ProtocolError
from devices.treadmill.base import BeltReading, WireBytes
from devices.units import KMH

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FtmsState:
    """The latest value of each quantity the treadmill reported (None: never sent)."""

    host_t: float = 0.0
    speed_kmh: float | None = None
    inclination_pct: float | None = None
    distance_m: int | None = None
    heart_rate_bpm: int | None = None
    elapsed_time_s: int | None = None
    step_count: int | None = None


class FtmsTreadmill(BleTreadmill):
    """An FTMS treadmill over Bluetooth (see the module docstring)."""

    name = "ftms"
    service = U.FTMS_SERVICE
    #: The width of the pace fields (``devices.ble.ftms.PACE_FIELDS``).
    pace = "uint16"
    #: Treadmills notify Treadmill Data about once a second (the simulator: 4 Hz): silent
    #: for three notifications is not answering (docs/treadmills.md).
    silence_s = 3.0
    #: Each notification is one recorded chunk; a Treadmill Data value split into parts
    #: ("more data") needs the parts before it: two of at most 24 bytes each.
    recording_carry_bytes = 64

    def __init__(self, backend: GattBackend, address: str, **kwargs: Any) -> None:
        super().__init__(backend, address, **kwargs)
        self.can_set_speed = False
        self.can_start_stop = False
        self.features: F.Features | None = None
        self.speed_range: F.SpeedRange | None = None
        self.read_only_reason: str | None = None
        self.state = FtmsState()
        self.statuses: list[F.MachineStatus] = []
        self._responses: asyncio.Queue[bytes] | None = None
        self.subscribe_to(U.TREADMILL_DATA, self._on_data)
        self.subscribe_to(U.FTMS_STATUS, self._on_status_value)
        self.subscribe_to(U.FTMS_CONTROL_POINT, self._on_response)

    # -- notifications -------------------------------------------------------------------
    def _on_data(self, value: bytes, host_t: float) -> BeltReading | None:
        data = F.parse_treadmill_data(value, pace=self.pace)
        s = self.state
        self.state = FtmsState(
            host_t,
            _or(data.instantaneous_speed_kmh, s.speed_kmh),
            _or(data.inclination_pct, s.inclination_pct),
            _or(data.total_distance_m, s.distance_m),
            _or(data.heart_rate_bpm, s.heart_rate_bpm),
            _or(data.elapsed_time_s, s.elapsed_time_s),
            _or(data.step_count, s.step_count),
        )
        if data.speed_mps is None:
            return None
        return BeltReading(host_t, (data.speed_mps,), self.state.heart_rate_bpm)

    def _on_status_value(self, value: bytes, host_t: float) -> None:
        status = F.parse_machine_status(value)
        self.statuses.append(status)
        if status.op == 0xFF:  # control permission lost (console or another app took it)
            self._go_read_only("the treadmill took back control (console or another app)")
        return None

    def _on_response(self, value: bytes, host_t: float) -> None:
        if self._responses is not None:
            self._responses.put_nowait(value)
        return None

    # -- connection set-up ---------------------------------------------------------------
    async def after_connect(self, first: bool) -> None:
        if not self.has(U.TREADMILL_DATA):
            raise NotThatDeviceError(
                f"{self.address} has the Fitness Machine service but no Treadmill Data "
                "(a bike, rower or cross trainer?)",
                fix="pick the treadmill: `stride ports --ble` lists what is in range",
            )
        self._responses = asyncio.Queue()
        if self.has(U.FTMS_FEATURE):
            self.features = F.parse_feature(await self.read_char(U.FTMS_FEATURE))
        if self.has(U.SUPPORTED_SPEED_RANGE):
            try:
                self.speed_range = F.parse_speed_range(
                    await self.read_char(U.SUPPORTED_SPEED_RANGE)
                )
            except ProtocolError as err:
                self._go_read_only(f"its speed range is unusable ({err})")
                return
        if first or self.can_set_speed:
            await self._take_control()

    async def _take_control(self) -> None:
        if not self.has(U.FTMS_CONTROL_POINT):
            self._go_read_only("it has no control point")
            return
        if self.features is not None and not self.features.speed_target:
            self._go_read_only("it does not take speed targets")
            return
        try:
            await self._request("request_control")
        except ControlPointError as err:
            self._go_read_only(f"it refused control ({err.problem})")
            return
        except DeviceTimeoutError:
            self._go_read_only("it did not answer the request for control")
            return
        self.can_set_speed = self.can_start_stop = True
        self.read_only_reason = None

    def _go_read_only(self, why: str) -> None:
        self.can_set_speed = self.can_start_stop = False
        self.read_only_reason = why
        self.tell(
            f"{self.name} treadmill is read-only: {why}; set the speed at its console", once=True
        )

    async def _request(self, op: str, value: float | None = None) -> F.ControlResponse:
        """Write one control point request and wait for its response indication."""
        queue = self._responses
        if queue is None:
            raise ProtocolError("control point used before connecting")
        while not queue.empty():
            queue.get_nowait()
        request = F.control_point(op, value)
        await self.write_char(U.FTMS_CONTROL_POINT, request)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while True:
            try:
                raw = await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise DeviceTimeoutError(
                    f"ftms: no answer to {op.replace('_', ' ')} within {self.timeout:g} s",
                    fix="check the treadmill is on and in range",
                ) from None
            response = F.parse_control_response(raw, check=False)
            if response.request_op == request[0]:
                response.raise_for_result()
                return response

    # -- Treadmill backend ---------------------------------------------------------------
    def _set_speed_fix(self) -> str:
        why = self.read_only_reason or "it has not granted control"
        return f"the treadmill is read-only ({why}): set the speed at its console"

    def _set_speed(self, mps: float, deadline: float) -> None:
        kmh = mps / KMH
        if self.speed_range is not None:
            kmh, why = self.speed_range.clamp(kmh)
            if why:
                self.tell(f"{self.name}: {why}")
        self._control("set_target_speed", kmh)

    def _start(self, deadline: float) -> None:
        self._control("start")

    def _stop(self, deadline: float) -> None:
        self._control("stop")

    def _control(self, op: str, value: float | None = None) -> None:
        from devices.ble import loop

        try:
            loop.run(self._request(op, value), self.timeout + 1.0, op.replace("_", " "))
        except ControlNotPermittedError:
            # Control lost since (reconnect, console): ask again once, then give up.
            loop.run(self._take_control(), self.timeout + 1.0, "requesting control")
            if not self.can_set_speed:
                raise
            loop.run(self._request(op, value), self.timeout + 1.0, op.replace("_", " "))

    @classmethod
    def parse_recording(
        cls, chunks: Iterable[WireBytes | tuple[float, str, bytes]]
    ) -> list[BeltReading]:
        """Belt readings of a recorded ``ftms`` stream (:func:`replay`): what
        ``stride analyze`` and ``stride replay`` read it with, through the registry."""
        return replay(chunks, pace=cls.pace)

    def read_status(self) -> FtmsState:
        """The latest speed, inclination, distance, heart rate, elapsed time, steps."""
        return replace(self.state)


class FtmsPace8Treadmill(FtmsTreadmill):
    """An FTMS treadmill whose pace fields are one byte (uint8, 0.1 km/min, the 2017 XML):
    ``ftms:NAME?pace=uint8`` (see the module docstring)."""

    name = "ftms-pace8"
    device_kind = "ftms"
    pace = "uint8"


def _or(new: Any, old: Any) -> Any:
    return old if new is None else new


def replay(
    chunks: Iterable[WireBytes | tuple[float, str, bytes]], *, pace: str = "uint16"
) -> list[BeltReading]:
    """Belt readings of a recorded ``ftms`` stream: every Treadmill Data notification that
    carries a speed, at its recorded host time, with the heart rate of its Treadmill Data
    value (that notification or the "more data" parts just before it); bad ones are
    skipped, as live."""
    out: list[BeltReading] = []
    heart_rate: int | None = None
    for host_t, data in replay_data(chunks, pace=pace):
        heart_rate = _or(data.heart_rate_bpm, heart_rate)
        if data.speed_mps is not None:
            out.append(BeltReading(host_t, (data.speed_mps,), heart_rate))
            heart_rate = None  # the next value starts afresh
    return out


def replay_data(
    chunks: Iterable[WireBytes | tuple[float, str, bytes]],
    stats: RecordStats | None = None,
    *,
    pace: str = "uint16",
) -> list[tuple[float, F.TreadmillData]]:
    """Every Treadmill Data notification of a recorded stream, parsed (pace fields ``pace``
    wide), with its host time (heart rate, inclination, distance... for analysis)."""
    out: list[tuple[float, F.TreadmillData]] = []
    for host_t, direction, chunk in chunks:
        if direction != "rx":
            continue
        for uuid16, value in iter_records(chunk, stats):
            if uuid16 != U.TREADMILL_DATA:
                continue
            try:
                out.append((host_t, F.parse_treadmill_data(value, pace=pace)))
            except ProtocolError:
                continue
    return out
