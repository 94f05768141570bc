"""``stride sim serve``: the simulated box and treadmill as pseudo-terminals.

Any program opens ``DIR/box`` and ``DIR/treadmill`` as serial ports (pyserial, minicom, a
LabVIEW VI...). The server owns the master side of each pseudo-terminal and keeps its own
handle on the slave side, so clients can open and close the ports as often as they like, as
with a real device; what the box sends while nobody reads is discarded once the terminal's
buffer and the server's queue behind it are full (a real USB box's bytes are lost the same
way). Runs until Ctrl-C or SIGTERM, then removes its symlinks. Fault commands arrive on
``DIR/control`` (:mod:`sim.control`).
The :class:`Server` also runs in a thread of a test process (the ``stride_sim`` fixture).
"""

from __future__ import annotations

import contextlib
import errno
import os
import pty
import select
import signal
import sys
import termios
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from devices.errors import InputError
from devices.units import parse_speed
from sim.control import ControlSocket
from sim.world import World, WorldOptions

TICK_S = 0.002
#: Real seconds a box terminal stays full before its backlog counts as unread and goes.
STALE_S = 1.0
#: Bytes a box terminal's writer holds while the terminal is full (about 5 s at 1 kHz x 4
#: channels and speedup 10).
PENDING_MAX = 512 * 1024
TREADMILLS = ("trackmaster", "csafe")


class _Pty:
    """One pseudo-terminal: master (ours), slave kept open by us too, symlink for clients."""

    def __init__(self, link: Path) -> None:
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)  # binary: no echo, no newline translation
        os.set_blocking(self.master, False)
        self.name = os.ttyname(self.slave)
        self.link = link
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(self.name)
        self.dropped = 0
        self.flushes = 0  # backlogs discarded (no reader for STALE_S)
        self.pending = bytearray()  # bytes waiting for room in the terminal
        self._stuck_since: float | None = None  # real time the terminal last took nothing

    def write(self, data: bytes) -> None:
        """Queue ``data`` and write what the terminal takes.

        Bytes that do not fit wait here, up to ``PENDING_MAX`` (as a USB serial adapter's
        driver holds them), so a burst after the server or the reader was held up for a
        moment arrives whole; beyond that the newest are lost, as an overrunning UART
        loses them. A terminal that has taken nothing for ``STALE_S`` has no reader: its
        backlog and the queue are discarded, so a client that opens it later starts on
        fresh bytes. A reader that is merely slow keeps its backlog: discarding it between
        the reader's ``select`` and its ``read`` would make the read return nothing, which
        pyserial takes for a device that went away.
        """
        room = PENDING_MAX - len(self.pending)  # never negative: the queue stops there
        if len(data) > room:
            self.dropped += len(data) - room
            data = data[:room]
        self.pending += data
        if not self.pending:
            return
        try:
            n = os.write(self.master, self.pending)
        except BlockingIOError:
            n = 0
        except OSError as err:
            if err.errno not in (errno.EIO, errno.EAGAIN):
                raise
            n = 0
        del self.pending[:n]
        if not self.pending:
            self._stuck_since = None
            return
        now = time.monotonic()
        if n > 0 or self._stuck_since is None:
            self._stuck_since = now
        elif now - self._stuck_since >= STALE_S:
            termios.tcflush(self.slave, termios.TCIFLUSH)
            self.dropped += len(self.pending)
            self.pending.clear()
            self.flushes += 1
            self._stuck_since = None

    def read(self) -> bytes:
        try:
            return os.read(self.master, 4096)
        except (BlockingIOError, OSError):
            return b""

    def close(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            if self.link.is_symlink():
                self.link.unlink()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class _Stop(Exception):
    pass


def parse_times(text: str) -> tuple[float, ...]:
    """``"30,90"`` -> (30.0, 90.0); empty -> (); anything else -> InputError."""
    try:
        times = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise InputError(
            f"cannot read times {text!r}", fix="write seconds separated by commas, e.g. 30,90"
        ) from None
    if any(not (t >= 0) for t in times):
        raise InputError(f"times {text!r} must be >= 0", fix="e.g. 30,90")
    return times


def prepare_directory(directory: Path) -> None:
    """Create ``directory`` for the symlinks, refusing paths that hold something else."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} exists and is not a directory", fix="choose another --dir")
    for name in ("box", "treadmill"):
        p = directory / name
        if p.exists() and not p.is_symlink():
            raise InputError(f"{p} exists and is not a symlink", fix="choose another --dir")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a file where a folder should be, read-only disk
        raise InputError(
            f"cannot create --dir {directory}: {err.strerror or err}",
            fix="choose another --dir; every part of it must be a folder you can write to",
        ) from err


class Server:
    """A world's box and treadmill on pseudo-terminals ``DIR/box`` and ``DIR/treadmill``,
    with fault commands on ``DIR/control`` (:mod:`sim.control`).

    :meth:`run` serves until ``stop`` is set (from another thread) or for ``stop_after_s``;
    :meth:`close` removes everything the server made. ``say`` receives its one-line notices
    (plugged, unplugged, a control socket that could not be made).
    """

    def __init__(
        self,
        directory: Path,
        world: World,
        treadmill: str = "trackmaster",
        *,
        control: bool = True,
        say: Callable[[str], None] = print,
    ) -> None:
        if treadmill not in TREADMILLS:
            raise InputError(
                f"unknown treadmill protocol {treadmill!r}", fix="use trackmaster or csafe"
            )
        prepare_directory(directory)
        self.directory = directory
        self.world = world
        self.treadmill_protocol = treadmill
        self.say = say
        self.responder = world.responder(treadmill)
        self.boxes: list[_Pty] = []  # the current box terminal, if plugged
        self.belt: _Pty | None = None
        self.control: ControlSocket | None = None
        try:
            self.boxes.append(_Pty(directory / "box"))
            self.belt = _Pty(directory / "treadmill")
            if control:
                try:
                    self.control = ControlSocket(directory / "control", world)
                except InputError as err:
                    say(f"warning: no control socket: {err}")
        except BaseException:
            self.close()
            raise
        world.box_listeners.append(self._to_box)

    def _to_box(self, data: bytes, now: float) -> None:
        if self.boxes:
            self.boxes[0].write(data)

    @property
    def box_tty(self) -> str | None:
        """The terminal the box is on now (None while unplugged)."""
        return self.boxes[0].name if self.boxes else None

    @property
    def treadmill_tty(self) -> str:
        assert self.belt is not None
        return self.belt.name

    def own_fds(self) -> set[int]:
        """The server's own descriptors of its terminals (both sides)."""
        ptys = [*self.boxes, *([self.belt] if self.belt is not None else [])]
        return {fd for p in ptys for fd in (p.master, p.slave)}

    def step(self, timeout: float = TICK_S) -> None:
        """Wait up to ``timeout`` for the host's bytes or a control client; serve them and
        bring the world up to now."""
        belt = self.belt
        assert belt is not None
        watched: list[Any] = [belt.master]
        if self.control is not None:
            watched += self.control.sockets()
        ready, _, _ = select.select(watched, [], [], timeout)
        world = self.world
        with world.lock:
            if self.boxes and self.boxes[0].pending:
                self.boxes[0].write(b"")  # room the reader made since the last tick
            now = world.advance()
            if self.boxes and not world.plugged(now):
                self.boxes.pop().close()
                self.say(f"box unplugged at {now:.1f} s")
            elif not self.boxes and world.plugged(now):
                self.boxes.append(_Pty(self.directory / "box"))
                self.say(f"box plugged in at {now:.1f} s: {self.boxes[0].name}")
            if belt.master in ready:
                data = belt.read()
                if data:
                    answer = world.treadmill_answer(self.responder, data, now)
                    if answer:
                        belt.write(answer)
        if self.control is not None and ready:
            self.control.serve([r for r in ready if r is not belt.master])

    def run(self, stop: threading.Event | None = None, stop_after_s: float | None = None) -> None:
        started = time.monotonic()
        while not (stop is not None and stop.is_set()):
            if stop_after_s is not None and time.monotonic() - started >= stop_after_s:
                return
            self.step()

    def close(self) -> None:
        """Remove the symlinks and the socket, close the terminals (idempotent)."""
        with self.world.lock:
            if self._to_box in self.world.box_listeners:
                self.world.box_listeners.remove(self._to_box)
        if self.control is not None:
            self.control.close()
            self.control = None
        while self.boxes:
            self.boxes.pop().close()
        if self.belt is not None:
            self.belt.close()
            self.belt = None


def serve_forever(
    *,
    directory: Path,
    profile: str = "healthy",
    seed: int = 0,
    rate: int = 1000,
    speed: str = "3.6kmh",
    treadmill: str = "trackmaster",
    speedup: float = 1.0,
    unplug_at_s: tuple[float, ...] = (),
    unplug_s: float = 3.0,
    stop_after_s: float | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or ``stop_after_s`` wall seconds, for tests).

    ``unplug_at_s`` (world seconds): the box disappears for ``unplug_s`` — its terminal is
    closed and its symlink removed, so clients see the port vanish — then comes back on a
    new terminal under the same symlink, freshly powered up.
    """
    if treadmill not in TREADMILLS:
        raise InputError(
            f"unknown treadmill protocol {treadmill!r}", fix="use trackmaster or csafe"
        )
    options = WorldOptions(  # validated before anything is created on disk
        profile=profile,
        seed=seed,
        rate_hz=rate,
        speed_mps=parse_speed(speed),
        speedup=speedup,
        unplug_at_s=tuple(unplug_at_s),
        unplug_s=unplug_s,
    )
    prepare_directory(directory)
    world = World(options)

    def say(line: str) -> None:
        print(line, flush=True)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    # The handlers come first: a client that sees the ports may stop the server at once.
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    server: Server | None = None
    try:
        server = Server(directory, world, treadmill, say=say)
        say(f"box: {directory / 'box'} -> {server.box_tty}")
        say(f"treadmill ({treadmill}): {directory / 'treadmill'} -> {server.treadmill_tty}")
        if server.control is not None:
            say(f"control: {server.control.path} (send 'help')")
        say("serving; Ctrl-C or SIGTERM stops")
        server.run(stop_after_s=stop_after_s)
    except _Stop:
        pass
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if server is not None:
            server.close()
        print(f"stopped after {world.now():.1f} s of simulated walking", file=sys.stderr)
