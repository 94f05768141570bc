"""How many steps each turn at the end of an overground pass takes (GaitParams ``turn_steps``).

Real walkers turn 180 degrees in 2-6 steps (a spin turn on one foot, a step turn, a wide
turn) and begin with either foot. A fixed count draws nothing, so a walker whose turns all
take four steps (the default) walks exactly as before the count could vary; a range draws
each turn's count uniformly from a stream of its own, spawned from the gait stream at the
first turn, so the gait stream itself is drawn from as without it.
"""

from __future__ import annotations

import numpy as np


class TurnCounts:
    """Each turn's step count, for a walker whose gait stream is ``rng``."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._parent = rng
        self._rng: np.random.Generator | None = None

    def draw(self, turn_steps: tuple[int, int]) -> int:
        """The steps of the turn starting now: ``turn_steps`` is (fewest, most)."""
        lo, hi = turn_steps
        if lo == hi:
            return lo
        if self._rng is None:
            self._rng = self._parent.spawn(1)[0]
        return int(self._rng.integers(lo, hi + 1))
