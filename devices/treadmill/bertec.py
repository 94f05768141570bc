"""Bertec instrumented (split-belt) treadmills over TCP, port 4000 of the treadmill PC.

Wire facts (docs/device-protocols.md, from public lab control scripts):
- command packet, 64 bytes: ``00``; four int16 BE belt speeds in mm/s (right, left,
  right-rear, left-rear); four uint16 BE accelerations in mm/s^2 (nonzero); uint16 BE
  incline in 0.01 deg; bytes 19-36 = bytes 1-18 XOR 0xFF; bytes 37-63 = ``00``;
- feedback packet, 32 bytes: four int16 BE belt speeds (mm/s) at bytes 1-8, int16 BE
  incline (0.01 deg) at bytes 9-10; the rest undocumented.

Choices (not stated in device-protocols.md, so documented in docs/treadmills.md): feedback speeds
are read in the command's belt order (right, left, ...); the driver reads the feedback
packets the treadmill sends on the connection and uses the newest complete one; the rear
belts get the same speed as the front belts; a command keeps the incline last reported.
"""

from __future__ import annotations

import math
import select
import socket
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from devices.errors import DeviceError, DeviceTimeoutError, InputError
from devices.treadmill.base import BeltReading, Treadmill, WireBytes

COMMAND_SIZE = 64
FEEDBACK_SIZE = 32
DEFAULT_PORT = 4000
DEFAULT_ACCEL_MM_S2 = 500


@dataclass(frozen=True)
class Feedback:
    """One feedback packet: belt speeds in m/s (right, left, right-rear, left-rear)."""

    speeds_mps: tuple[float, float, float, float]
    incline_deg: float

    @property
    def left_right_mps(self) -> tuple[float, float]:
        """(left, right) front belts: the belt under each foot."""
        return (self.speeds_mps[1], self.speeds_mps[0])


def _mm(mps: float) -> int:
    v = round(mps * 1000.0)
    if not -32768 <= v <= 32767:
        raise InputError(f"belt speed {mps} m/s does not fit the Bertec packet")
    return v


def command_packet(
    right_mps: float,
    left_mps: float,
    *,
    right_rear_mps: float | None = None,
    left_rear_mps: float | None = None,
    accel_mm_s2: tuple[int, int, int, int] | int = DEFAULT_ACCEL_MM_S2,
    incline_deg: float = 0.0,
) -> bytes:
    """The 64-byte command packet of device-protocols.md (rear belts default to the front
    speeds)."""
    accels = (accel_mm_s2,) * 4 if isinstance(accel_mm_s2, int) else accel_mm_s2
    if not all(0 < a <= 0xFFFF for a in accels):
        raise InputError(
            f"Bertec accelerations {accels} must be 1..65535 mm/s^2", fix="e.g. accel=500"
        )
    incline = round(incline_deg * 100.0)
    if not 0 <= incline <= 0xFFFF:
        raise InputError(f"Bertec incline {incline_deg} deg cannot be sent", fix="use >= 0 deg")
    speeds = (
        _mm(right_mps),
        _mm(left_mps),
        _mm(right_mps if right_rear_mps is None else right_rear_mps),
        _mm(left_mps if left_rear_mps is None else left_rear_mps),
    )
    body = struct.pack(">4h4HH", *speeds, *accels, incline)
    packet = b"\x00" + body + bytes(b ^ 0xFF for b in body)
    return packet + bytes(COMMAND_SIZE - len(packet))


def parse_feedback(packet: bytes) -> Feedback:
    """Speeds (mm/s -> m/s) and incline of one 32-byte feedback packet."""
    if len(packet) != FEEDBACK_SIZE:
        raise InputError(f"Bertec feedback must be {FEEDBACK_SIZE} bytes, got {len(packet)}")
    *speeds, incline = struct.unpack_from(">5h", packet, 1)
    r, l_, rr, lr = (s / 1000.0 for s in speeds)
    return Feedback((r, l_, rr, lr), incline / 100.0)


def replay(chunks: Iterable[WireBytes | tuple[float, str, bytes]]) -> list[BeltReading]:
    """Re-read recorded bytes: the received stream is cut into 32-byte feedback packets."""
    out: list[BeltReading] = []
    buf = bytearray()
    for host_t, direction, data in chunks:
        if direction != "rx":
            continue
        buf += data
        while len(buf) >= FEEDBACK_SIZE:
            fb = parse_feedback(bytes(buf[:FEEDBACK_SIZE]))
            del buf[:FEEDBACK_SIZE]
            out.append(BeltReading(host_t, fb.left_right_mps))
    return out


def parse_tcp_url(url: str) -> tuple[str, int]:
    """``tcp://HOST[:PORT]`` -> (host, port)."""
    parts = urlsplit(url)
    if parts.scheme != "tcp" or not parts.hostname:
        raise InputError(f"not a Bertec address: {url!r}", fix="write bertec:tcp://HOST:4000")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError as err:
        raise InputError(f"bad port in {url!r}", fix="write bertec:tcp://HOST:4000") from err
    return parts.hostname, port


class BertecTreadmill(Treadmill):
    """A Bertec split-belt treadmill; readings are (left, right).

    Opened with :meth:`open`, a dropped connection (treadmill PC restarted, cable pulled) is
    reported as errors by the poller ("not answering") and reconnected with backoff
    (0.1 s doubling to 2 s) on later calls; ``reconnects`` counts the successes.
    """

    name = "bertec"
    belts = 2  # readings are (left, right)
    can_set_speed = True
    can_start_stop = True

    @staticmethod
    def parse_recording(
        chunks: Iterable[WireBytes | tuple[float, str, bytes]],
    ) -> list[BeltReading]:
        """The recorded bytes' readings: :func:`replay`."""
        return replay(chunks)

    def __init__(
        self,
        sock: socket.socket | None,
        *,
        address: tuple[str, int] | None = None,
        timeout: float = 0.5,
        accel_mm_s2: int = DEFAULT_ACCEL_MM_S2,
    ) -> None:
        super().__init__(timeout=timeout)
        if sock is None and address is None:
            raise InputError("a Bertec treadmill needs a socket or an address")
        self._sock = sock
        self._address = address
        self.accel_mm_s2 = accel_mm_s2
        self._buf = bytearray()
        self.last_feedback: Feedback | None = None
        self.setpoint_mps: tuple[float, float] = (0.0, 0.0)  # (left, right)
        self.reconnects = 0
        self._backoff = 0.1
        self._next_try = 0.0

    @classmethod
    def open(
        cls, url: str, *, timeout: float = 0.5, accel: int | str = DEFAULT_ACCEL_MM_S2, **_: Any
    ) -> BertecTreadmill:
        """Connect to ``tcp://HOST:PORT`` (refused/unreachable -> one line with the fix)."""
        address = parse_tcp_url(url)
        try:
            sock = socket.create_connection(address, timeout=max(timeout, 2.0))
        except OSError as err:
            raise _connect_error(address, err) from err
        sock.settimeout(0.05)
        return cls(sock, address=address, timeout=timeout, accel_mm_s2=int(accel))

    def set_speeds(self, left_mps: float, right_mps: float) -> None:
        """Set each belt (split-belt walking); both in 0..10 m/s."""
        for v in (left_mps, right_mps):
            if not (math.isfinite(v) and 0.0 <= v <= 10.0):
                raise InputError(f"belt speed {v!r} m/s is outside 0..10")
        with self._io("set speeds"):
            self._send_speeds(left_mps, right_mps)
            self.setpoint_mps = (left_mps, right_mps)

    # -- backend ----------------------------------------------------------------------------
    def _start(self, deadline: float) -> None:
        self._send_speeds(*self.setpoint_mps)

    def _stop(self, deadline: float) -> None:
        self._send_speeds(0.0, 0.0)

    def _set_speed(self, mps: float, deadline: float) -> None:
        self._send_speeds(mps, mps)
        self.setpoint_mps = (mps, mps)

    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        newest: Feedback | None = None
        while newest is None:
            self._receive(deadline)
            while len(self._buf) >= FEEDBACK_SIZE:
                newest = parse_feedback(bytes(self._buf[:FEEDBACK_SIZE]))
                del self._buf[:FEEDBACK_SIZE]
        self.last_feedback = newest
        self._check_belt_order(newest.left_right_mps)
        return newest.left_right_mps

    def _check_belt_order(self, got: tuple[float, float]) -> None:
        """Say once if the belts read as the command's swapped: device-protocols.md gives
        no belt order for the feedback (read as the command's), and a treadmill sending
        left first would swap the sides' step lengths."""
        left, right = self.setpoint_mps
        if abs(left - right) >= 0.1 and abs(got[0] - right) + abs(got[1] - left) < 0.02:
            self._warn_once(
                f"bertec: the belts read as (left {got[0]:.2f}, right {got[1]:.2f}) m/s, "
                f"swapped from the speeds set ({left:.2f}, {right:.2f}): this treadmill's "
                "feedback seems to give the left belt first, so the sides' step lengths are "
                "swapped; send us a log (docs/treadmills.md)"
            )

    def _close(self) -> None:
        self._address = None
        self._drop()

    # -- connection -------------------------------------------------------------------------
    def _connection(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        if self._address is None:
            raise DeviceError("the Bertec connection is closed", fix="open the treadmill again")
        now = time.monotonic()
        if now < self._next_try:
            raise DeviceError(
                "the Bertec treadmill is disconnected; reconnecting", fix="check the network"
            )
        try:
            sock = socket.create_connection(self._address, timeout=self.timeout)
        except OSError as err:
            self._backoff = min(self._backoff * 2.0, 2.0)
            self._next_try = now + self._backoff
            raise _connect_error(self._address, err) from err
        sock.settimeout(0.05)
        self._sock = sock
        self._buf.clear()  # a new connection starts on a packet boundary
        self._backoff = 0.1
        self.reconnects += 1
        return sock

    def _drop(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        self._next_try = time.monotonic() + self._backoff

    def _send_speeds(self, left_mps: float, right_mps: float) -> None:
        incline = self.last_feedback.incline_deg if self.last_feedback else 0.0
        if incline < 0.0:  # the command's incline is unsigned: sending 0 would level it
            raise DeviceError(
                f"the Bertec treadmill reports a decline of {-incline:.2f} deg, which a command "
                "packet cannot keep (its incline is a uint16): a speed command would level the "
                "treadmill under the walker, so none is sent",
                fix="set the speed in the Bertec software, or level the treadmill first",
            )
        packet = command_packet(
            right_mps, left_mps, accel_mm_s2=self.accel_mm_s2, incline_deg=incline
        )
        sock = self._connection()
        self._emit("tx", packet)
        try:
            sock.sendall(packet)
        except OSError:
            self._drop()
            raise

    def _receive(self, deadline: float) -> None:
        """Take everything queued (the newest packet wins); wait only if no whole packet."""
        sock = self._connection()
        while True:
            ready = select.select([sock], [], [], 0.0)[0]
            late = time.monotonic() >= deadline
            if not ready or late:
                if len(self._buf) >= FEEDBACK_SIZE:
                    return
                wait = deadline - time.monotonic()
                if wait <= 0:
                    raise DeviceTimeoutError(
                        "the Bertec treadmill sent no feedback", fix="check the network cable"
                    )
                if not select.select([sock], [], [], min(wait, 0.05))[0]:
                    continue
            try:
                chunk = sock.recv(4096)
            except OSError:
                self._drop()
                raise
            if not chunk:
                self._drop()
                raise DeviceError(
                    "the Bertec treadmill closed the connection",
                    fix="check Remote Control in the Bertec software; stride reconnects by itself",
                )
            self._emit("rx", chunk)
            self._buf += chunk


def _connect_error(address: tuple[str, int], err: OSError) -> DeviceError:
    host, port = address
    return DeviceError(
        f"cannot connect to the Bertec treadmill at {host}:{port}: {err}",
        fix="enable Remote Control in the Bertec software and check the address",
    )
