"""Known breaks in the contact scan (private to :mod:`stride.core.contacts`): a sensor box
that restarted (:attr:`~stride.core.signals.GaitSignals.breaks`) cuts the foot's signal
as missing samples do, however close the times on either side of it are.

The scan cuts at missing samples when it meets the first sample after them (its rule for
a time step above ``gap_factor / fs``: the open contact emitted, its final contact not
seen, and the state forgotten, so the next contact's initial contact is not seen either
when the foot was loaded, and that contact is marked ``gap_before``). A break is given as
a position instead of a time step: the samples are scanned up to it, then :func:`cut`
applies the same rule there (the stream's end for the open contact: the scan's own
``emit``, as the gap rule calls it, with the same arguments; then the rule's resets, the
kernel the gap rule calls: :func:`~stride.core._contact_gap.forget`), and the scan goes
on from it. No kernel code of its own: the scan's state carries across the call as across
any chunk boundary, so the contacts are those the gap rule would give at that sample, for
any chunking (tests compare them with the plain-Python reference, and the whole state
with the gap rule's at the same sample).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from stride.core import _contact_gap
from stride.core.foot_contacts import FootContacts

if TYPE_CHECKING:
    from stride.core.contact_runner import _FootRunner


def cut(runner: _FootRunner) -> FootContacts:
    """A break before the foot's next sample: the contact open, if any, ended there as
    missing samples end it (its final contact not seen), and the state forgotten as they
    leave it (the scan's rule for missing samples: its own resets, ``forget``)."""
    got = runner.finish()  # the open contact as the gap rule emits it (the stream's end)
    # (looked up at the call: the scan run as plain Python, kernels.scan_as_python, has
    # it and the kernels it calls as Python too, none compiled while that lasts)
    _contact_gap.forget(runner.fs, runner.tr, runner.nk)
    return got


def feed_cut(
    runner: _FootRunner,
    t: NDArray[np.float64],
    x: NDArray[np.generic],
    at: NDArray[np.intp],
    end: bool = False,
) -> FootContacts:
    """:meth:`_FootRunner.feed` of ``t``/``x`` with a break before each sample ``at``
    (positions in ``t``, sorted, each once: :func:`~stride.core.gaps.break_samples`)."""
    parts = []
    a = 0
    for k in at.tolist():
        if k > a:
            parts.append(runner.feed(t[a:k], x[a:k]))
        parts.append(cut(runner))
        a = k
    parts.append(runner.feed(t[a:], x[a:], end=end))
    return FootContacts.concat(parts, runner.side, runner.nk)
