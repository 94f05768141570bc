"""Building known sensor-box streams for the decoder tests (not a test module)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devices.sensorbox import (
    ChannelSpec,
    Hello,
    encode_belt,
    encode_error,
    encode_hello,
    encode_samples,
    encode_status,
)

HELLO = Hello(
    (
        ChannelSpec.of("L", "heel"),
        ChannelSpec.of("L", "toe"),
        ChannelSpec.of("R", "heel"),
        ChannelSpec.of("R", "toe"),
    ),
    belt_counts_per_m=1000.0,
)


@dataclass
class Box:
    """A simulated box: 1 kHz x 4 channels, 10 samples per frame, a HELLO first."""

    seq: int = 0
    t_us: int = 0
    n: int = 10
    c: int = 4
    period: int = 1000

    def frame(self, kind: str, rng: np.random.Generator | None = None) -> tuple[bytes, dict]:
        s, t = self.seq, self.t_us
        info: dict = {"kind": kind, "seq": s & 0xFFFF, "t_us": t}
        if kind == "hello":
            b = encode_hello(s, t, HELLO)
        elif kind == "samples":
            gen = rng if rng is not None else np.random.default_rng(s)
            v = gen.integers(-100, 1000, (self.n, self.c)).astype(np.int16)
            info["values"] = v
            b = encode_samples(s, t, self.period, v)
            self.t_us += self.n * self.period
        elif kind == "belt":
            b = encode_belt(s, t, 25, 20000)
        elif kind == "status":
            b = encode_status(s, t, 0b010, 3, 5000)
        else:
            b = encode_error(s, t, 1, "L-heel open")
        self.seq += 1
        return b, info


def stream(
    n_frames: int,
    seed: int = 1,
    start_seq: int = 0,
    start_t: int = 0,
) -> tuple[list[bytes], list[dict]]:
    """HELLO then a mix of SAMPLES (mostly), BELT and STATUS frames."""
    rng = np.random.default_rng(seed)
    box = Box(seq=start_seq, t_us=start_t)
    frames, infos = [], []
    for i in range(n_frames):
        kind = (
            "hello"
            if i == 0
            else ("belt" if i % 5 == 0 else "status" if i % 11 == 0 else "samples")
        )
        b, info = box.frame(kind, rng)
        frames.append(b)
        infos.append(info)
    return frames, infos
