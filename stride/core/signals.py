"""The one input type of the gait core: sampled foot forces and belt speed, as arrays.

Every source (sensor-box recordings, live streams, PhysioNet records, gaitpdb files, the
simulator) is turned into :class:`GaitSignals` before analysis, so the kernels never know
where samples came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from stride.core.clock import SampleClock

Side = Literal["L", "R"]
#: a side as words say it (warnings, plot legends)
SIDE_NAMES: dict[str, str] = {"L": "left", "R": "right"}
#: Where a sensor sits under the foot; "foot" = one sensor for the whole foot (footswitch,
#: summed insole), "cellN" = one cell of an insole without a known anatomical place.
Place = str

HEEL_PLACES = frozenset({"heel"})
TOE_PLACES = frozenset({"toe", "lateral", "medial"})


@dataclass(frozen=True)
class Channel:
    """What one force channel measures: which foot, and where under it."""

    side: Side
    place: Place = "foot"

    @property
    def name(self) -> str:
        return f"{self.side}-{self.place}"


@dataclass(frozen=True)
class GaitSignals:
    """Foot forces sampled at a regular rate (with possible gaps) and optional belt speed.

    - ``t``: sample times, seconds from the start of the recording, strictly increasing;
      consecutive samples are ``1/fs`` apart except across a gap (lost frames), where the
      step is larger. Analysis never bridges a gap with a contact or a stride. Or a
      :class:`~stride.core.clock.SampleClock`: the same times as runs of evenly spaced
      ticks, which the analysis expands a chunk at a time (an hour's float64 times are
      28.8 MB; a session reader gives them so when asked, ``read_signals(path,
      compact_times=True)``); :meth:`times` gives them as an array either way.
    - ``forces``: shape ``(n, k)``; any numeric dtype; NaN (in float input) marks a missing
      sample, treated like a gap. Give the recorded dtype: int16 or uint16 counts, or
      float32 where a reader must scale; the core reads them as they are (no float64 copy;
      the contact scan is compiled for each dtype it meets, see ``stride.core.kernels``).
    - ``channels``: ``k`` entries saying which foot and place each column is.
    - ``belt_t``/``belt_speed``: belt speed in m/s at times ``belt_t`` (seconds, same clock
      as ``t``); ``belt_speed`` has one column (one belt) or two (split belts, left then
      right). ``None`` = overground (no belt).
    - ``units``: the force unit ("N" when calibrated, else "adu").
    - ``breaks``: times (on ``t``'s clock) of the last sample before each known break
      where the samples' times alone show none (a sensor box that restarted: the samples
      after it do not continue those before); the analysis treats each as a gap. ``None``:
      none known.
    """

    t: NDArray[np.float64] | SampleClock
    forces: NDArray[np.generic]
    channels: tuple[Channel, ...]
    fs: float
    belt_t: NDArray[np.float64] | None = None
    belt_speed: NDArray[np.float64] | None = None
    units: str = "adu"
    meta: dict[str, object] = field(default_factory=dict)
    breaks: NDArray[np.float64] | None = None

    @property
    def n(self) -> int:
        return int(self.t.shape[0])

    def times(self) -> NDArray[np.float64]:
        """``t`` as float64 seconds (a clock's times expanded: their memory)."""
        t = self.t
        return t.times() if isinstance(t, SampleClock) else t

    def last_time(self) -> float:
        """The time of the last sample (s); an IndexError if there is none."""
        return float(self.t[-1])

    def side_columns(self, side: Side) -> list[int]:
        """Columns of ``forces`` that belong to one foot."""
        return [i for i, c in enumerate(self.channels) if c.side == side]
