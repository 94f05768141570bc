"""Contact detection kernels, part 0 (private): where each tracker's fields sit in ``tr``.

``tr`` holds the foot's summed force's fields first (``tr[T_X]``, the ``T_*`` below),
then its sensors' in pages of :data:`PAGE` sensors, a
field's values of a page adjacent: sensor ``k``'s field ``T_X`` is
``tr[column(k) + R_X]``. Four sensors' values of a field are then one vector (their
block ends: :mod:`stride.core._contact_envelopes`), and the scan's field offsets stay
compile-time constants (a page's stride is fixed, not the sensor count).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stride.core._kernel_options import JIT_ONLY

# --- a tracker's fields: the sum's ``tr[T_X]``, sensor k's ``tr[column(k) + R_X]`` ---
T_L = 0  # baseline envelope (NaN until the first block)
T_H = 1  # load envelope
T_RREF = 2  # slowly decaying reference range
T_NZ = 3  # noise: smallest recent block spread
T_BMIN = 4  # current block minimum
T_BMAX = 5  # current block maximum
T_BCNT = 6  # valid samples in the current block
T_PREV = 7  # previous valid value (NaN after a gap)
T_ON = 8  # onset level: the foot's initial contact (force units)
T_LOW = 9  # contact level
T_MID = 10  # confirmation level
T_OK = 11  # 1 when the levels are usable (range clear of the noise)
T_LOADED = 12  # sensors: LOAD_UNKNOWN, UNLOADED or LOADED (above the contact level)
T_PRE = 13  # sensors: 1 while unloaded but above the unloaded band
T_PRE_T = 14  # sensors: the last upward crossing of the unloaded band (time, index)
T_PRE_I = 15
T_SON_T = 16  # sensors: onset in the open contact (NaN = not yet)
T_SON_I = 17
T_NS = 18  # spread of the unloaded blocks (the swing's noise band, peak to peak)
T_OFF = 19  # top of the unloaded band: final contact, lifts; a sensor's onset level
# sensors: the previous three blocks' minima, the last first (NaN: none, or no sample in
# it; the sum keeps its own in the foot's state)
T_PBMIN = 20
T_PBMIN2 = 21
T_PBMIN3 = 22
T_SPARE = 23  # unused: a page's start is a multiple of 64 bytes from tr's start
N_T = 24  # fields of a tracker
#: sensors a page
PAGE_BITS = 3
PAGE = 1 << PAGE_BITS
#: sensors whose block ends are done at once (a vector of float64; divides PAGE)
LANES = 4
# each field's offset in a sensor's tracker, unsigned: numba tests a signed index for a
# negative value at every use (the heel + toe scan took 3-7 % longer with them signed), and
# constants, not a table: each lookup in a table is typed, a first run's compile
R_BCNT = np.uint64(PAGE * T_BCNT)
R_BMAX = np.uint64(PAGE * T_BMAX)
R_BMIN = np.uint64(PAGE * T_BMIN)
R_L = np.uint64(PAGE * T_L)
R_LOADED = np.uint64(PAGE * T_LOADED)
R_LOW = np.uint64(PAGE * T_LOW)
R_OFF = np.uint64(PAGE * T_OFF)
R_OK = np.uint64(PAGE * T_OK)
R_PRE = np.uint64(PAGE * T_PRE)
R_PREV = np.uint64(PAGE * T_PREV)
R_PRE_I = np.uint64(PAGE * T_PRE_I)
R_PRE_T = np.uint64(PAGE * T_PRE_T)
R_SON_I = np.uint64(PAGE * T_SON_I)
R_SON_T = np.uint64(PAGE * T_SON_T)


@njit(cache=True, **JIT_ONLY)
def column(k: int) -> np.uint64:
    """Where sensor ``k``'s tracker starts in ``tr`` (unsigned, as the ``R_*``)."""
    return np.uint64(N_T + (k >> PAGE_BITS) * (N_T * PAGE) + (k & (PAGE - 1)))
