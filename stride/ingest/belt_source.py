"""Where a session's belt speed comes from: the one decision, made once for every command.

- ``box``: the sensor box's belt encoder (its BELT frames); no belt if the box has none.
- ``treadmill``: a treadmill driver's readings, mapped from host time onto the box clock
  (:mod:`stride.ingest.treadmill_clock`).
- ``fixed``: a speed the user states (``--treadmill fixed:3.5kmh``): one belt sample every
  :data:`FIXED_PERIOD_S` of box time from 0, and one at the last sample, live and from a
  recording alike (:func:`fixed_samples`), so both measure the same step lengths.
- ``none``: overground; step lengths only from a course (``--pass-length``).

A live session decides from ``--treadmill`` (:meth:`BeltSource.from_treadmill_spec`) and
stores the decision in session.json (:meth:`BeltSource.meta`); ``stride analyze``,
``stride replay`` and ``stride report`` read it back (:meth:`BeltSource.from_session`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from devices.registry import parse_spec, parse_treadmill_spec
from devices.treadmill.fixed import parse_fixed_speed
from stride.errors import InputError

BOX = "box"
TREADMILL = "treadmill"
FIXED = "fixed"
NONE = "none"
KINDS = (BOX, TREADMILL, FIXED, NONE)

#: A fixed belt speed is sampled on this grid of box time (s).
FIXED_PERIOD_S = 0.02


@dataclass(frozen=True)
class BeltSource:
    """One of :data:`KINDS`, with the speed of a ``fixed`` belt (m/s)."""

    kind: str = BOX
    fixed_speed_mps: float | None = None

    def __post_init__(self) -> None:
        speed = self.fixed_speed_mps
        ok = speed is None or (0 < speed < math.inf)
        if self.kind not in KINDS or not ok or ((self.kind == FIXED) != (speed is not None)):
            raise ValueError(f"belt source {self.kind!r} with fixed speed {speed!r}")

    @classmethod
    def from_treadmill_spec(cls, text: str) -> BeltSource:
        """The belt source of ``--treadmill DRIVER:TARGET`` (nothing is opened, except that
        ``box`` options are checked, so ``box:/dev/x`` is refused rather than ignored)."""
        spec = parse_spec(text)
        if spec.driver == FIXED:
            return cls(FIXED, parse_fixed_speed(spec.target))
        if spec.driver == BOX:
            parse_treadmill_spec(text)
            return cls(BOX)
        return cls(TREADMILL)

    @classmethod
    def from_session(cls, meta: Mapping[str, object], where: str = "the recording") -> BeltSource:
        """The belt source a session stored (``belt_source``, ``fixed_speed_mps``); missing
        means ``box``; a damaged entry is named, never guessed."""
        kind = meta.get("belt_source") or BOX
        fixed = meta.get("fixed_speed_mps") if kind == FIXED else None
        try:
            if not isinstance(kind, str) or isinstance(fixed, bool):
                raise ValueError(kind)
            speed = None if fixed is None else float(fixed)  # type: ignore[arg-type]
            return cls(kind, speed)
        except (TypeError, ValueError) as err:
            raise InputError(
                f"session.json of {where} has a corrupt belt source "
                f"({meta.get('belt_source')!r}, fixed speed {meta.get('fixed_speed_mps')!r})",
                fix="restore session.json from a backup",
            ) from err

    def meta(self) -> dict[str, object]:
        """What session.json stores of this decision."""
        return {"belt_source": self.kind, "fixed_speed_mps": self.fixed_speed_mps}

    def analyzer_belts(self, box_belts: int) -> int:
        """Belt columns the analyzer gets: the box's own (0 or 1), none, or one."""
        if self.kind == BOX:
            return box_belts
        return 0 if self.kind == NONE else 1

    def describe(self) -> str:
        return {
            BOX: "sensor-box belt encoder",
            TREADMILL: "treadmill",
            FIXED: f"fixed {self.fixed_speed_mps} m/s",
            NONE: "none (overground)",
        }[self.kind]


def fixed_samples(
    after_t: float, upto_t: float, speed_mps: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The fixed belt's samples with times in ``(after_t, upto_t]``: the grid points
    ``k * FIXED_PERIOD_S`` there (``after_t`` may be -inf), speeds as one column."""
    first = max(0, math.floor(after_t / FIXED_PERIOD_S)) if math.isfinite(after_t) else 0
    last = math.floor(upto_t / FIXED_PERIOD_S) + 1  # one beyond: the mask decides the ends
    t = np.arange(first, last + 1, dtype=np.float64) * FIXED_PERIOD_S
    t = t[(t > after_t) & (t <= upto_t)]
    return t, np.full((t.size, 1), float(speed_mps))


def fixed_belt(t_end: float, speed_mps: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A whole record's fixed belt: the grid up to its last sample time ``t_end`` and a
    sample at ``t_end`` itself (what a live session feeds when its stream ends)."""
    t, v = fixed_samples(-math.inf, t_end, speed_mps)
    if not t.size or t[-1] < t_end:
        t = np.append(t, t_end)
        v = np.full((t.size, 1), float(speed_mps))
    return t, v
