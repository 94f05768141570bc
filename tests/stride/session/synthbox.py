"""A small synthetic sensor box for the session tests: valid protocol-v1 bytes of walking.

Deliberately simple (square-ish heel and toe loads, a constant belt) so a test knows the
true step times and lengths; the simulator (sim/) is the realistic source.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from devices.sensorbox import (
    ChannelSpec,
    Hello,
    encode_belt,
    encode_hello,
    encode_samples,
    encode_status,
)

if TYPE_CHECKING:
    from stride.session.live import Session

RATE = 1000
PER_FRAME = 10
COUNTS_PER_M = 1000.0


def hello(counts_per_m: float = COUNTS_PER_M) -> Hello:
    """The box's HELLO; ``counts_per_m`` 0: a box without a belt encoder."""
    return Hello(
        channels=(
            ChannelSpec.of("L", "heel"),
            ChannelSpec.of("L", "toe"),
            ChannelSpec.of("R", "heel"),
            ChannelSpec.of("R", "toe"),
        ),
        sample_rate_hz=RATE,
        adc_bits=12,
        belt_counts_per_m=counts_per_m,
    )


def forces(t: np.ndarray, step_s: float, asym: float = 0.0) -> np.ndarray:
    """(n, 4) int16 loads: L steps at 0, 2*step, ...; R half a stride later (+asym s)."""
    stride = 2 * step_s
    out = np.full((t.size, 4), 40, np.int16)
    for col, shift in ((0, 0.0), (2, step_s + asym)):
        ph = ((t - shift) % stride) / stride
        heel = (ph < 0.45) & (t >= shift)
        toe = (ph > 0.08) & (ph < 0.6) & (t >= shift)
        out[heel, col] = 1800
        out[toe, col + 1] = 1500
    return out


def stream(
    seconds: float,
    *,
    step_s: float = 0.55,
    belt_mps: float = 1.0,
    asym: float = 0.0,
    start_s: float = 0.0,
    seq0: int = 0,
    encoder: bool = True,
) -> bytes:
    """Wire bytes of ``seconds`` of walking starting at device time ``start_s`` (from a box
    without a belt encoder: no BELT frames, and its HELLO says so)."""
    out = bytearray()
    seq = seq0
    n_frames = int(seconds * RATE / PER_FRAME)
    h = hello(COUNTS_PER_M if encoder else 0.0)
    for k in range(n_frames):
        t0 = start_s + k * PER_FRAME / RATE
        t_us = round(t0 * 1e6)
        if k % 100 == 0:
            out += encode_hello(seq, t_us, h)
            seq += 1
            out += encode_status(seq, t_us, 0, 0, 5000)
            seq += 1
        t = t0 + np.arange(PER_FRAME) / RATE
        out += encode_samples(seq, t_us, 1000, forces(t, step_s, asym))
        seq += 1
        if encoder and k % 10 == 9:
            out += encode_belt(seq, t_us + 9000, round(belt_mps * 0.1 * COUNTS_PER_M), 100_000)
            seq += 1
    return bytes(out)


def misread_at_baud(data: bytes, ratio: float) -> bytes:
    """What a UART reads when ``data`` is sent ``ratio`` times faster than it listens.

    8N1 framing, continuous stream: the receiver waits for a start bit (line low), then
    samples the middle of each of its own bit periods (``ratio`` sender bits long).
    """
    bits: list[int] = []
    for b in data:
        bits.append(0)  # start
        bits.extend((b >> k) & 1 for k in range(8))
        bits.append(1)  # stop
    line = np.array([1, *bits, *([1] * 32)], np.uint8)
    out = bytearray()
    p = 1.0
    n = line.size
    while True:
        idx = int(p)
        while idx < n and line[idx] == 1:
            idx += 1
        if idx + 10 * ratio >= n:
            break
        byte = 0
        for k in range(8):
            byte |= int(line[int(idx + ratio * (1.5 + k))]) << k
        out.append(byte)
        p = idx + ratio * 9.5 + 1
    return bytes(out)


class PtyBox:
    """A pseudo-terminal that plays box bytes into whoever opens ``path``."""

    def __init__(self) -> None:
        import os
        import pty
        import tty

        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self._stop = False
        self.thread: object | None = None

    def play(self, data: bytes, *, seconds: float, chunk: int = 4096, repeat: bool = False) -> None:
        """Write ``data`` evenly over ``seconds`` in a background thread; with ``repeat``,
        again and again until closed (opening a serial port discards what was sent before,
        so a program that starts late still hears the bytes)."""
        import os
        import threading
        import time

        def pump() -> None:
            n = max(1, len(data) // chunk)
            while True:
                for i in range(0, len(data), chunk):
                    if self._stop:
                        return
                    try:
                        os.write(self.master, data[i : i + chunk])
                    except OSError:
                        return
                    time.sleep(seconds / n)
                if not repeat:
                    return

        t = threading.Thread(target=pump, daemon=True)
        t.start()
        self.thread = t

    def close(self) -> None:
        import os

        self._stop = True
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def run_live_on(box: PtyBox, record: Path, ui_hook: Callable[[Session], None]) -> int:
    """``stride live`` on ``box`` without a dashboard (the JSON document on stdout, no
    history, a 30 cm target, 60 s at most), recording to ``record``, ``ui_hook`` driving
    it; its exit code. The box is closed after."""
    from stride.core.targets import Target
    from stride.session.run import LiveArgs, run_live

    try:
        return run_live(
            LiveArgs(
                port=box.path,
                target=Target.from_options(spacing_m=0.30),
                no_ui=True,
                json_doc=True,
                history=False,
                record=record,
                duration_s=60.0,
                ui_hook=ui_hook,
            )
        )
    finally:
        box.close()


def until_restarts(
    box: PtyBox, data: bytes, seconds: float, restarts: int, steps: int
) -> Callable[[Session], None]:
    """A session's hook: the box plays ``data`` over ``seconds`` once the port is open;
    the session stops once the box has restarted ``restarts`` times and ``steps`` steps
    were taken ("test done"), or 15 s after ``seconds`` ("timed out")."""

    def ui(session: Session) -> None:
        box.play(data, seconds=seconds, chunk=512)  # the port is open: the box starts
        start = time.monotonic()
        for period in session.ticks():
            restarted = session.state.health.frames and session.pipeline.counters()["restarts"]
            if restarted == restarts and session.state.steps_total >= steps:
                session.request_stop("test done")
            if time.monotonic() - start > seconds + 15.0:
                session.request_stop("timed out")
            time.sleep(period)

    return ui
