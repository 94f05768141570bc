"""Warning lines about a foot's sensor that the contacts alone show: a force made mostly
of blips (a sensor touching nothing, a loose cable, a chattering contact), and one of a
foot's several sensors never loaded in any of its contacts (a loose cable, a dead sensor:
its channel reads a constant, or a walker who never loads that part of the foot)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stride.core.foot_contacts import FootContacts
from stride.core.signals import SIDE_NAMES, Channel, Side

#: a foot with at least this many blips, and more blips than contacts, gets a warning
BLIP_WARNING = 10


def blip_warnings(counts: dict[Side, tuple[int, int]], min_contact_s: float) -> list[str]:
    """One line per foot whose force made mostly blips (``counts[side]`` = blips,
    contacts): a sensor touching nothing, a loose cable or a chattering contact gives
    short loadings and no contacts, never invented strides; the line says so."""
    out = []
    for side, (blips, contacts) in counts.items():
        if blips >= BLIP_WARNING and blips > contacts:
            out.append(
                f"foot {side}: {blips} force blips shorter than {1000 * min_contact_s:.0f} ms"
                f" and {contacts} contacts: is its sensor loose or touching nothing?"
            )
    return out


#: a foot of several sensors with at least this many complete contacts (it is walking)
#: gets a line for each of its sensors that loaded in none of them
DEAD_MIN_CONTACTS = 20
_WALKS = {"heel": " (toe walking)"}


def dead_sensor_warnings(
    contacts: Mapping[Side, FootContacts], channels: Sequence[Channel]
) -> list[str]:
    """One line per sensor of a foot with several that is never loaded in any of the
    foot's contacts (its onset, ``FootContacts.sensor_on_t``, NaN in every one; at least
    ``DEAD_MIN_CONTACTS`` of them complete) while another of the foot's sensors is: the
    contacts, found on the foot's summed force, stand; the foot's roll-over and loading
    figures then rest on the other sensors alone. What the scan gave: no pass over the
    samples."""
    out = []
    for side, foot in contacts.items():
        cols = [j for j, c in enumerate(channels) if c.side == side]
        if len(cols) < 2 or foot.sensor_on_t.shape[1:] != (len(cols),):
            continue
        on = foot.sensor_on_t
        if len(on) < DEAD_MIN_CONTACTS or np.isfinite(on[:DEAD_MIN_CONTACTS]).any(axis=0).all():
            continue  # each loaded in one of the first contacts: a few microseconds a foot
        complete = int(np.count_nonzero(foot.complete))
        if complete < DEAD_MIN_CONTACTS:
            continue
        loaded = [bool(v) for v in np.asarray(np.isfinite(on).any(axis=0))]
        if all(loaded) or not any(loaded):
            continue
        live = [channels[j].place for j, ok in zip(cols, loaded, strict=True) if ok]
        was = f"its {live[0]} sensor was" if len(live) == 1 else "its other sensors were"
        rest = f"its {live[0]} sensor alone" if len(live) == 1 else "its other sensors"
        for j, ok in zip(cols, loaded, strict=True):
            c = channels[j]
            if not ok:
                out.append(
                    f"{SIDE_NAMES[side]} {c.place} sensor ({c.name}, channel {j}) never loaded in"
                    f" {complete} contacts while {was}: a loose cable, a dead sensor,"
                    f" or a walker who never loads it{_WALKS.get(c.place, '')}; the"
                    f" {SIDE_NAMES[side]} foot's roll-over and loading figures rest on {rest}"
                )
    return out
