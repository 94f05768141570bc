"""A recording's sample rate against its samples' spacing, said where the recording is
read: a box whose HELLO announces one rate while its samples come at another (a damaged
recording, or firmware that misreports its rate) would otherwise reach the contact code,
whose message asks for a rate a user cannot give for a recording."""

from __future__ import annotations

import math

import numpy as np

from stride.core.clock import SampleClock
from stride.core.contact_input import off_rate_step
from stride.core.contact_params import ContactParams
from stride.errors import InputError

#: samples whose spacing is looked at (the contact code's rate check looks at as many)
HEAD = 1001


def check_recorded_rate(
    path: object, t: np.ndarray | SampleClock, fs: float, stream: str, csv: bool
) -> None:
    """An InputError naming the recording and both rates when the median spacing of the
    first samples is not about ``1 / fs`` (the bounds the contact code's gaps use)."""
    n = min(len(t), HEAD)
    if n < 3:
        return
    head = t.times(0, n) if isinstance(t, SampleClock) else np.asarray(t[:n], np.float64)
    step = off_rate_step(np.diff(head), fs, ContactParams())
    if step is None or not math.isfinite(step) or step <= 0.0:
        return  # in range, or times the contact code's own checks describe
    where = 'its column map in session.json "csvlines" says' if csv else "its HELLO says"
    fix = (
        'correct rate= in the map in session.json "csvlines" to the rate the board sampled at'
        if csv
        else "the recording is damaged or the box's firmware misreports its rate; no option "
        "overrides a recorded rate: check the firmware and report it with the recording"
    )
    raise InputError(
        f"{path}: the {stream!r} stream's samples are {step:.6g} s apart ({1.0 / step:.6g} Hz) "
        f"but {where} {fs:g} Hz",
        fix=fix,
    )
