"""Faults injected into a running world on demand: what a test (or ``stride sim serve``'s
control socket) asks for while the devices are in use.

Every fault is in world seconds and applies to every port of the world (its pseudo-terminals
and its ``sim://`` ports alike), from the moment it is asked for:

- ``unplug(seconds)``: the box's cable is out (reads fail, opens are refused, the pty
  vanishes); it comes back powered up afresh, as with the ``unplug_at`` option.
- ``garbage(n_bytes)``: ``n_bytes`` random bytes on the box's line, between two frames
  (a noisy cable, a box that reset mid-frame).
- ``flip_bits(every_n_bytes)``: one bit flipped in every n-th byte the box sends from now
  on (0 stops it); which bit is drawn from the world's seed.
- ``silence_treadmill(seconds)``: the treadmill console still hears the host (its belt
  keeps running and obeys commands) but its answers are lost, as with a broken TX wire or
  a hung display board.

The random bytes and bits come from their own stream of the world's seed, so faults never
change the gait or the sensor noise.
"""

from __future__ import annotations

import numpy as np

from devices.errors import InputError

MAX_GARBAGE_BYTES = 1_000_000
MAX_FAULT_S = 24 * 3600.0


def _seconds(value: float, what: str) -> float:
    v = float(value)
    if not (0.0 <= v <= MAX_FAULT_S):
        raise InputError(f"{what} of {value!r} s is outside 0..{MAX_FAULT_S:g}", fix="e.g. 3")
    return v


def _count(value: int, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or int(value) != value:
        raise InputError(f"{what} {value!r} is not a whole number", fix=f"e.g. {max(low, 1)}")
    n = int(value)
    if not (low <= n <= high):
        raise InputError(f"{what} {n} is outside {low}..{high}", fix=f"e.g. {max(low, 1)}")
    return n


class WorldFaults:
    """The faults in force (see the module docstring); times are world seconds. Not
    thread-safe on its own: the world calls it under its lock."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng([seed, 0xFA17])
        self.unplugs: list[tuple[float, float]] = []  # (start, end) asked for at run time
        self._garbage = 0  # bytes still to put on the line
        self._flip_every = 0
        self._flip_phase = 0  # bytes sent since the last flipped one
        self._silent_until = -1.0
        self.injected = {"garbage_bytes": 0, "flipped_bits": 0, "answers_lost": 0}

    # -- asked for ------------------------------------------------------------------------------

    def unplug(self, now: float, seconds: float) -> tuple[float, float]:
        span = (now, now + _seconds(seconds, "an unplug"))
        self.unplugs.append(span)
        return span

    def garbage(self, n_bytes: int) -> None:
        self._garbage += _count(n_bytes, "garbage bytes", 1, MAX_GARBAGE_BYTES)

    def flip_bits(self, every_n_bytes: int) -> None:
        self._flip_every = _count(every_n_bytes, "flip_bits every", 0, 10**9)
        self._flip_phase = 0

    def silence_treadmill(self, now: float, seconds: float) -> float:
        self._silent_until = max(self._silent_until, now + _seconds(seconds, "a silence"))
        return self._silent_until

    # -- applied --------------------------------------------------------------------------------

    def unplugged(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.unplugs)

    def treadmill_silent(self, now: float) -> bool:
        return now < self._silent_until

    def lose_answer(self, answer: bytes, now: float) -> bytes:
        """The treadmill's answer as the host receives it (nothing while silenced)."""
        if answer and self.treadmill_silent(now):
            self.injected["answers_lost"] += 1
            return b""
        return answer

    def box_bytes(self, data: bytes) -> bytes:
        """What the host receives of ``data`` (whole frames): garbage first, then flips."""
        if self._garbage:
            noise = self._rng.integers(0, 256, self._garbage, dtype=np.uint8).tobytes()
            self.injected["garbage_bytes"] += self._garbage
            self._garbage = 0
            data = noise + data
        if self._flip_every and data:
            arr = np.frombuffer(data, dtype=np.uint8).copy()
            first = self._flip_every - 1 - self._flip_phase  # index of the next flipped byte
            hits = np.arange(first, arr.size, self._flip_every)
            if hits.size:
                bits = self._rng.integers(0, 8, hits.size)
                arr[hits] ^= (1 << bits).astype(np.uint8)
                self.injected["flipped_bits"] += int(hits.size)
                self._flip_phase = arr.size - 1 - int(hits[-1])
            else:
                self._flip_phase += arr.size
            data = arr.tobytes()
        return data

    @property
    def pending_garbage(self) -> bool:
        return self._garbage > 0
