"""A foot contact of the walker (:mod:`sim.walker`), and the stand that can hold one.

On a stopped belt the walker stands (:data:`sim.walker.MIN_WALK_SPEED`): both feet stay
loaded as they were when it stopped, for as long as the belt stands, then roll over and
lift as they would have. A contact's ``hold`` is that stand; :func:`held` gives the
force model the contact's own time with the stand taken out (the load stays as it was at
its start), so a contact rendered while the walker still stands (a live world renders up
to now) and the same contact rendered whole afterwards give the same force.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.params import ContactType


@dataclass
class Contact:
    """One foot contact: IC to FC (``fc`` is None until the foot lifts)."""

    side: str
    ic: float
    stance_planned: float
    kind: ContactType
    load: float  # share of body weight this foot's peak force reaches (about 1)
    place: float  # landing position: lab frame on a belt (m, forward +), walkway overground
    step_length: float | None = None  # overground: the true step length ending here
    flags: tuple[str, ...] = ()
    fc: float | None = None
    cycle: int = 0
    delay: float = 0.0  # extra step time of the step ending here (turns)
    #: two-stage loading: the foot touches for ``pre_touch[0]`` s at ``pre_touch[1]`` body
    #: weights before the loading (the contact starts at the touch)
    pre_touch: tuple[float, float] | None = None
    #: touches and scuffs in the swing after this contact: (start s, duration s, body
    #: weights) each, all between this FC and the next IC of the foot; not contacts
    swing_events: tuple[tuple[float, float, float], ...] = ()
    #: standing on a stopped belt from ``hold[0]`` to ``hold[1]`` (None: standing still),
    #: true times, and the stance planned when it began (the force's shape); the planned
    #: stance includes a stand that is over
    hold: tuple[float, float | None, float] | None = None

    def render_end(self) -> float:
        """The end of the contact's force: its FC, else its planned one (none while the
        walker stands: up to now)."""
        if self.fc is not None:
            return self.fc
        if self.hold is not None and self.hold[1] is None:
            return float("inf")
        return self.ic + self.stance_planned


def held(c: Contact, u: NDArray[np.float64], end: float) -> tuple[NDArray[np.float64], float]:
    """The contact's times ``u`` since its IC, and its stance, as the force model takes
    them: a stand (``hold``) taken out, the load staying as at its start, the shape that of
    the stance planned then; after the stand the rest of that shape is spread over the time
    left to the final contact (as planned after the stand: the shape goes on from where it
    stood). ``end``: :meth:`Contact.render_end`."""
    if c.hold is None:
        return u, end - c.ic
    start, stop, stance = c.hold
    h0 = start - c.ic
    if stop is None:  # still standing
        return np.minimum(u, h0), stance
    h1 = stop - c.ic
    rate = (stance - h0) / max(end - stop, 1e-9)  # shape time a second after the stand
    return np.where(u < h0, u, h0 + np.maximum(u - h1, 0.0) * rate), stance


def reach(c: Contact) -> float:
    """The last time ``c`` puts force on a sensor: its end, or its swing's touches'."""
    end = c.render_end()
    return max([end, *(at + dur for at, dur, _ in c.swing_events)])


def overlapping(
    contacts: Sequence[Contact],
    ics: Sequence[float],
    a: float,
    b: float,
    reaches: NDArray[np.float64] | None = None,
) -> Sequence[Contact]:
    """The contacts (in IC order, their ICs ``ics``) that can put force on times ``a``..``b``:
    those landed by ``b`` that landed within 5 s before ``a`` (a walking stance is
    shorter) and any that still reach past ``a`` (a stand on a stopped belt: minutes).
    ``reaches``: the running maximum of :func:`reach` along ``contacts`` (else computed)."""
    lo = bisect.bisect_left(ics, a - 5.0)
    if lo > 0:
        if reaches is None:
            reaches = np.maximum.accumulate(np.array([reach(c) for c in contacts[:lo]]))
        lo = min(lo, int(np.searchsorted(reaches[:lo], a, side="right")))
    return contacts[lo : bisect.bisect_right(ics, b)]
