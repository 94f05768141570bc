"""Putting good frames in device order: sequence gaps, duplicates, reordering, time unwrap.

Policy (docs/protocol.md, "Receiver behaviour"):

- Frames are released in ``seq`` order. A frame whose seq is ahead of the next expected one
  is held in a small window (``reorder_window`` frames, default 4) in case the missing frames
  arrive late (links that can reorder: UDP/BLE bridges, merged captures). When the window
  is full, the oldest held frame is released and the frames still missing before it are
  reported lost (a gap). On a serial link frames never reorder, so the window only delays
  the frames that follow a loss. ``flush()`` releases everything at the end of a stream.
- Release depends only on the order of frames, never on host time, so any chunking of the
  same bytes gives the same events.
- A frame equal in seq, time and CRC to one of the last 64 (the same bytes again), or with
  the seq of a frame being held, is a duplicate and dropped.
- A frame behind the expected seq by at most ``reorder_window + 16``, with device time at
  most 1 s earlier than the last released frame, whose seq is none of the last 64 frames'
  (it was reported lost), arrived after its gap was reported: it is dropped and counted
  ``late`` (emitting it would break time order).
- Any other jump backwards in seq or device time is a box restart: sequencing starts again
  from that frame, and its device time continues from the last one plus the host time that
  passed, and at least 1 us after the last sample (so unwrapped device time never runs
  backwards, sample by sample). This includes a box that
  restarts soon after power-up: it sends the seq (and, booting the same way, the time) of
  frames already released again, with other samples (another CRC): not a duplicate, and
  not late, since those numbers were not lost.
- Device time (uint32 microseconds) is unwrapped: a step back of more than 2**31 is a wrap.
- A new connection (:meth:`Sequencer.new_connection`: the host reopened the port after an
  unplug) breaks the sequence whatever the counters say: a box power-cycled while the port
  was closed may carry on from numbers close to where the old one stopped. The held
  frames are released, nothing before can be a duplicate, and the first frame after it
  starts again as a restart (if any frame came before), its device time the last one's
  plus the host time from the last bytes of the old connection to the reopen (both host
  times of whole reads, whatever reads a live session joined: so a recording gives the
  same times).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from devices.sensorbox.events import DecoderStats

_HALF32 = 1 << 31
_LATE_TIME_US = 1_000_000


@dataclass(frozen=True)
class GoodFrame:
    """A frame that passed COBS, CRC and payload checks (payload parsed later)."""

    ftype: int
    seq: int
    t_us: int  # as sent: uint32
    payload: bytes
    host_t: float
    crc: int = 0  # the frame's CRC as sent: a duplicate repeats it, a restart differs


@dataclass(frozen=True)
class Released:
    """A frame released in order, with its unwrapped time and what came before it."""

    frame: GoodFrame
    t_us: int  # unwrapped
    missing_before: int
    restart: bool


class Sequencer:
    """Orders good frames by seq and unwraps their device time (see the module docstring)."""

    def __init__(self, stats: DecoderStats, reorder_window: int = 4) -> None:
        if reorder_window < 0:
            raise ValueError("reorder_window must be >= 0")
        self.stats = stats
        self.window = reorder_window
        self._expected: int | None = None
        self._held: dict[int, GoodFrame] = {}
        self._recent: deque[tuple[int, int, int]] = deque(maxlen=64)
        self._last_wrapped = 0
        self._last_unwrapped = 0
        self._last_host = 0.0
        self._last_end = 0  # unwrapped time of the last sample of the last SAMPLES released
        self._started = False
        self._fresh = False  # a new connection began: the next frame is a restart
        self._fresh_gap_us = 1  # ... this long after the last frame released

    def push(self, fr: GoodFrame) -> list[Released]:
        """Accept one good frame (arrival order); return the frames now released in order."""
        key = (fr.seq, fr.t_us, fr.crc)
        if key in self._recent or fr.seq in self._held:
            self.stats.duplicates += 1
            return []
        out: list[Released] = []
        if self._expected is None:
            if self._fresh:
                self.stats.restarts += 1
                self._release(fr, 0, True, out, self._fresh_gap_us)
                self._fresh = False
            else:
                self._release(fr, 0, False, out)
            return out
        ahead = (fr.seq - self._expected) & 0xFFFF
        dt = self._signed(fr.t_us - self._last_wrapped)
        if ahead < 0x8000 and dt >= 0:
            if ahead == 0:
                self._release(fr, 0, False, out)
                self._drain(out)
            elif self.window == 0:
                self._release(fr, ahead, False, out)
            else:
                self._held[fr.seq] = fr
                if len(self._held) > self.window:
                    self._release_oldest_held(out)
                    self._drain(out)
            return out
        behind = (self._expected - fr.seq) & 0xFFFF
        seen = any(r[0] == fr.seq for r in self._recent)  # released: not lost, so not late
        if (
            ahead >= 0x8000
            and behind <= self.window + 16
            and -_LATE_TIME_US <= dt <= 0
            and not seen
        ):
            self.stats.late += 1
            self._recent.append(key)
            return out
        # A restart: flush what is held (in order), then start again from this frame.
        while self._held:
            self._release_oldest_held(out)
            self._drain(out)
        self.stats.restarts += 1
        self._expected = None
        self._release(fr, 0, True, out)
        return out

    def new_connection(self, gap_us: int) -> list[Released]:
        """The link was reopened ``gap_us`` after the last bytes of the old one: release
        the held frames (reporting the gaps before them) and start again from the next
        frame, as a restart that long after the last (see the module docstring)."""
        out = self.flush()
        self._expected = None
        self._recent.clear()
        self._fresh = self._started
        self._fresh_gap_us = max(1, gap_us)
        return out

    def flush(self) -> list[Released]:
        """Release every held frame (end of stream), reporting the gaps before them."""
        out: list[Released] = []
        while self._held:
            self._release_oldest_held(out)
            self._drain(out)
        return out

    @staticmethod
    def _signed(d: int) -> int:
        d &= 0xFFFFFFFF
        return d - (1 << 32) if d >= _HALF32 else d

    def _release_oldest_held(self, out: list[Released]) -> None:
        assert self._expected is not None
        exp = self._expected
        seq = min(self._held, key=lambda s: (s - exp) & 0xFFFF)
        fr = self._held.pop(seq)
        self._release(fr, (seq - exp) & 0xFFFF, False, out)

    def _drain(self, out: list[Released]) -> None:
        while self._expected is not None and self._expected in self._held:
            fr = self._held.pop(self._expected)
            self.stats.reordered += 1
            self._release(fr, 0, False, out)

    def _release(
        self,
        fr: GoodFrame,
        missing: int,
        restart: bool,
        out: list[Released],
        gap_us: int | None = None,
    ) -> None:
        if not self._started:
            t = fr.t_us
            self._started = True
        elif gap_us is not None:  # a new connection: the gap the host measured
            t = max(self._last_unwrapped + gap_us, self._last_end + 1)
        elif restart:  # ... after the last sample, whatever little host time passed
            host_gap_us = max(1, math.floor((fr.host_t - self._last_host) * 1e6 + 0.5))
            t = max(self._last_unwrapped + host_gap_us, self._last_end + 1)
        else:
            t = self._last_unwrapped + self._signed(fr.t_us - self._last_wrapped)
        if missing:
            self.stats.gaps += 1
            self.stats.frames_lost += missing
        if fr.ftype == 2:  # SAMPLES: n at payload[1], the period at payload[2:4]
            p = fr.payload
            self._last_end = t + (p[1] - 1) * (p[2] | p[3] << 8)
        self._last_wrapped = fr.t_us
        self._last_unwrapped = t
        self._last_host = fr.host_t
        self._expected = (fr.seq + 1) & 0xFFFF
        self._recent.append((fr.seq, fr.t_us, fr.crc))
        out.append(Released(fr, t, missing, restart))
