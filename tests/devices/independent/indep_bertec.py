"""An independent Bertec treadmill PC (TCP), written from ../shared/docs/protocols.md only.

Section followed: "Treadmills / Bertec instrumented treadmill — TCP (port 4000 on the
treadmill PC)". No imports from devices/ or sim/.

From the document:
- Command packet, 64 bytes: byte 0 ``00``; bytes 1-8 four int16 BE belt speeds (mm/s:
  right, left, right-rear, left-rear); bytes 9-16 four uint16 BE accelerations (mm/s^2,
  nonzero); bytes 17-18 uint16 BE incline (0.01 deg); bytes 19-36 = bytes 1-18 XOR ``FF``;
  bytes 37-63 ``00``. A packet breaking any of these is ignored (counted in ``rejected``).
- Feedback packet, 32 bytes: bytes 1-8 four int16 BE belt speeds (mm/s); bytes 9-10
  int16 BE incline (0.01 deg); the other bytes are undocumented (this PC fills them with
  ``0x5A`` so a reader that relies on them shows).

Choices where the document is silent (constructor options): ``feedback_hz`` (feedback
packets sent unasked, 100 a second; 0 = only one in answer to each command),
``left_first`` (the feedback's belts in the order left, right, ... where the command's is
right, left: the document gives no order for the feedback), ``split`` (feedback
packets cut into pieces of this many bytes, sent separately), ``batch`` (several packets in
one send),
``accel_limit`` (belts move toward the commanded speed at the commanded acceleration;
False = at once).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field


def command_packet(speeds: tuple[int, int, int, int], accels=(500,) * 4, incline=0) -> bytes:
    head = struct.pack(">4h4HH", *speeds, *accels, incline)
    return b"\x00" + head + bytes(b ^ 0xFF for b in head) + bytes(27)


def parse_command(pkt: bytes) -> tuple[tuple[int, ...], tuple[int, ...], int] | None:
    if len(pkt) != 64 or pkt[0] != 0 or any(pkt[37:]):
        return None
    head = pkt[1:19]
    if bytes(b ^ 0xFF for b in head) != pkt[19:37]:
        return None
    values = struct.unpack(">4h4HH", head)
    speeds, accels, incline = values[:4], values[4:8], values[8]
    if 0 in accels:
        return None
    return speeds, accels, incline


def feedback_packet(speeds: tuple[int, int, int, int], incline: int) -> bytes:
    return b"\x5a" + struct.pack(">4hh", *speeds, incline) + b"\x5a" * 21


@dataclass
class BertecPC:
    feedback_hz: float = 100.0
    split: int = 0
    batch: int = 1
    accel_limit: bool = False
    left_first: bool = False
    speeds: list[float] = field(default_factory=lambda: [0.0] * 4)
    targets: list[int] = field(default_factory=lambda: [0] * 4)
    accels: tuple[int, ...] = (1000,) * 4
    incline: int = 0
    commands: list[tuple[tuple[int, ...], tuple[int, ...], int]] = field(default_factory=list)
    rejected: int = 0
    connections: int = 0

    def __post_init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.url = f"tcp://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _advance(self, dt: float) -> None:
        for i in range(4):
            if not self.accel_limit:
                self.speeds[i] = float(self.targets[i])
                continue
            step = self.accels[i] * dt
            delta = self.targets[i] - self.speeds[i]
            self.speeds[i] += max(-step, min(step, delta))

    def feedback(self) -> bytes:
        with self._lock:
            r, l_, rr, lr = (round(s) for s in self.speeds)
            speeds = (l_, r, lr, rr) if self.left_first else (r, l_, rr, lr)
            return feedback_packet(speeds, self.incline)

    def _send(self, conn: socket.socket, data: bytes) -> None:
        step = self.split or len(data)
        for i in range(0, len(data), step):
            conn.sendall(data[i : i + step])
            if self.split:
                time.sleep(0.001)

    def _serve(self, conn: socket.socket) -> None:
        buf = bytearray()
        last = time.monotonic()
        with contextlib.suppress(OSError):  # the connection dropped (drop_connections)
            conn.settimeout(1 / self.feedback_hz if self.feedback_hz else 0.05)
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                    if not data:
                        return
                    buf += data
                except TimeoutError:
                    pass
                now = time.monotonic()
                with self._lock:
                    self._advance(now - last)
                last = now
                answered = False
                while len(buf) >= 64:
                    pkt, buf = bytes(buf[:64]), buf[64:]
                    parsed = parse_command(pkt)
                    if parsed is None:
                        self.rejected += 1
                        continue
                    with self._lock:
                        self.commands.append(parsed)
                        self.targets = list(parsed[0])
                        self.accels, self.incline = parsed[1], parsed[2]
                        self._advance(0.0)
                    answered = True
                if self.feedback_hz or answered:
                    self._send(conn, self.feedback() * self.batch)
                    if self.batch > 1:
                        time.sleep(self.batch / max(self.feedback_hz, 1.0))

    def drop_connections(self) -> None:
        """The treadmill PC drops every connection (restarted, cable pulled)."""
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._conns.clear()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.drop_connections()
        self.server.close()
