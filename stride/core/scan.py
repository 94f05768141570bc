"""The part of the analysis that reads the samples themselves: each foot's contacts and
the gaps (:func:`scan_samples`). The rest of it
(:func:`stride.core.analyzer.analyze_scan`) reads only the signals' channels, rate and
belt, so a caller may let the samples go in between: an hour's times and forces are
about twice the size of the recording they were read from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from stride.core.clock import SampleClock
from stride.core.contacts import (
    THREAD_MIN_SAMPLES,
    ContactParams,
    FootContacts,
    beside,
    detect_feet,
)
from stride.core.denoise import Onset, denoised, onsets
from stride.core.gaps import GAP_PERIODS, find_gaps
from stride.core.noise import noise_sums, sums_pairs
from stride.core.polarity import Figure, polarity_figure
from stride.core.signals import Channel, GaitSignals, Side
from stride.errors import InputError

SIDES: tuple[Side, Side] = ("L", "R")
#: records of at least this many seconds take their polarity figure on the foot thread
#: (where the feet are scanned side by side): it reads ten rows a second, 5-25 ns each
#: (an hour's 0.2-0.9 ms), and the hand-over costs 0.03-0.15 ms
POLARITY_BESIDE_S = 1000.0


@dataclass(frozen=True)
class Scan:
    """What the analysis takes from the samples: each foot's contacts, the gaps (starts,
    ends), the number of samples, each channel's noise SD and loaded-unloaded range
    (:func:`~stride.core.noise.noise_pairs`; empty: not measured), the feet whose
    samples were filtered before their contacts were found, from where and how
    (:class:`~stride.core.denoise.Onset`), and the two feet's correlation over the walking
    (:mod:`stride.core.polarity`; None: not measured)."""

    contacts: dict[Side, FootContacts]
    gap_starts: NDArray[np.float64]
    gap_ends: NDArray[np.float64]
    samples: int
    noise: tuple[tuple[float, float], ...] = field(default=())
    filtered: tuple[tuple[Side, Onset], ...] = field(default=())
    polarity: Figure | None = None


def scan_samples(signals: GaitSignals, contact: ContactParams) -> Scan:
    """The contacts, gaps and noise figures of the samples (the first part of ``analyze``);
    a foot too noisy to trust has its contacts found in a filtered copy of its samples
    (:mod:`stride.core.denoise`), everything else reads them as they are."""
    for side in SIDES:
        columns(signals.channels, side)
    check_belt(signals)
    fs = float(signals.fs)
    # a long record's polarity figure (its kernel reads ten rows a second: memory
    # latency) on the foot thread while the noise figures are taken here, where the feet
    # go side by side; its result (or error) taken where it was computed before
    polar = beside(
        lambda: polarity_figure(signals.forces, signals.channels, fs),
        signals.n >= max(THREAD_MIN_SAMPLES, POLARITY_BESIDE_S * fs),
    )
    sums = noise_sums(signals.forces, fs)
    noise = sums_pairs(sums)
    polarity = polar()
    feet = onsets(sums, signals.channels, float(signals.fs), lambda i: float(signals.t[i]))
    scanned = signals
    if feet:
        x = denoised(signals.forces, signals.channels, feet, float(signals.fs))
        scanned = replace(signals, forces=x)
    contacts = detect_feet(scanned, SIDES, contact)
    del scanned
    done = tuple(feet.items())
    if _gapless(signals, contacts, contact):
        none = np.zeros(0, np.float64)
        return Scan(contacts, none, none.copy(), signals.n, noise, done, polarity)
    return replace(with_gaps(signals, contacts), noise=noise, filtered=done, polarity=polarity)


def _gapless(
    signals: GaitSignals, contacts: dict[Side, FootContacts], contact: ContactParams
) -> bool:
    """Whether the contact scan already showed that the samples hold no gap, so
    :func:`find_gaps` need not read them again: no foot saw a break (a row with a NaN in
    its columns, or a time step above ``gap_factor / fs``, at most find_gaps' own limit),
    and every channel belongs to a foot."""
    return (
        contact.gap_factor <= GAP_PERIODS
        and all(c.side in SIDES for c in signals.channels)
        and all(contacts[side].breaks == 0 for side in SIDES)
        and (signals.breaks is None or not len(signals.breaks))
    )


def with_gaps(signals: GaitSignals, contacts: dict[Side, FootContacts]) -> Scan:
    """The scan of signals whose contacts are known: their gaps found."""
    forces = np.asarray(signals.forces)
    t = signals.t if isinstance(signals.t, SampleClock) else np.asarray(signals.t, np.float64)
    gs, ge = find_gaps(t, forces, float(signals.fs), signals.breaks)
    return Scan(contacts, gs, ge, signals.n)


def columns(channels: Sequence[Channel], side: Side) -> list[int]:
    """The columns of one foot; an InputError if it has none."""
    cols = [i for i, c in enumerate(channels) if c.side == side]
    if not cols:
        raise InputError(
            f"the signals have no channel for foot {side!r}",
            fix="map at least one force channel to each foot",
        )
    return cols


def check_belt(signals: GaitSignals) -> int:
    """The number of belts (0: none); an InputError if the belt arrays do not fit."""
    if signals.belt_t is None or signals.belt_speed is None:
        return 0
    bs = np.asarray(signals.belt_speed)
    if bs.ndim == 1:
        bs = bs[:, None]
    if bs.shape[0] != np.asarray(signals.belt_t).shape[0] or bs.shape[1] not in (1, 2):
        raise InputError(
            f"belt speed of shape {bs.shape} does not fit {np.shape(signals.belt_t)} times",
            fix="give one speed column (one belt) or two (split belts) per belt time",
        )
    return int(bs.shape[1])
