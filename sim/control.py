"""The control socket of ``stride sim serve``: fault commands from a test in any language.

``DIR/control`` is a Unix stream socket. A client sends one command per line (UTF-8 text,
words separated by spaces) and gets one JSON object per line back, in order::

    $ echo "unplug 3" | socat - UNIX-CONNECT:/tmp/sim/control
    {"ok": true, "command": "unplug", "from_s": 12.5, "until_s": 15.5}

Commands (times in world seconds; the names are those of the Python API, ``sim.world.World``
and the ``stride_sim`` pytest fixture):

=========================== ==========================================================
``unplug SECONDS``          the box's cable is out for SECONDS, then it powers up again
``garbage N_BYTES``         N_BYTES random bytes on the box's line, between two frames
``flip_bits EVERY_N_BYTES`` flip one bit in every n-th byte the box sends (0 stops)
``silence_treadmill SECONDS`` the treadmill's answers are lost for SECONDS
``set_profile PROFILE``     walk with another gait profile, e.g. ``antalgic-left:0.4``
``truth_steps``             the true steps so far (``steps``: the JSON step columns)
``belt_speed_mps``          the belt's actual speed now
``status``                  world time, profile, plugged, faults injected so far
``help``                    this list
=========================== ==========================================================

A command that cannot be done answers ``{"ok": false, "error": ..., "fix": ...}``; the
connection stays open. A line longer than 4 KiB is answered with an error and skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devices.errors import InputError
from sim.world import World

MAX_LINE = 4096
SUN_PATH_MAX = 107  # bytes of a Unix socket path (sun_path holds 108 with the final NUL)
SEND_TIMEOUT_S = 5.0

USAGE = {
    "unplug": "unplug SECONDS",
    "garbage": "garbage N_BYTES",
    "flip_bits": "flip_bits EVERY_N_BYTES",
    "silence_treadmill": "silence_treadmill SECONDS",
    "set_profile": "set_profile PROFILE",
    "truth_steps": "truth_steps",
    "belt_speed_mps": "belt_speed_mps",
    "status": "status",
    "help": "help",
}


def _number(words: list[str], kind: Callable[[str], Any]) -> Any:
    if len(words) != 2:
        raise InputError(f"{words[0]} takes one value", fix=f"send: {USAGE[words[0]]}")
    try:
        return kind(words[1])
    except ValueError:
        raise InputError(
            f"cannot read {words[1]!r} as a number", fix=f"send: {USAGE[words[0]]}"
        ) from None


def execute(world: World, line: str) -> dict[str, Any]:
    """Run one command line on ``world``; the JSON-able answer (never raises InputError)."""
    words = line.split()
    name = words[0].lower() if words else ""
    answer: dict[str, Any] = {"ok": True, "command": name}
    try:
        if name == "unplug":
            answer["from_s"], answer["until_s"] = world.unplug(_number(words, float))
        elif name == "garbage":
            world.garbage(_number(words, int))
        elif name == "flip_bits":
            world.flip_bits(_number(words, int))
        elif name == "silence_treadmill":
            answer["until_s"] = world.silence_treadmill(_number(words, float))
        elif name == "set_profile":
            if len(words) != 2:
                raise InputError("set_profile takes one profile", fix="send: set_profile NAME:S")
            answer["profile"] = world.set_profile(words[1])
        elif name == "truth_steps":
            answer["steps"] = [row.as_dict() for row in world.truth_steps()]
            answer["dropped"] = world.truth.dropped
        elif name == "belt_speed_mps":
            answer["speed_mps"] = world.belt_speed_mps()
        elif name == "status":
            answer.update(status(world))
        elif name == "help":
            answer["commands"] = list(USAGE.values())
        else:
            raise InputError(
                f"unknown command {name or line!r}", fix=f"send one of: {', '.join(USAGE)}"
            )
    except InputError as err:
        return {"ok": False, "command": name, "error": err.problem, "fix": err.fix}
    return answer


def status(world: World) -> dict[str, Any]:
    with world.lock:
        now = world.advance()
        return {
            "now_s": now,
            "box_clock_s": now * world.box_config.clock_scale,
            "profile": world.profile,
            "plugged": world.plugged(now),
            "power_ups": world.power_ups,
            "speedup": world.options.speedup,
            "injected": dict(world.faults.injected),
        }


class ControlSocket:
    """The listening socket and its clients, served from the server's select loop."""

    def __init__(self, path: Path, world: World) -> None:
        if len(os.fsencode(path)) > SUN_PATH_MAX:
            raise InputError(
                f"control socket path {path} is longer than {SUN_PATH_MAX} bytes",
                fix="choose a shorter --dir (Unix sockets take short paths only)",
            )
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISSOCK(path.lstat().st_mode):
                raise InputError(f"{path} exists and is not a socket", fix="choose another --dir")
            path.unlink()  # a socket left by a server that was killed
        self.path = path
        self.world = world
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(8)
        self.listener.setblocking(False)
        self.clients: dict[socket.socket, bytearray] = {}
        self.skipping: set[socket.socket] = set()  # clients in the middle of an overlong line

    def sockets(self) -> list[socket.socket]:
        return [self.listener, *self.clients]

    def serve(self, ready: list[Any]) -> None:
        """Accept new clients and answer complete lines from those in ``ready``."""
        for sock in ready:
            if sock is self.listener:
                with contextlib.suppress(BlockingIOError):
                    conn, _ = self.listener.accept()
                    conn.settimeout(SEND_TIMEOUT_S)  # recv only when select says readable
                    self.clients[conn] = bytearray()
            elif sock in self.clients:
                self._read(sock)

    def _read(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(MAX_LINE)
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        buf = self.clients[conn]
        if conn in self.skipping:  # the rest of an overlong line
            _, newline, data = data.partition(b"\n")
            if not newline:
                return
            self.skipping.discard(conn)
        buf += data
        while b"\n" in buf:
            raw, _, rest = bytes(buf).partition(b"\n")
            buf[:] = rest
            self._answer(conn, execute(self.world, raw.decode("utf-8", "replace")))
        if len(buf) > MAX_LINE:
            buf.clear()
            self.skipping.add(conn)
            self._answer(
                conn,
                {"ok": False, "error": "line too long", "fix": "send one command per line"},
            )

    def _answer(self, conn: socket.socket, answer: dict[str, Any]) -> None:
        try:
            conn.sendall((json.dumps(answer) + "\n").encode())
        except OSError:  # the client went away or stopped reading
            self._drop(conn)

    def _drop(self, conn: socket.socket) -> None:
        self.clients.pop(conn, None)
        self.skipping.discard(conn)
        conn.close()

    def close(self) -> None:
        for conn in list(self.clients):
            self._drop(conn)
        self.listener.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
