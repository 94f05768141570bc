"""Ground truth: the true steps of a simulated session, in the columns of ``steps.csv``.

A step ends with an initial contact (IC); a left step ends with a left IC
(docs gait-metrics). Times are seconds of the box's clock from the recording's first
sample, so that they compare directly with an analysis of the recording (the box's clock
runs ``clock_ppm`` fast or slow; truth is expressed on that clock). On a belt, the step
length is the belt displacement between the other foot's IC and this IC (the belt under the
other foot, which stands on it during the step) plus the change in fore-aft landing
positions (``placement_m``), which foot sensors cannot observe; overground it is the
distance walked along the lines. An empty cell means not defined (the first steps) or
not known (the contact still open at the end).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.treadmill import Treadmill
from sim.walker import Contact

TRUTH_COLUMNS = (
    "side",
    "ic_s",
    "fc_s",
    "step_time_s",
    "stride_time_s",
    "stance_s",
    "swing_s",
    "step_length_m",
    "stride_length_m",
    "flags",
    "contact",
    "belt_m",
    "placement_m",
)


@dataclass(frozen=True)
class TruthStep:
    """One true step (None = not defined); ``flags`` like ``turn``, ``freeze``, ``gap``."""

    side: str
    ic_s: float
    fc_s: float | None
    step_time_s: float | None
    stride_time_s: float | None
    stance_s: float | None
    swing_s: float | None
    step_length_m: float | None
    stride_length_m: float | None
    flags: tuple[str, ...]
    contact: str
    belt_m: float | None
    placement_m: float | None

    def as_dict(self) -> dict[str, object]:
        """The step as a JSON step row (``flags`` a list), truth columns included."""
        out: dict[str, object] = {name: getattr(self, name) for name in TRUTH_COLUMNS}
        out["flags"] = list(self.flags)
        return out

    def row(self) -> list[str]:
        """CSV cells with fixed precision (microseconds, 10 micrometres)."""

        def f(v: float | None, digits: int) -> str:
            return "" if v is None else f"{v:.{digits}f}"

        return [
            self.side,
            f(self.ic_s, 6),
            f(self.fc_s, 6),
            f(self.step_time_s, 6),
            f(self.stride_time_s, 6),
            f(self.stance_s, 6),
            f(self.swing_s, 6),
            f(self.step_length_m, 5),
            f(self.stride_length_m, 5),
            ";".join(self.flags),
            self.contact,
            f(self.belt_m, 5),
            f(self.placement_m, 5),
        ]


def truth_steps(
    contacts: Sequence[Contact],
    *,
    belt: Treadmill | None,
    end_s: float,
    clock_scale: float = 1.0,
    gaps: Sequence[tuple[float, float]] = (),
) -> list[TruthStep]:
    """True steps whose IC falls in ``[0, end_s)`` (true seconds from the first sample).

    ``clock_scale`` = 1 + clock error (ppm * 1e-6) converts true to box time; ``gaps`` are
    true-time intervals with no data (dropouts, unplugs): steps overlapping them are
    flagged ``gap``.
    """
    order = sorted(contacts, key=lambda c: c.ic)
    n = len(order)
    prev_opp: list[int] = [-1] * n
    prev_same: list[int] = [-1] * n
    last = {"L": -1, "R": -1}
    for i, c in enumerate(order):
        prev_opp[i] = last["R" if c.side == "L" else "L"]
        prev_same[i] = last[c.side]
        last[c.side] = i
    step_len: list[float | None] = [None] * n
    belt_m: list[float | None] = [None] * n
    placement: list[float | None] = [None] * n
    if belt is not None:
        # Belt displacement under the other (standing) foot, one vectorised call per side.
        for stand in ("L", "R"):
            idx = [i for i in range(n) if prev_opp[i] >= 0 and order[i].side != stand]
            if not idx:
                continue
            t_a = np.array([order[prev_opp[i]].ic for i in idx])
            t_b = np.array([order[i].ic for i in idx])
            pos = belt.positions(np.concatenate([t_a, t_b]), stand)
            disp = pos[len(idx) :] - pos[: len(idx)]
            for i, d in zip(idx, disp.tolist(), strict=True):
                belt_m[i] = d
                placement[i] = order[i].place - order[prev_opp[i]].place
                step_len[i] = d + (order[i].place - order[prev_opp[i]].place)
    else:
        for i in range(n):
            if prev_opp[i] >= 0:
                step_len[i] = order[i].step_length
    k = clock_scale
    out: list[TruthStep] = []
    for i, c in enumerate(order):
        if not (0.0 <= c.ic < end_s):
            continue
        po = order[prev_opp[i]] if prev_opp[i] >= 0 else None
        ps = order[prev_same[i]] if prev_same[i] >= 0 else None
        sl = step_len[i]
        sl_prev = step_len[prev_opp[i]] if po is not None else None
        stride_len = sl + sl_prev if sl is not None and sl_prev is not None else None
        fc = c.fc if c.fc is not None and c.fc < end_s else None
        start = po.ic if po is not None else c.ic
        stop = fc if fc is not None else c.ic
        flags = c.flags
        if any(a < stop and b > start for a, b in gaps):
            flags = (*flags, "gap")
        out.append(
            TruthStep(
                side=c.side,
                ic_s=c.ic * k,
                fc_s=None if fc is None else fc * k,
                step_time_s=None if po is None else (c.ic - po.ic) * k,
                stride_time_s=None if ps is None else (c.ic - ps.ic) * k,
                stance_s=None if fc is None else (fc - c.ic) * k,
                swing_s=None if ps is None or ps.fc is None else (c.ic - ps.fc) * k,
                step_length_m=sl,
                stride_length_m=stride_len,
                flags=flags,
                contact=c.kind,
                belt_m=belt_m[i],
                placement_m=placement[i],
            )
        )
    return out


class TruthLog:
    """The true steps of a live world, kept as they become final.

    A live world forgets contacts and folds belt dips older than its retention window
    (memory stays flat over hours), so each step's truth is computed while everything it
    needs is still held: once its final contact has happened (``fc <= now``) and, at the
    latest, when its contact is half a window old. Times are the box's clock (``clock_scale``)
    from the world's start. At most ``max_rows`` rows are kept (the oldest go first;
    ``dropped`` counts them): a server left running for days stays bounded.
    """

    def __init__(self, clock_scale: float, *, max_rows: int = 200_000) -> None:
        self.clock_scale = clock_scale
        self.max_rows = max_rows
        self.rows: list[TruthStep] = []
        self.dropped = 0
        self._last_ic = -np.inf  # IC (true seconds) of the last final row

    def due(self, contacts: Sequence[Contact], before: float) -> bool:
        """Whether a contact not yet final ended before ``before`` (cheap: one bisect)."""
        i = _first_after(contacts, self._last_ic)
        fc = contacts[i].fc if i < len(contacts) else None
        return fc is not None and fc < before

    def update(
        self,
        contacts: Sequence[Contact],
        *,
        belt: Treadmill | None,
        now: float,
        gaps: Sequence[tuple[float, float]] = (),
    ) -> list[TruthStep]:
        """Make final every step whose contact ended before ``now``; return the provisional rows
        of the steps still open (IC before ``now``)."""
        if _first_after(contacts, self._last_ic) >= len(contacts):
            return []
        rows = truth_steps(contacts, belt=belt, end_s=now, clock_scale=self.clock_scale, gaps=gaps)
        kept = [c for c in sorted(contacts, key=lambda c: c.ic) if 0.0 <= c.ic < now]
        provisional: list[TruthStep] = []
        for c, row in zip(kept, rows, strict=True):
            if c.ic <= self._last_ic:
                continue
            if c.fc is not None and c.fc < now and not provisional:
                self.rows.append(row)
                self._last_ic = c.ic
            else:
                provisional.append(row)
        if len(self.rows) > self.max_rows:
            extra = len(self.rows) - self.max_rows
            del self.rows[:extra]
            self.dropped += extra
        return provisional


def _first_after(contacts: Sequence[Contact], ic: float) -> int:
    """Index of the first contact whose IC is after ``ic`` (contacts are in IC order)."""
    return bisect.bisect_right(contacts, ic, key=lambda c: c.ic)


def match_steps(
    steps: Sequence[Mapping[str, Any]],
    truth: Sequence[Mapping[str, Any]],
    *,
    tolerance_s: float = 0.02,
    candidates: int = 5,
) -> list[Mapping[str, Any] | None]:
    """The true step behind each of ``steps`` (rows with ``side`` and ``ic_s``), or None.

    Another program's times start at its own zero (``stride live``: its first sample), so
    the two clocks differ by one unknown offset: the offset chosen is the one, among those
    that put one of the first ``candidates`` steps on a true IC of its side, under which
    the most ICs land within ``tolerance_s`` of a true IC of their side. A box that powered
    up again (an unplug) restarts its clock: steps after that match under another offset.
    """
    ics = {
        side: np.array(sorted(float(t["ic_s"]) for t in truth if t["side"] == side))
        for side in ("L", "R")
    }
    rows = {
        side: sorted((t for t in truth if t["side"] == side), key=lambda t: t["ic_s"])
        for side in ("L", "R")
    }
    live = {
        side: np.array([float(s["ic_s"]) for s in steps if s["side"] == side])
        for side in ("L", "R")
    }

    def nearest(side: str, q: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
        ref = ics[side]
        if ref.size == 0:
            return np.zeros(q.size, np.intp), np.zeros(q.size, bool)
        i = np.clip(np.searchsorted(ref, q), 1, max(ref.size - 1, 1))
        lo = np.clip(i - 1, 0, ref.size - 1)
        hi = np.clip(i, 0, ref.size - 1)
        pick = np.where(np.abs(ref[lo] - q) <= np.abs(ref[hi] - q), lo, hi)
        return pick, np.abs(ref[pick] - q) <= tolerance_s

    best_offset, best_n = None, 0
    for s in steps[:candidates]:
        for true_ic in ics.get(str(s["side"]), np.zeros(0)):
            offset = float(true_ic) - float(s["ic_s"])
            n = sum(int(nearest(side, live[side] + offset)[1].sum()) for side in ("L", "R"))
            if n > best_n:
                best_offset, best_n = offset, n
    out: list[Mapping[str, Any] | None] = []
    for s in steps:
        side = str(s["side"])
        if best_offset is None or side not in ics:
            out.append(None)
            continue
        pick, ok = nearest(side, np.array([float(s["ic_s"]) + best_offset]))
        out.append(rows[side][int(pick[0])] if ok[0] else None)
    return out
