"""What the contact scan takes, checked and laid out as its kernels are compiled for: the
times and forces of a chunk checked (shapes, numbers, the sample rate, finite times) with a
one-line error for bad input, and the arrays handed over in the few dtypes and layouts the
scan is compiled for (each costs 10-20 s of compile time on a cold cache).
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stride.core.clock import SampleClock
from stride.core.contact_params import ContactParams
from stride.errors import InputError

#: the bad time steps of a chunk not known (the scan finds them), and an int16 chunk's rows
#: not read as words: an empty list
_NO_WORDS = np.zeros(0, np.int64)
#: no times: the stream's end (:meth:`_FootRunner.finish`), a record's times given as a clock
_EMPTY_T = np.zeros(0, np.float64)


def _row_words(x: NDArray[np.generic]) -> NDArray[np.int64] | None:
    """The rows of four int16 channels as one 64-bit word each (a view): the kernel reads
    a column with contiguous, vectorisable loads. Empty for any other integer layout; None
    for float forces (the scan is then compiled without its integer summaries)."""
    if (
        x.dtype == np.int16
        and x.ndim == 2
        and x.shape[1] == 4
        and x.flags.c_contiguous
        and x.dtype.isnative
        and sys.byteorder == "little"
    ):
        return x.view(np.int64).reshape(-1)
    return None if x.dtype.kind == "f" else _NO_WORDS


def _check_chunk(t: NDArray[np.generic] | SampleClock, x: NDArray[np.generic], k: int) -> None:
    """Times (or a clock: its samples) and forces of one shape, numbers."""
    shape = t.shape
    if len(shape) != 1 or x.ndim != 2 or x.shape[0] != shape[0] or x.shape[1] != k:
        raise InputError(
            f"times of shape {shape} and forces of shape {x.shape} do not fit {k} channels",
            fix="pass times (n,) and forces (n, channels)",
        )
    if x.dtype.kind not in "iuf":
        raise InputError(f"forces of dtype {x.dtype} are not numbers", fix="pass numeric arrays")


#: chunks shorter than this are not checked against the rate (a gap could dominate them)
RATE_CHECK_MIN = 17


def _check_rate(t: NDArray[np.float64], fs: float, params: ContactParams) -> None:
    """The times must step by about 1/fs: a wrong rate would make every step a gap (no
    contacts) or hide real gaps. Checked on the median of the first 1000 steps
    (:func:`off_rate_step`: cheap, about 30 us before a 5-minute record's scan can start)."""
    if t.shape[0] < RATE_CHECK_MIN:
        return
    step = off_rate_step(np.diff(t[:1001]), fs, params)
    if step is None:
        return
    if not math.isfinite(step):
        _check_finite(t)
    if step <= 0.0:  # repeated or falling times: no rate to suggest
        raise InputError(
            f"the sample times do not increase (their median step is {step:.6g} s)",
            fix="give each sample its own time, in increasing order (a record joined or "
            "copied twice repeats its times)",
        )
    raise InputError(
        f"the samples are {step:.6g} s apart but the sample rate says {fs:g} Hz ({1.0 / fs:.6g} s)",
        fix=f"give the rate the times were sampled at (about {1.0 / step:.6g} Hz)",
    )


def off_rate_step(steps: NDArray[np.float64], fs: float, params: ContactParams) -> float | None:
    """The median of the time ``steps`` when it is not about ``1 / fs`` (within
    ``gap_factor``; NaN, zero or negative included), else None. When every step is in range
    so is their median (the middle one, or the rounded mean of the middle two, lies between
    them), and the median is not computed."""
    lo, hi = 1.0 / (params.gap_factor * fs), params.gap_factor / fs
    if lo < steps.min() and steps.max() <= hi:
        return None  # a NaN fails both tests
    step = float(np.median(steps))
    return None if lo < step <= hi else step


def _check_finite(tt: NDArray[np.float64]) -> None:
    """Every sample time must be finite. Not checked up front (a pass over all the times):
    the kernel stops at a time that is not finite (no step to or from it is valid), and
    the rate check at a non-finite median step; both then call this for the message."""
    bad = np.flatnonzero(~np.isfinite(tt))
    if bad.size:
        raise InputError(
            f"sample time {tt[bad[0]]!r} at sample {int(bad[0])} of the chunk is not finite",
            fix="give every sample a finite time in seconds",
        )


def _prepare(
    t: NDArray[np.generic], x: NDArray[np.generic]
) -> tuple[NDArray[np.float64], NDArray[np.generic]]:
    tt = np.asarray(t, dtype=np.float64)
    if not (tt.flags.c_contiguous and tt.flags.writeable):
        tt = np.array(tt, order="C")
    return tt, _c_writable(x.astype(_kernel_dtype(x.dtype), copy=False))


def _c_writable(a: NDArray[np.generic]) -> NDArray[np.generic]:
    """C-contiguous and writable: numba compiles (and caches) a separate kernel for every
    layout and for read-only arrays, so other inputs are copied instead of compiled for."""
    if a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, order="C")


def _kernel_dtype(dt: np.dtype) -> type[np.generic]:
    """The dtypes the scan is compiled for, each only when first used (each costs 10-20 s
    of compile time on a cold cache): the recorded counts as they are (int16, uint16: no
    float copy), float32 (calibrated newtons), float64. Other dtypes widen to one of them:
    wider integers to float64, exact for any count below 2**53 (the scan's results equal
    the integer scan's, tested), so no reader's first run waits for an int32 or int64
    scan."""
    if dt.kind == "f":
        return np.float32 if dt.itemsize <= 4 else np.float64
    if dt.kind == "u" and dt.itemsize == 2:
        return np.uint16
    if (
        dt.kind == "b"
        or (dt.kind in "iu" and dt.itemsize == 1)
        or (dt.kind == "i" and dt.itemsize == 2)
    ):
        return np.int16
    return np.float64


def scan_dtype(dtype: str | np.dtype[Any]) -> str:
    """The name of the dtype forces of ``dtype`` are scanned as (:func:`_kernel_dtype`):
    the scan's compiled variant that an analysis of them calls."""
    return np.dtype(_kernel_dtype(np.dtype(dtype))).name
