"""A DIY insole board that prints CSV lines of simulated gait: ``time_ms,frame,ch0..chN``.

Many home-made FSR boards print one line per sample (100 Hz, 115200 baud, no checksum;
docs/device-protocols.md, "The step-sensor box"). This one prints the samples of the
simulated sensor box (:func:`sim.session.simulate`, its heel and forefoot sensors,
left foot first): the board's millisecond clock, a frame counter from 0, then the raw
ADC counts of each channel. For tests and the docs' example of a CSV board; it never
imports ``stride``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devices.sensorbox import SampleBlock, StreamDecoder
from sim.box import BoxConfig
from sim.session import SessionSpec, simulate

#: The column map of these lines (``stride live --csv-map``): the common layout.
COLUMN_MAP = "time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100,bits=12"


@dataclass(frozen=True)
class BoardLines:
    """What the board prints: the text, and each line's device time (s)."""

    text: bytes
    t_s: np.ndarray

    def lines(self) -> list[bytes]:
        return self.text.splitlines(keepends=True)


def board_lines(
    seconds: float, *, seed: int = 1, profile: str = "healthy", rate_hz: int = 100,
    header: bool = True,
) -> BoardLines:  # fmt: skip
    """``seconds`` of walking on a treadmill as the board prints it (a header line first
    with ``header``); the frame counter and the clock start at 0, as after power-up."""
    spec = SessionSpec(
        minutes=max(0.05, seconds / 60.0),
        seed=seed,
        profile=profile,
        box=BoxConfig(rate_hz=rate_hz, belt_counts_per_m=0.0),
    )
    sim = simulate(spec)
    dec = StreamDecoder()
    blocks = [e for e in dec.feed(sim.data, 0.0) + dec.flush() if isinstance(e, SampleBlock)]
    t_us = np.concatenate([b.t_us for b in blocks])
    values = np.concatenate([b.values for b in blocks])
    keep = t_us <= seconds * 1e6
    t_us, values = t_us[keep], values[keep]
    period_us = round(1e6 / rate_hz)
    frames = np.rint((t_us - t_us[0]) / period_us).astype(np.int64)
    rows = [
        f"{t // 1000},{k}," + ",".join(str(int(v)) for v in row) + "\r\n"
        for t, k, row in zip(t_us.tolist(), frames.tolist(), values, strict=True)
    ]
    names = ",".join(f"ch{i}" for i in range(values.shape[1]))
    text = (f"time_ms,frame,{names}\r\n" if header else "") + "".join(rows)
    return BoardLines(text.encode("ascii"), t_us / 1e6)
