"""The sensors' block ends in vectors (``envelopes4``: four trackers' envelopes at once;
``envelopes8``: a page of eight) against the scalar ``envelopes`` applied to each tracker
as the scan's block end did it: bit for bit, for a first block (NaN baseline), no samples
in the block, unloaded, loaded and unknown load states, ties, spreads above and below the
noise, levels usable or not."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numba import njit

from stride.core import _contact_layout as lay
from stride.core import _contact_state as k
from stride.core._contact_envelopes import envelopes4, envelopes8
from stride.core._contact_layout import LANES, N_T, PAGE, column
from stride.core._contact_state import envelope_params, envelopes
from stride.core.contact_params import ContactParams, _param_vector

#: the glitch rule's settings (jump, back) as the scan passes them by default
GP = (0.15, 3.0)


@njit
def _vector(tr: np.ndarray, first: int, p: np.ndarray, gp: tuple) -> None:
    envelopes4(tr, column(first), envelope_params(p), gp)


@njit
def _vector8(tr: np.ndarray, first: int, p: np.ndarray, gp: tuple) -> None:
    envelopes8(tr, column(first), envelope_params(p), gp)


@njit
def _scalar(
    args: tuple[float, ...], lmin: float, unloaded: bool, p: np.ndarray
) -> tuple[float, ...]:
    bmin, bmax, lo, hi, rref, nz, ns, low = args
    return envelopes(
        bmin, bmax, lmin, bmax, lo, hi, rref, nz, ns, low, unloaded, envelope_params(p)
    )


def _confirmed(args: tuple[float, ...], pmins: list[float], gp: tuple) -> float:
    """The level the baseline follows at once, written out as the scan's rule for the sum."""
    jump, back = gp
    bmin, _, lo, hi = args[:4]
    lmin = bmin
    if lo - bmin > jump * (hi - lo):
        for q in range(int(back)):
            lmin = pmins[q] if pmins[q] > lmin else lmin
    return lmin


def _at(sensor: int, field: int) -> int:
    """Where ``sensor``'s ``field`` is in ``tr`` (``column(sensor) + R_*``), in Python."""
    page, lane = divmod(sensor, PAGE)
    return N_T + page * N_T * PAGE + lane + PAGE * field


def _block_end(tr: np.ndarray, sensor: int, p: np.ndarray, gp: tuple) -> None:
    """The scan's block end for one sensor, with the scalar ``envelopes``."""
    f = {name: _at(sensor, name) for name in range(N_T)}
    seen = tr[f[lay.T_BCNT]] > 0.0
    bmin = tr[f[lay.T_BMIN]]
    pmins = [float(tr[f[x]]) for x in (lay.T_PBMIN, lay.T_PBMIN2, lay.T_PBMIN3)]
    if seen:
        fields = (
            lay.T_BMIN,
            lay.T_BMAX,
            lay.T_L,
            lay.T_H,
            lay.T_RREF,
            lay.T_NZ,
            lay.T_NS,
            lay.T_LOW,
        )
        args = tuple(float(tr[f[x]]) for x in fields)
        lmin = _confirmed(args, pmins, gp)
        env = _scalar(args, lmin, bool(tr[f[lay.T_LOADED]] == k.UNLOADED), p)
        out = (
            lay.T_L,
            lay.T_H,
            lay.T_RREF,
            lay.T_NZ,
            lay.T_NS,
            lay.T_OFF,
            lay.T_ON,
            lay.T_LOW,
            lay.T_MID,
            lay.T_OK,
        )
        for x, v in zip(out, env, strict=True):
            tr[f[x]] = v
    tr[f[lay.T_PBMIN3]], tr[f[lay.T_PBMIN2]] = pmins[1], pmins[0]
    tr[f[lay.T_PBMIN]] = bmin if seen else np.nan
    tr[f[lay.T_BMIN]] = np.inf
    tr[f[lay.T_BMAX]] = -np.inf
    tr[f[lay.T_BCNT]] = 0.0
    if tr[f[lay.T_OK]] == 0.0:
        tr[f[lay.T_LOADED]] = k.LOAD_UNKNOWN
        tr[f[lay.T_PRE]] = 0.0


# small values make ties (a block minimum at the baseline, a spread equal to the noise),
# the rest any finite size; a tracker's fields drawn one by one
_VALUE = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 2.0, 3.0, 0.5, -1.0, 10.0]),
    st.floats(-1e4, 1e4, allow_nan=False),
)
_TRACKER = st.fixed_dictionaries({
    "bmin": _VALUE, "spread": st.one_of(st.sampled_from([0.0, 1.0, 2.0]), st.floats(0, 1e4)),
    "lo": st.one_of(st.just(np.nan), _VALUE), "range": st.floats(0, 1e4),
    "rref": st.floats(0, 1e4), "nz": st.one_of(st.sampled_from([0.0, 1.0, 2.0]), st.floats(0, 1e3)),
    "ns": st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1e3)), "low": _VALUE,
    "loaded": st.sampled_from([k.UNLOADED, k.LOADED, k.LOAD_UNKNOWN]),
    "count": st.sampled_from([0.0, 1.0, 40.0]), "pre": st.sampled_from([0.0, 1.0]),
    "old": st.lists(_VALUE, min_size=4, max_size=4), "ok": st.sampled_from([0.0, 1.0]),
    "prev": st.lists(st.one_of(st.just(np.nan), _VALUE), min_size=3, max_size=3),
})  # fmt: skip
_RATES = st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5)
#: the glitch rules' settings: the defaults, off, and others (a run-time value each)
_GP = st.sampled_from([GP, (0.15, 0.0), (0.0, 1.0), (0.5, 2.0)])


def _fill(tr: np.ndarray, sensor: int, d: dict) -> None:
    f = {name: _at(sensor, name) for name in range(N_T)}
    tr[f[lay.T_BMIN]] = d["bmin"]
    tr[f[lay.T_BMAX]] = d["bmin"] + d["spread"]
    tr[f[lay.T_L]] = d["lo"]
    tr[f[lay.T_H]] = d["lo"] + d["range"]
    tr[f[lay.T_RREF]] = d["rref"]
    tr[f[lay.T_NZ]] = d["nz"]
    tr[f[lay.T_NS]] = d["ns"]
    tr[f[lay.T_LOW]] = d["low"]
    tr[f[lay.T_LOADED]] = d["loaded"]
    tr[f[lay.T_BCNT]] = d["count"]
    tr[f[lay.T_PRE]] = d["pre"]
    tr[f[lay.T_OFF]], tr[f[lay.T_ON]], tr[f[lay.T_MID]], tr[f[lay.T_PRE_T]] = d["old"]
    tr[f[lay.T_OK]] = d["ok"]
    tr[f[lay.T_PREV]] = d["low"] - 1.0
    for x, v in zip((lay.T_PBMIN, lay.T_PBMIN2, lay.T_PBMIN3), d.get("prev", ()), strict=False):
        tr[f[x]] = v


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_TRACKER, min_size=1, max_size=12), _RATES,
    st.sampled_from([None, 0.0, 1.0]), st.sampled_from([LANES, PAGE]), _GP,
)  # fmt: skip
@example(
    [{"bmin": 0.0, "spread": 2.0, "lo": np.nan, "range": 0.0, "rref": 0.0, "nz": 0.0,
      "ns": 0.0, "low": 0.0, "loaded": k.UNLOADED, "count": 40.0, "pre": 1.0,
      "old": [0.0, 0.0, 0.0, 0.0], "ok": 1.0}] * 8, [0.25, 0.1, 0.2, 0.01, 0.05], None, PAGE,
    GP,
)  # fmt: skip
@example(  # a glitch far below the baseline, confirmed in part
    [{"bmin": -50.0, "spread": 200.0, "lo": 0.0, "range": 100.0, "rref": 100.0, "nz": 1.0,
      "ns": 1.0, "low": 20.0, "loaded": loaded, "count": 40.0, "pre": 0.0,
      "old": [5.0, 5.0, 50.0, 0.0], "ok": 1.0, "prev": [-20.0, np.nan, -60.0]}
     for loaded in (k.UNLOADED, k.LOADED, k.LOAD_UNKNOWN, k.UNLOADED)],
    [0.25, 0.1, 0.2, 0.01, 0.05], None, LANES, GP,
)  # fmt: skip
def test_envelopes4_equal_the_scalar_block_end(
    trackers: list[dict], rates: list[float], k_noise: float | None, lanes: int, gp: tuple
) -> None:
    """Four trackers at a time (``envelopes4``) or a page of eight (``envelopes8``), with
    the glitch rule (a far minimum confirmed by the previous blocks' minima)."""
    p = _param_vector(1000.0, ContactParams())
    for where, v in zip((k.P_F_FLOOR, k.P_A_ENV, k.P_A_SWING, k.P_A_REF, k.P_A_NOISE), rates,
                        strict=True):  # fmt: skip
        p[where] = v
    if k_noise is not None:
        p[k.P_K_NOISE] = k_noise
    tr, _ = k.new_state(len(trackers))
    for sensor, d in enumerate(trackers):
        _fill(tr, sensor, d)
    want = tr.copy()
    padded = -(-len(trackers) // lanes) * lanes
    for sensor in range(padded):  # the page's padding trackers too: no samples, kept
        _block_end(want, sensor, p, gp)
    plain = tr.copy()
    vector, python = (_vector, envelopes4) if lanes == LANES else (_vector8, envelopes8)
    for first in range(0, padded, lanes):
        vector(tr, first, p, gp)
        # the same from plain Python (the scan run as Python: kernels.scan_as_python)
        python(plain, _at(first, 0), envelope_params.py_func(p), gp)
    assert tr.view(np.uint64).tolist() == want.view(np.uint64).tolist()
    assert plain.view(np.uint64).tolist() == want.view(np.uint64).tolist()


def test_a_tracker_beyond_the_four_is_untouched() -> None:
    """The vector takes exactly its four trackers: the sum's and the next four's state
    stay as they were."""
    p = _param_vector(1000.0, ContactParams())
    tr, _ = k.new_state(8)
    for sensor in range(8):
        _fill(tr, sensor, {"bmin": 1.0, "spread": 3.0, "lo": 0.5, "range": 4.0, "rref": 4.0,
                           "nz": 0.5, "ns": 0.5, "low": 2.0, "loaded": k.UNLOADED,
                           "count": 40.0, "pre": 0.0, "old": [1.0] * 4, "ok": 1.0})  # fmt: skip
    before = tr.copy()
    _vector(tr, 0, p, GP)
    bits, was = tr.view(np.uint64), before.view(np.uint64)
    changed = {i for i in range(tr.shape[0]) if bits[i] != was[i]}
    firsts = {_at(s, x) for s in range(4) for x in range(N_T)}
    assert changed and changed <= firsts


def test_a_tracker_beyond_the_page_is_untouched() -> None:
    """``envelopes8`` takes exactly its page's eight trackers: the sum's and the next
    page's state stay as they were."""
    p = _param_vector(1000.0, ContactParams())
    tr, _ = k.new_state(16)
    for sensor in range(16):
        _fill(tr, sensor, {"bmin": 1.0, "spread": 3.0, "lo": 0.5, "range": 4.0, "rref": 4.0,
                           "nz": 0.5, "ns": 0.5, "low": 2.0, "loaded": k.UNLOADED,
                           "count": 40.0, "pre": 0.0, "old": [1.0] * 4, "ok": 1.0})  # fmt: skip
    before = tr.copy()
    _vector8(tr, 0, p, GP)
    bits, was = tr.view(np.uint64), before.view(np.uint64)
    changed = {i for i in range(tr.shape[0]) if bits[i] != was[i]}
    firsts = {_at(s, x) for s in range(PAGE) for x in range(N_T)}
    assert changed and changed <= firsts
    assert {_at(s, lay.T_L) for s in range(PAGE)} <= changed  # every one of the eight
