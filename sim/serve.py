"""``stride sim serve``: the simulated box and treadmill as pseudo-terminals.

Any program opens ``DIR/box`` and ``DIR/treadmill`` as serial ports (pyserial, minicom, a
LabVIEW VI...). The server owns the master side of each pseudo-terminal and keeps its own
handle on the slave side, so clients can open and close the ports as often as they like, as
with a real device; what the box sends while nobody reads is discarded once the terminal's
buffer is full (a real USB box's bytes are lost the same way). Runs until Ctrl-C or SIGTERM,
then removes its symlinks.
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
import time
import tty
from pathlib import Path
from types import FrameType

from devices.errors import InputError
from devices.units import parse_speed
from sim.world import World, WorldOptions

TICK_S = 0.002


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

    def write(self, data: bytes) -> None:
        """Write what fits; when the terminal is full (nobody reading), discard its backlog."""
        try:
            n = os.write(self.master, data)
        except BlockingIOError:
            n = 0
        except OSError as err:
            if err.errno not in (errno.EIO, errno.EAGAIN):
                raise
            n = 0
        if n < len(data):
            self.dropped += len(data) - n
            termios.tcflush(self.slave, termios.TCIFLUSH)

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
    if treadmill not in ("trackmaster", "csafe"):
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
    world = World(options)
    boxes: list[_Pty] = [_Pty(directory / "box")]  # the current box terminal, if plugged
    belt = _Pty(directory / "treadmill")
    responder = world.responder(treadmill)

    def to_box(data: bytes, now: float) -> None:
        if boxes:
            boxes[0].write(data)

    world.box_listeners.append(to_box)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    started = time.monotonic()
    try:  # a Ctrl-C while the paths are printed stops it cleanly too
        print(f"box: {boxes[0].link} -> {boxes[0].name}", flush=True)
        print(f"treadmill ({treadmill}): {belt.link} -> {belt.name}", flush=True)
        print("serving; Ctrl-C or SIGTERM stops", flush=True)
        while stop_after_s is None or time.monotonic() - started < stop_after_s:
            ready, _, _ = select.select([belt.master], [], [], TICK_S)
            with world.lock:
                now = world.advance()
                if boxes and not world.plugged(now):
                    boxes.pop().close()
                    print(f"box unplugged at {now:.1f} s", flush=True)
                elif not boxes and world.plugged(now):
                    boxes.append(_Pty(directory / "box"))
                    print(f"box plugged in at {now:.1f} s: {boxes[0].name}", flush=True)
                if ready:
                    data = belt.read()
                    if data:
                        answer = responder.feed(data, now)
                        if answer:
                            belt.write(answer)
    except _Stop:
        pass
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        for b in boxes:
            b.close()
        belt.close()
        print(f"stopped after {world.now():.1f} s of simulated walking", file=sys.stderr)
