"""What contact detection gives for one foot (:class:`FootContacts`): a row per contact,
and the counts of what it dropped; the rules that make the rows are in
:mod:`stride.core.contacts`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from stride.core.signals import Side


@dataclass(frozen=True, eq=False)
class FootContacts:
    """The contacts of one foot, one row per contact, in time order.

    ``on_t``/``off_t``: initial and final contact (s, interpolated between samples; the IC
    dated back along its rise and the FC extended to the baseline: :mod:`stride.core.contacts`);
    ``on_idx``/``off_idx``: the first sample above the onset level, and the
    first sample back in the unloaded band; ``complete``: False when the record edge or
    missing samples cut the contact (it gives no events); ``gap_before``: samples were
    missing between the previous contact and this one, or a known break (a box restart)
    came between them (no stride may bridge them);
    ``sensor_on_t``: (m, k) onset of each of the foot's sensors (NaN if it did not load);
    ``impulse``: baseline-removed summed force integrated over the contact (force units x
    s); ``peak``: its maximum; ``on_seen``/``off_seen``: the initial / final contact itself
    was observed (a contact cut by the record's end or a gap still has a real IC, and one
    that began unseen a real FC);
    ``complete`` = both. A stride may end at any seen IC whose previous contact's IC was
    seen, unless ``gap_before``. ``confidence``: 0..1, how clearly the contact stood out
    (the smallest of: how far its peak rose past the confirmation level, 1 at the load
    envelope; how far it outlasted ``min_contact_s``, 1 at twice; how far the range cleared
    the noise gate, 1 at twice). ``blips``: loadings dropped as too short (swing touches,
    a chattering sensor); ``touches``: touches dropped from the start of a contact;
    ``breaks``: samples that cut the foot's signal (a sum that is not finite, a time step
    above ``gap_factor / fs``, or a known break before it): none, and the foot's samples
    hold no gap.
    """

    side: Side
    on_t: NDArray[np.float64]
    off_t: NDArray[np.float64]
    on_idx: NDArray[np.int64]
    off_idx: NDArray[np.int64]
    complete: NDArray[np.bool_]
    gap_before: NDArray[np.bool_]
    sensor_on_t: NDArray[np.float64]
    impulse: NDArray[np.float64]
    peak: NDArray[np.float64]
    on_seen: NDArray[np.bool_]
    off_seen: NDArray[np.bool_]
    confidence: NDArray[np.float64]
    blips: int = 0
    touches: int = 0
    breaks: int = 0

    def __len__(self) -> int:
        return int(self.on_t.shape[0])

    def stride_times(self) -> NDArray[np.float64]:
        """Per contact, the time since the previous contact's IC (s); NaN where it is not
        measurable: the first contact, either IC unseen, or missing samples between."""
        out = np.full(self.on_t.shape, np.nan)
        if self.on_t.shape[0] > 1:
            ok = self.on_seen[1:] & self.on_seen[:-1] & ~self.gap_before[1:]
            out[1:][ok] = np.diff(self.on_t)[ok]
        return out

    @staticmethod
    def empty(side: Side, n_sensors: int) -> FootContacts:
        f = np.zeros(0, np.float64)
        i = np.zeros(0, np.int64)
        b = np.zeros(0, np.bool_)
        return FootContacts(side, f, f, i, i, b, b, np.zeros((0, n_sensors)), f, f, b, b, f)

    @staticmethod
    def concat(parts: list[FootContacts], side: Side, n_sensors: int) -> FootContacts:
        """Join contacts found in consecutive chunks (the counts of the last part: they
        are running totals of the stream). One part with contacts among empty ones is
        that part (with the last part's counts): no copy, and no dozen calls that a short
        record's analysis would mostly spend on joining nothing."""
        if not parts:
            return FootContacts.empty(side, n_sensors)
        full = [c for c in parts if len(c)]
        if len(full) == 1 and full[0].sensor_on_t.shape[1:] == (n_sensors,):
            one, last = full[0], parts[-1]
            counts = (last.blips, last.touches, last.breaks)
            if one.side == side and (one.blips, one.touches, one.breaks) == counts:
                return one
            return replace(one, side=side, blips=counts[0], touches=counts[1], breaks=counts[2])
        return FootContacts(
            side,
            np.concatenate([c.on_t for c in parts]),
            np.concatenate([c.off_t for c in parts]),
            np.concatenate([c.on_idx for c in parts]),
            np.concatenate([c.off_idx for c in parts]),
            np.concatenate([c.complete for c in parts]),
            np.concatenate([c.gap_before for c in parts]),
            np.concatenate([c.sensor_on_t for c in parts]),
            np.concatenate([c.impulse for c in parts]),
            np.concatenate([c.peak for c in parts]),
            np.concatenate([c.on_seen for c in parts]),
            np.concatenate([c.off_seen for c in parts]),
            np.concatenate([c.confidence for c in parts]),
            parts[-1].blips,
            parts[-1].touches,
            parts[-1].breaks,
        )
