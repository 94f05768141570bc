"""Warning lines about a foot's sensor that the contacts alone show: a force made mostly
of blips (a sensor touching nothing, a loose cable, a chattering contact)."""

from __future__ import annotations

from stride.core.signals import Side

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
