"""Simulated devices for one test: a world served on pseudo-terminals from a thread of the
test process, its truth and its fault controls, and a teardown that leaves nothing behind.

This is what the ``stride_sim`` pytest fixture (``stride.testing``) yields; other test
runners use it directly::

    with start_devices(WorldOptions(profile="antalgic-left:0.4", seed=1)) as sim:
        port = serial.Serial(sim.box, timeout=0.1)
        ...

In-process rather than a ``stride sim serve`` subprocess: it is up in milliseconds once the
simulator is imported (a subprocess pays the interpreter and numpy start-up every time,
``benchmarks/sim_fixture.py``), its teardown cannot leave a process behind, and its truth and
faults are plain calls (the same :class:`~sim.world.World` methods the control socket runs).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import itertools
import json
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from devices.errors import InputError
from devices.units import parse_speed
from sim.box import check_rate
from sim.serve import TREADMILLS, Server
from sim.session import TRUTH_FILE, SessionSpec
from sim.truth import TRUTH_COLUMNS, match_steps
from sim.world import World, WorldOptions, drop_world, get_world

_KEYS = itertools.count(1)
#: Real seconds a held world waits for a program to open its box.
HOLD_TIMEOUT_S = 60.0
DEVICE_DEFAULTS: dict[str, object] = {
    "profile": "healthy",
    "seed": 0,
    "treadmill": "trackmaster",
    "speed": "3.6kmh",
    "rate": 1000,
    "speedup": 1.0,
    "sensors": "heel-toe",
    "noise": "nominal",
}
RECORDING_DEFAULTS: dict[str, object] = {
    "profile": "healthy",
    "minutes": 1.0,
    "seed": 0,
    "speed": "3.6kmh",
    "rate": 1000,
    "sensors": "heel-toe",
    "noise": "nominal",
}


def _speed_text(speed: object) -> str:
    """``"3.6kmh"`` as given, or a number of m/s as ``"1.0mps"``."""
    if isinstance(speed, str):
        return speed
    if isinstance(speed, int | float) and not isinstance(speed, bool):
        return f"{float(speed)}mps"
    raise ValueError("a speed is a string such as '3.6kmh' or a number of m/s")


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("not a whole number")
    return int(value)


def _real(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("not a number")
    return float(value)


def _read(given: Mapping[str, object], marker: str, defaults: Mapping[str, object]) -> Any:
    """The marker's values converted by name (InputError naming a bad or unknown one)."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise InputError(
            f"the {marker} marker has no option {unknown[0]!r}",
            fix=f"use {', '.join(defaults)}",
        )
    kinds = {"seed": _whole, "rate": _whole, "speedup": _real, "minutes": _real}
    out: dict[str, Any] = {}
    for name, default in defaults.items():
        value = given.get(name, default)
        try:
            out[name] = kinds.get(name, _speed_text if name == "speed" else str)(value)
        except ValueError as err:
            raise InputError(
                f"cannot read {name}={value!r} in the {marker} marker: {err}",
                fix="see docs/testing.md",
            ) from None
    return out


def device_options(given: Mapping[str, object]) -> tuple[WorldOptions, str]:
    """The world and treadmill protocol of a ``stride_sim`` marker's keyword arguments;
    InputError naming the choices for anything unknown."""
    v = _read(given, "stride_sim", DEVICE_DEFAULTS)
    if v["treadmill"] not in TREADMILLS:
        raise InputError(
            f"unknown treadmill {v['treadmill']!r} in the stride_sim marker",
            fix=f"use one of {', '.join(TREADMILLS)}",
        )
    options = WorldOptions(
        profile=v["profile"],
        seed=v["seed"],
        rate_hz=check_rate(v["rate"]),
        sensors=v["sensors"],
        noise=v["noise"],
        speed_mps=parse_speed(v["speed"]),
        speedup=v["speedup"],
    )
    return options, v["treadmill"]


def recording_spec(given: Mapping[str, object]) -> SessionSpec:
    """The session of a ``stride_recording`` marker's keyword arguments."""
    from sim.cli_support import build_spec

    return build_spec(**_read(given, "stride_recording", RECORDING_DEFAULTS))


class SimDevices:
    """A running simulated world on ports (see the module docstring). Times are world
    seconds; the truth's times are the box's clock from the world's start (:meth:`now`)."""

    def __init__(
        self,
        options: WorldOptions,
        treadmill: str = "trackmaster",
        *,
        held_until_opened: bool = False,
    ) -> None:
        """``held_until_opened``: the world's time stands still from its creation until a
        program opens the box (see :meth:`hold_until_opened`), so the session walks the
        walk from its start however long the ports and their server took to start."""
        self.key = f"stride-sim-{os.getpid()}-{next(_KEYS)}"
        _register_sim_urls()
        self.world: World = get_world(self.key, options, frozenset())
        self._stop = threading.Event()
        if held_until_opened:  # before the server's thread lives any of the world's time
            self._hold_from(self.world.now(), HOLD_TIMEOUT_S)
        self.directory = Path(tempfile.mkdtemp(prefix="stride-sim-"))
        self.notices: list[str] = []
        try:
            self.server = Server(self.directory, self.world, treadmill, say=self.notices.append)
        except BaseException:
            self._stop.set()
            drop_world(self.key)
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        self.treadmill_protocol = treadmill
        self._thread = threading.Thread(
            target=self.server.run, args=(self._stop,), name=f"{self.key}-server", daemon=True
        )
        self._thread.start()

    # -- ports --------------------------------------------------------------------------------

    @property
    def box(self) -> str:
        """Path of the box's port (a symlink to its pseudo-terminal; it follows a replug)."""
        return str(self.directory / "box")

    @property
    def treadmill(self) -> str:
        """Path of the treadmill's port."""
        return str(self.directory / "treadmill")

    @property
    def control(self) -> str:
        """Path of the control socket (:mod:`sim.control`), for programs in other languages."""
        return str(self.directory / "control")

    @property
    def box_url(self) -> str:
        """``sim://`` URL of the same box, opened in this process without a terminal."""
        return f"sim://box?world={self.key}"

    @property
    def treadmill_url(self) -> str:
        return f"sim://{self.treadmill_protocol}?world={self.key}"

    @property
    def treadmill_arg(self) -> str:
        """What ``stride live --treadmill`` takes: ``trackmaster:/tmp/stride-sim-x/treadmill``."""
        return f"{self.treadmill_protocol}:{self.treadmill}"

    # -- truth and faults (World methods) ---------------------------------------------------------

    def now(self) -> float:
        """Now on the box's clock from the world's start (the time base of the truth)."""
        return self.world.box_clock_s()

    def truth_steps(self) -> list[dict[str, Any]]:
        """The true steps so far in the JSON step columns (plus ``contact``, ``belt_m``,
        ``placement_m``); the last ones may still be open (``fc_s`` null)."""
        return [row.as_dict() for row in self.world.truth_steps()]

    def truth_for(
        self, steps: Sequence[Mapping[str, Any]], *, tolerance_s: float = 0.02
    ) -> list[Mapping[str, Any] | None]:
        """The true step behind each of another program's ``steps`` (its times start at its
        own zero: the clocks are aligned first), None where none is within ``tolerance_s``;
        see :func:`sim.truth.match_steps`."""
        return match_steps(steps, self.truth_steps(), tolerance_s=tolerance_s)

    def belt_speed_mps(self) -> float:
        return self.world.belt_speed_mps()

    def unplug(self, seconds: float) -> tuple[float, float]:
        return self.world.unplug(seconds)

    def garbage(self, n_bytes: int) -> None:
        self.world.garbage(n_bytes)

    def flip_bits(self, every_n_bytes: int) -> None:
        self.world.flip_bits(every_n_bytes)

    def silence_treadmill(self, seconds: float) -> float:
        return self.world.silence_treadmill(seconds)

    def set_profile(self, profile: str) -> str:
        return self.world.set_profile(profile)

    def hold_until_opened(self, timeout_s: float = HOLD_TIMEOUT_S) -> None:
        """Stop the world's time where it is until a program opens the box (a ``sim://``
        port in this process, or its pseudo-terminal in this process or a child), or for
        ``timeout_s`` real seconds: runs that start at different moments then walk the same
        stretch of the walk (the world is seeded; only its clock differs). With ``sim://``
        ports, until every port opened is used (read or written): a session that opens the
        box and the treadmill, then takes its time to start reading and polling (loading
        its kernels on a busy machine), would otherwise find seconds of the walk waiting
        in the port at 20 times real time, stamped late, and its first polls that late.

        The world has lived since its creation, a moment that grows with the machine's
        load (at 20 times real time, a tenth of a second is two seconds of walking): a run
        that must start where the walk starts is made with ``held_until_opened=True``."""
        self._hold_from(self.world.now(), timeout_s)

    def _hold_from(self, at: float, timeout_s: float) -> None:
        """Hold the world at world time ``at`` (not before anything saw it) until the box is
        opened and used, from a thread of its own (a hold is a thread's, ending with it)."""
        held = threading.Event()
        world = self.world

        def opened() -> bool:
            if world.ports:
                return all(getattr(p, "used", True) for p in list(world.ports))
            server: Server | None = getattr(self, "server", None)  # None while it starts
            tty = None if server is None else server.box_tty
            if server is None or tty is None:
                return False
            try:
                rdev = os.stat(tty).st_rdev
            except OSError:
                return False
            return bool(_fds_holding(rdev, server.own_fds()) or _children_holding(tty))

        def hold() -> None:
            world.hold(at)
            held.set()
            deadline = time.monotonic() + timeout_s
            while not self._stop.is_set() and not opened() and time.monotonic() < deadline:
                time.sleep(0.002)
            world.release()

        threading.Thread(target=hold, name=f"{self.key}-hold", daemon=True).start()
        held.wait()

    # -- teardown -------------------------------------------------------------------------------

    def close(self) -> list[str]:
        """Stop the server and remove everything it made; one line per port the test left
        open (ports this process holds are closed here; other processes are named)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        left: list[str] = []
        try:
            for port in list(self.world.ports):  # sim:// ports still open
                left.append(f"port {port.port} was left open; closed it")
                port.close()
            ttys = {"box": self.server.box_tty, "treadmill": self.server.treadmill_tty}
            own = self.server.own_fds()
            for name, tty in ttys.items():
                if tty is not None:
                    left += _left_open(name, getattr(self, name), tty, own)
        finally:
            self.server.close()
            drop_world(self.key)
            shutil.rmtree(self.directory, ignore_errors=True)
        return left

    def __enter__(self) -> SimDevices:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def start_devices(
    options: WorldOptions, treadmill: str = "trackmaster", *, held_until_opened: bool = False
) -> Iterator[SimDevices]:
    """:class:`SimDevices` for a ``with`` block."""
    devices = SimDevices(options, treadmill, held_until_opened=held_until_opened)
    try:
        yield devices
    finally:
        devices.close()


def _left_open(name: str, path: str, tty: str, own: set[int]) -> list[str]:
    """Who still holds the terminal ``tty``: descriptors of this process (their pyserial
    ports are closed here) and, on Linux, child processes."""
    try:
        rdev = os.stat(tty).st_rdev
    except OSError:
        return []
    out = []
    for fd in _fds_holding(rdev, own):
        closed = [p for p in _serial_ports_on(fd) if _close(p)]
        what = f"port {name} ({path} -> {tty}) was left open (fd {fd})"
        out.append(f"{what}; closed it" if closed else f"{what}; not a pyserial port, left as is")
    for pid, cmd in _children_holding(tty):
        out.append(f"port {name} ({path} -> {tty}) is still open in process {pid} ({cmd})")
    return out


def _fds_holding(rdev: int, own: set[int]) -> list[int]:
    base = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    found = []
    for entry in os.listdir(base):
        fd = int(entry)
        if fd in own:
            continue
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == rdev:
            found.append(fd)
    return found


def _serial_ports_on(fd: int) -> list[Any]:
    """pyserial ports of this process whose descriptor is ``fd`` (found by the collector)."""
    serial = sys.modules.get("serial")
    if serial is None:
        return []
    base = serial.SerialBase
    return [
        o
        for o in gc.get_objects()
        if isinstance(o, base) and getattr(o, "is_open", False) and getattr(o, "fd", None) == fd
    ]


def _close(port: Any) -> bool:
    with contextlib.suppress(Exception):
        port.close()
    return not getattr(port, "is_open", True)


def _children_holding(tty: str) -> list[tuple[int, str]]:
    """(pid, command) of child processes holding ``tty`` open (Linux /proc; else none)."""
    pids: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
    out = []
    for pid in pids:
        with contextlib.suppress(OSError):
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(_readlink(f"/proc/{pid}/fd/{fd}") == tty for fd in fds):
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                out.append((pid, cmd[:80]))
    return out


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _register_sim_urls() -> None:
    """Make ``sim://`` URLs open with ``serial.serial_for_url`` (the ``*_url`` properties)."""
    import serial

    if "sim.urlhandler" not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append("sim.urlhandler")


class SimRecording:
    """A simulated session directory (a recording as ``stride live`` writes one, with
    ``truth_steps.csv``), made by :func:`record_session`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.meta: dict[str, Any] = json.loads((path / "session.json").read_text("utf-8"))

    @property
    def truth_path(self) -> Path:
        return self.path / TRUTH_FILE

    def truth_steps(self) -> list[dict[str, Any]]:
        """The true steps in the JSON step columns (empty cells are None)."""
        with self.truth_path.open(newline="", encoding="utf-8") as f:
            return [_truth_row(row) for row in csv.DictReader(f)]


def _truth_row(row: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in TRUTH_COLUMNS:
        cell = row[name]
        if name in ("side", "contact"):
            out[name] = cell
        elif name == "flags":
            out[name] = [f for f in cell.split(";") if f]
        else:
            out[name] = float(cell) if cell else None
    return out


def record_session(out: Path, spec: SessionSpec) -> SimRecording:
    """Simulate ``spec`` into the new directory ``out``."""
    from sim.session import simulate_session

    simulate_session(out, spec)
    return SimRecording(out)
