"""``sim://`` ports: the simulated sensor box and treadmill, opened like real serial ports.

URLs (options in the query; world options only matter to the first port of a world)::

    sim://box?profile=antalgic-left:0.4&seed=7&rate=1000&speedup=10
    sim://treadmill?world=default       (protocol detected from the host's first byte)
    sim://trackmaster?...   sim://csafe?...

World options: ``world`` (key; default ``default``), ``profile``, ``seed``, ``rate``,
``sensors`` (heel-toe, foot, insole8), ``noise`` (clean, nominal, noisy), ``speed`` (initial
belt speed, e.g. 3.6kmh), ``belt`` (running or stopped), ``speedup``, feedback targets
``target`` (step length, m), ``cadence`` (steps/min), ``symmetry`` (1), ``metronome``
(steps/min), ``tau`` (strides), ``residual``, and unplug events ``unplug_at`` (world
seconds, comma-separated) with ``unplug_s``. Port options: ``flip`` and ``drop`` (per-byte
bit-flip and byte-drop probabilities on what this port reads).

What is not simulated: baud-rate mismatches (any baud rate works), modem lines, flow
control, and Bertec (a TCP device, not a serial port).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import numpy as np
import serial
from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from devices.errors import InputError
from devices.units import parse_speed
from sim.box import check_rate
from sim.params import Feedback
from sim.world import World, WorldOptions, get_world

DEVICES = ("box", "treadmill", "trackmaster", "csafe")
_TREADMILL_BYTE_RATE = {"trackmaster": 480.0, "csafe": 960.0}  # 4800 / 9600 baud 8N1


def _belt_running(value: str) -> bool:
    if value not in ("running", "stopped"):
        raise ValueError("belt is running or stopped")
    return value == "running"


def _probability(value: str) -> float:
    p = float(value)
    if not 0.0 <= p <= 0.1:
        raise ValueError("a per-byte probability is 0..0.1")
    return p


def _protocol_csafe(value: str) -> float:
    if value not in ("trackmaster", "csafe"):
        raise ValueError("protocol is trackmaster or csafe")
    return 1.0 if value == "csafe" else 0.0


def _times(value: str) -> tuple[float, ...]:
    return tuple(float(v) for v in value.split(",") if v)


#: Query key -> (what it sets: world, feedback or port option; the field; its reader).
_OPTIONS: dict[str, tuple[str, str, Callable[[str], Any]]] = {
    "profile": ("world", "profile", str),
    "seed": ("world", "seed", int),
    "rate": ("world", "rate_hz", lambda v: check_rate(int(v))),
    "sensors": ("world", "sensors", str),
    "noise": ("world", "noise", str),
    "speed": ("world", "speed_mps", parse_speed),
    "belt": ("world", "belt_running", _belt_running),
    "speedup": ("world", "speedup", float),
    "unplug_at": ("world", "unplug_at_s", _times),
    "unplug_s": ("world", "unplug_s", float),
    "target": ("feedback", "step_length_m", float),
    "cadence": ("feedback", "cadence_spm", float),
    "metronome": ("feedback", "metronome_spm", float),
    "symmetry": ("feedback", "symmetry", lambda v: v not in ("0", "false", "no", "")),
    "tau": ("feedback", "tau_strides", float),
    "residual": ("feedback", "residual", float),
    "flip": ("port", "flip", _probability),
    "drop": ("port", "drop", _probability),
    "protocol": ("port", "protocol_csafe", _protocol_csafe),
}


def parse_sim_url(url: str) -> tuple[str, str, WorldOptions, frozenset[str], dict[str, float]]:
    """``sim://DEVICE?...`` -> (device, world key, world options, options given, port options).

    Raises InputError (a ValueError) naming the bad part.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() != "sim":
        raise InputError(f"{url!r} is not a sim:// URL", fix="write e.g. sim://box?seed=1")
    device = (parts.netloc or parts.path.strip("/")).lower()
    if device not in DEVICES:
        raise InputError(
            f"unknown simulated device {device!r} in {url!r}",
            fix=f"use sim://{'|'.join(DEVICES)}",
        )
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    found: dict[str, dict[str, Any]] = {"world": {}, "feedback": {}, "port": {}}
    key = "default"
    for name, values in query.items():
        value = values[-1]
        if name == "world":
            key = value or "default"
            continue
        if name not in _OPTIONS:
            raise InputError(
                f"unknown option {name!r} in {url!r}",
                fix="see the sim:// options in docs/simulation.md",
            )
        where, field_name, read = _OPTIONS[name]
        try:
            found[where][field_name] = read(value)
        except InputError:
            raise
        except ValueError as err:
            raise InputError(
                f"cannot read {name}={value!r} in {url!r}: {err}",
                fix="see the sim:// options in docs/simulation.md",
            ) from None
    opts = found["world"]
    given = set(opts)
    if found["feedback"]:
        opts["feedback"] = Feedback(**found["feedback"])
        given.add("feedback")
    options = WorldOptions(**opts)
    assert given <= {f.name for f in fields(WorldOptions)}
    return device, key, options, frozenset(given), found["port"]


class Serial(SerialBase):
    """A simulated device port (pyserial ``SerialBase``): see the module docstring."""

    is_open: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._world: World | None = None
        self._device = "box"
        self._protocol: str | None = None
        self._responder: Any = None
        self._buf = bytearray()
        self._tx_pending: list[tuple[float, bytes]] = []  # treadmill answers in flight
        self._lock = threading.Lock()
        self._flip = 0.0
        self._drop = 0.0
        self._rng = np.random.default_rng(0)
        self._lost = False
        self.used = False  # a host has read or written (SimDevices.hold_until_opened)
        super().__init__(*args, **kwargs)

    # -- pyserial plumbing ---------------------------------------------------------------------

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        try:
            device, key, options, given, port_opts = parse_sim_url(self._port)
        except InputError as err:
            raise SerialException(f"bad sim:// URL: {err}") from err
        world = get_world(key, options, given)
        world.advance()
        if device == "box" and not world.plugged():
            raise SerialException(
                2, f"could not open port {self._port}: [Errno 2] No such file or directory"
            )
        self._world = world
        self._device = "box" if device == "box" else "treadmill"
        self._protocol = device if device in ("trackmaster", "csafe") else None
        if "protocol_csafe" in port_opts:
            self._protocol = "csafe" if port_opts["protocol_csafe"] else "trackmaster"
        self._flip = port_opts.get("flip", 0.0)
        self._drop = port_opts.get("drop", 0.0)
        self._rng = np.random.default_rng(options.seed + 1000)
        self._buf = bytearray()
        self._lost = False
        if self._device == "box":
            world.box_listeners.append(self._on_box_bytes)
        world.ports.add(self)
        self.is_open = True

    def close(self) -> None:
        if self.is_open and self._world is not None:
            with self._world.lock:
                if self._on_box_bytes in self._world.box_listeners:
                    self._world.box_listeners.remove(self._on_box_bytes)
                self._world.ports.discard(self)
        self.is_open = False
        super().close()

    def _reconfigure_port(self) -> None:
        """Baud rate, parity and the like do not matter to a simulated device."""

    def from_url(self, url: str) -> str:
        return url

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return True

    # -- data ---------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        if not self.is_open or self._world is None:
            raise PortNotOpenError()
        return self._world

    @property
    def clock(self) -> Any:
        """The world's time, for a session in this process (:meth:`World.host_clock`)."""
        return self.world.host_clock()

    @property
    def in_waiting(self) -> int:
        self._pump()
        with self._lock:
            return len(self._buf)

    @property
    def out_waiting(self) -> int:
        return 0

    def read(self, size: int = 1) -> bytes:
        """Up to ``size`` bytes; waits for them at most ``timeout`` seconds (None = forever)."""
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        self.used = True
        while True:
            self._pump()
            with self._lock:
                if len(self._buf) >= size or (self._buf and self._timeout == 0):
                    out = bytes(self._buf[:size])
                    del self._buf[:size]
                    return out
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                with self._lock:
                    out = bytes(self._buf[:size])
                    del self._buf[:size]
                return out
            nap = self._nap()
            time.sleep(nap if remaining is None else max(0.0, min(nap, remaining)))

    def write(self, data: bytes | bytearray | memoryview) -> int:
        world = self.world
        payload = bytes(data)
        self.used = True
        if self._device == "box":
            return len(payload)  # version 1 boxes take no commands: bytes are ignored
        with world.lock:
            now = world.advance()
            responder = self._treadmill_responder(payload)
            answer = world.treadmill_answer(responder, payload, now)
        if answer:
            rate = _TREADMILL_BYTE_RATE[self._protocol or "trackmaster"]
            with self._lock:
                self._tx_pending.append((now + len(answer) / rate, answer))
        return len(payload)

    def reset_input_buffer(self) -> None:
        with self._lock:
            self._buf.clear()

    def reset_output_buffer(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def cancel_read(self) -> None:
        pass

    # -- internals ----------------------------------------------------------------------------

    def _pump(self) -> None:
        world = self.world
        with world.lock:
            now = world.advance()
            if self._device == "box":
                if not world.plugged(now):
                    self._lost = True
                    raise SerialException(
                        "device reports readiness to read but returned no data "
                        "(device disconnected or multiple access on port?)"
                    )
                return
        with self._lock:
            while self._tx_pending and self._tx_pending[0][0] <= now:
                self._buf += self._tx_pending.pop(0)[1]

    def _nap(self) -> float:
        """Wall seconds until something may arrive: the box's next frame (0.5-5 ms); the
        treadmill's next answer, or a 2 ms look."""
        world = self.world
        if self._device == "box":
            wait = world.wall_seconds(world.next_box_arrival() - world.now())
            return min(max(wait, 0.0005), 0.005)
        now = world.now()  # never take the world's lock while holding the port's
        with self._lock:
            if self._tx_pending:
                wait = world.wall_seconds(self._tx_pending[0][0] - now)
                return min(max(wait, 0.0005), 0.005)
        return 0.002

    def _on_box_bytes(self, data: bytes, now: float) -> None:
        """World listener: box bytes that arrived (faults of this port applied)."""
        if self._flip or self._drop:
            arr = np.frombuffer(data, dtype=np.uint8).copy()
            if self._flip:
                hits = np.flatnonzero(self._rng.random(arr.size) < self._flip)
                arr[hits] ^= (1 << self._rng.integers(0, 8, hits.size)).astype(np.uint8)
            if self._drop:
                arr = arr[self._rng.random(arr.size) >= self._drop]
            data = arr.tobytes()
        with self._lock:
            self._buf += data
            if len(self._buf) > 4 * 1024 * 1024:  # nobody reads: keep the newest 4 MiB
                del self._buf[: len(self._buf) - 4 * 1024 * 1024]

    def _treadmill_responder(self, first: bytes) -> Any:
        """The world's console for this port's protocol (detected from the first bytes)."""
        if self._responder is None:
            proto = self._protocol
            if proto is None:
                proto = "csafe" if first[:1] in (b"\xf0", b"\xf1") else "trackmaster"
            self._protocol = proto
            self._responder = self.world.responder(proto)
        return self._responder


__all__ = ["Serial", "parse_sim_url", "serial"]
