"""What course mode's learnings share (:mod:`stride.core.course_fit`): the reading kept is
learnt from one start, and its rivals (:mod:`stride.core.course_rivals`) from others, all
on the same session, and round after round each takes again the readings of the steps
then likely walking, re-estimates laws from them and weighs counts under laws. Those
mostly come back to the same: the same walking steps (so the same step-time and phase
ratios), the same typical counts. What depends on them alone is taken once, and every
learning gets the same floats it would have taken itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from numpy.typing import NDArray

from stride.core.course_segment import count_prior


@dataclass(frozen=True)
class Phases:
    """Each row's phase ratio (:func:`~stride.core.step_ratios.phase_ratios`) and its
    foot (0 left, 1 right): each foot's phase laws are its own (a hemiparetic walker's
    feet split their steps differently, and a turn's extra time shifts a split the more
    the smaller its swing share)."""

    ratio: NDArray[np.float64]
    side: NDArray[np.int8]


#: the step-time ratios and the phase ratios (None when not weighed) with the walking
#: steps' reference taken from the rows given
ReadingsOf = Callable[[NDArray[np.bool_]], tuple[NDArray[np.float64], Phases | None]]
Floats = NDArray[np.float64]


def taken_once(readings_of: ReadingsOf) -> ReadingsOf:
    """``readings_of``, each set of walking steps' readings taken once: copies, read-only
    (so :func:`prepared` keeps what it takes from them), the same objects each time."""
    taken: dict[bytes, tuple[Floats, Phases | None]] = {}

    def once(walking: NDArray[np.bool_]) -> tuple[Floats, Phases | None]:
        key = np.asarray(walking, dtype=np.bool_).tobytes()
        if key not in taken:
            ratio, phase = readings_of(walking)
            ratio = np.array(ratio)  # a copy, as it is
            ratio.setflags(write=False)
            if phase is not None:
                phase = Phases(np.array(phase.ratio), phase.side)
                phase.ratio.setflags(write=False)
            taken[key] = (ratio, phase)
        return taken[key]

    return once


class Prepared:
    """What learning takes from one reading's step-time ratios and phase ratios whatever
    the laws, each piece taken when first wanted."""

    def __init__(self, ratio: Floats, phase: Phases) -> None:
        self.ratio, self.phase = ratio, phase

    @cached_property
    def known(self) -> NDArray[np.bool_]:
        """The known step-time ratios."""
        return np.isfinite(self.ratio)

    @cached_property
    def known_ratio(self) -> Floats:
        return self.ratio[self.known]

    @cached_property
    def order(self) -> NDArray[np.intp]:
        """The known ratios' stable order."""
        return self.known_ratio.argsort(kind="stable")

    @cached_property
    def feet(self) -> tuple[tuple[NDArray[np.intp], Floats, Floats, Floats, Floats], ...]:
        """Each foot's steps (their rows) whose phase and step-time ratios are both finite
        and positive, those phase and step-time ratios, and their logs (step-time ratios',
        phases')."""
        phase, ratio = self.phase, self.ratio
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(phase.ratio) & self.known & (phase.ratio > 0) & (ratio > 0)
        out = []
        for code in (0, 1):
            m = np.flatnonzero(ok & (phase.side == code))
            ph, ra = phase.ratio[m], ratio[m]
            out.append((m, ph, ra, np.log(ra), np.log(ph)))
        return tuple(out)

    @cached_property
    def own(self) -> tuple[tuple[NDArray[np.intp], Floats, Floats, NDArray[np.bool_]], ...]:
        """Each foot's steps (their rows), their phase and step-time ratios, and which of
        those step-time ratios are finite and positive."""
        out = []
        for code in (0, 1):
            at = np.flatnonzero(self.phase.side == code)
            ra = self.ratio[at]
            out.append((at, self.phase.ratio[at], ra, np.isfinite(ra) & (ra > 0)))
        return tuple(out)


def prepared(ratio: Floats, phase: Phases) -> Prepared:
    """The readings' :class:`Prepared`, kept with ``phase`` for the same ``ratio`` when
    neither can change (read-only, as :func:`taken_once` hands them out)."""
    fixed = not ratio.flags.writeable and not phase.ratio.flags.writeable
    kept = phase.__dict__.get("_prepared")
    if fixed and isinstance(kept, Prepared) and kept.ratio is ratio:
        return kept
    out = Prepared(ratio, phase)
    if fixed:
        object.__setattr__(phase, "_prepared", out)
    return out


def count_priors(
    n0: float, pass_sd: float, m0: float, turn_sd: float, seen: bytes | None
) -> tuple[Floats, Floats]:
    """:meth:`~stride.core.course_fit.Laws.priors` of these counts and spreads (``seen``:
    the turn shares' bytes), fresh copies."""
    pass_lp, turn_lp = _count_priors(n0, pass_sd, m0, turn_sd, seen)
    return pass_lp.copy(), turn_lp.copy()


@lru_cache(maxsize=32)
def _count_priors(
    n0: float, pass_sd: float, m0: float, turn_sd: float, seen: bytes | None
) -> tuple[Floats, Floats]:
    shares = None if seen is None else np.frombuffer(seen, dtype=np.float64)
    turn_lp = count_prior(m0, turn_sd, math.ceil(3 * m0 + 4 * turn_sd), shares)
    return _pass_prior(n0, pass_sd), turn_lp


@lru_cache(maxsize=32)
def _pass_prior(n0: float, pass_sd: float) -> Floats:
    """The pass count's prior, kept apart: the turn count's shares (``seen``) change round
    after round where the pass count's law does not."""
    return count_prior(n0, pass_sd, math.ceil(3 * n0 + 6 * pass_sd))
