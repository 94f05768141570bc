"""Contact detection kernels, part 2c (private): sensors' envelopes at a block's end.

An insole's foot has eight sensors, each a tracker whose envelopes and levels
:func:`~stride.core._contact_state.envelopes` updates at every block's end (40 samples):
eight calls of a branchy scalar function a block, about 15 % of the insole scan's CPU.
:func:`envelopes4` does the same arithmetic on four trackers at once, a lane of float64 a
tracker (written in LLVM IR: every ``if`` of ``envelopes`` is a select here), and
:func:`envelopes8` on the eight trackers of a page (a foot of more than four sensors:
one call, vectors of eight, where two of four took 2-5 % more of the insole8 float32
scan; a heel + toe foot's two sensors keep vectors of four: eight lanes made its scan
2-10 % slower). ``tr`` keeps a field of :data:`~stride.core._contact_layout.PAGE`
sensors in adjacent values, so a field of four or eight is one vector load and store
(with a tracker a row, gathering the fields into vectors and back cost what the vectors
saved). Each lane takes the same operations
in the same order as the scalar function (no fused multiply-add: the IR carries no
fast-math flags), so its results are the scalar function's bit for bit: a tracker
without its first block (NaN baseline), one without samples in this block (left as it
was, as a page's padding trackers always are), loaded or unloaded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]  # numba's dependency, no stubs
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from stride.core._contact_layout import (
    LANES,
    PAGE,
    T_BCNT,
    T_BMAX,
    T_BMIN,
    T_H,
    T_L,
    T_LOADED,
    T_LOW,
    T_MID,
    T_NS,
    T_NZ,
    T_OFF,
    T_OK,
    T_ON,
    T_PBMIN,
    T_PBMIN2,
    T_PBMIN3,
    T_PRE,
    T_RREF,
)
from stride.core._contact_state import LOAD_UNKNOWN, UNLOADED

_F64 = ir.DoubleType()
_I32 = ir.IntType(32)
_I64 = ir.IntType(64)
#: the fields read (the scan's state of each tracker) and written
_READ = (T_BMIN, T_BMAX, T_L, T_H, T_RREF, T_NZ, T_NS, T_LOW, T_LOADED, T_BCNT, T_PRE, T_OFF,
         T_ON, T_MID, T_OK, T_PBMIN, T_PBMIN2, T_PBMIN3)  # fmt: skip
#: a sensor's previous blocks' minima, the last first
_PBMINS = (T_PBMIN, T_PBMIN2, T_PBMIN3)
#: what ``envelopes`` returns, in its order
_WRITTEN = (T_L, T_H, T_RREF, T_NZ, T_NS, T_OFF, T_ON, T_LOW, T_MID, T_OK)


def _splatter(lanes: int) -> Any:
    """A function giving a constant vector of ``lanes`` float64, each lane its argument."""
    vec_t = ir.VectorType(_F64, lanes)
    return lambda v: ir.Constant(vec_t, [v] * lanes)


def _fold(b: Any, g: dict[int, Any], ep: list[Any], gp: list[Any], lanes: int) -> dict[int, Any]:
    """``envelopes`` on the ``lanes`` lanes of ``g`` (a field's values by field), every
    ``if`` a select, with the level the baseline follows at once (``lmin``) as
    :func:`confirmed` gives it (``gp``: its settings, a vector each); returns the fields
    it writes (before the untouched lanes are put back)."""
    _splat = _splatter(lanes)
    f_floor, a_env, a_swing, a_ref, a_noise, f_off, f_on, f_low, f_mid, k_noise = ep
    sel, lt, gt = b.select, (lambda x, y: b.fcmp_ordered("<", x, y)), (
        lambda x, y: b.fcmp_ordered(">", x, y))  # fmt: skip
    bmin, bmax, lo, hi, rref, nz, ns = (g[k] for k in (T_BMIN, T_BMAX, T_L, T_H, T_RREF,
                                                       T_NZ, T_NS))  # fmt: skip
    unloaded = b.fcmp_ordered("==", g[T_LOADED], _splat(UNLOADED))
    jump, back = gp
    # the sum's glitch rule for the baseline: a level far below it is one the last
    # ``back`` blocks reached too
    # (a branch, not selects: a far minimum is rare, and the chain of selects on every
    # block end delayed the levels the next samples wait for: the heel + toe scan took
    # 7-18 % longer)
    far = gt(b.fsub(lo, bmin), b.fmul(jump, b.fsub(hi, lo)))
    lmin_at = cgutils.alloca_once_value(b, bmin)
    bits = b.bitcast(far, ir.IntType(lanes))
    with b.if_then(b.icmp_unsigned("!=", bits, ir.Constant(ir.IntType(lanes), 0)), likely=False):
        lmin = bmin
        for q, field in enumerate(_PBMINS):
            use = b.and_(b.and_(far, gt(back, _splat(q + 0.5))), gt(g[field], lmin))
            lmin = sel(use, g[field], lmin)
        b.store(lmin, lmin_at)
    lmin = b.load(lmin_at)
    spread = b.fsub(bmax, bmin)
    first = b.fcmp_unordered("!=", lo, lo)
    # the scalar function's else branch, on every lane (the first block's lanes dropped)
    rng = b.fsub(hi, lo)
    floor = b.fmul(f_floor, rref)
    leaks = gt(rng, floor)
    leak = b.fmul(a_env, b.fsub(rng, floor))
    hi1 = sel(leaks, b.fsub(hi, leak), hi)
    lo1 = sel(b.and_(leaks, unloaded), b.fadd(lo, leak), lo)
    below = b.and_(unloaded, b.fcmp_ordered("<=", bmax, g[T_LOW]))
    follow = b.and_(below, gt(bmin, lo1))
    lo2 = sel(follow, b.fadd(lo1, b.fmul(a_swing, b.fsub(bmin, lo1))), lo1)
    rate = sel(lt(spread, ns), a_swing, a_noise)
    ns1 = sel(below, b.fadd(ns, b.fmul(rate, b.fsub(spread, ns))), ns)
    lo3 = sel(lt(lmin, lo2), lmin, lo2)
    hi3 = sel(gt(bmax, hi1), bmax, hi1)
    decayed = b.fmul(rref, b.fsub(_splat(1.0), a_ref))
    wide = b.fsub(hi3, lo3)
    rref1 = sel(gt(wide, decayed), wide, decayed)
    nz1 = sel(lt(spread, nz), spread, b.fadd(nz, b.fmul(a_noise, b.fsub(spread, nz))))
    out = {
        T_L: sel(first, bmin, lo3), T_H: sel(first, bmax, hi3),
        T_RREF: sel(first, spread, rref1), T_NZ: sel(first, spread, nz1),
        T_NS: sel(first, spread, ns1),
    }  # fmt: skip
    lo = out[T_L]
    rng = b.fsub(out[T_H], lo)
    new_low = b.fadd(lo, b.fmul(f_low, rng))
    band = b.fmul(_splat(2.0), out[T_NS])
    part = b.fmul(f_on, rng)
    on = b.fadd(lo, sel(gt(band, part), band, part))
    on = sel(lt(new_low, on), new_low, on)
    part = b.fmul(f_off, rng)
    off = b.fadd(lo, sel(gt(band, part), band, part))
    out[T_OFF] = sel(lt(on, off), on, off)
    out[T_ON] = on
    out[T_LOW] = new_low
    mid = b.fadd(lo, b.fmul(f_mid, rng))
    out[T_MID] = mid
    clear = b.and_(gt(rng, _splat(0.0)), gt(rng, b.fmul(k_noise, out[T_NZ])))
    out[T_OK] = sel(b.and_(clear, gt(mid, new_low)), _splat(1.0), _splat(0.0))
    return out


def _splat_value(builder: Any, v: Any, lanes: int) -> Any:
    """A vector of ``lanes`` float64, each lane the run-time value ``v``."""
    vec = ir.Constant(ir.VectorType(_F64, lanes), ir.Undefined)
    for lane in range(lanes):
        vec = builder.insert_element(vec, v, ir.Constant(_I32, lane))
    return vec


def _codegen(lanes: int) -> Any:
    """The block end of ``lanes`` trackers at once (four: any foot; eight: a page)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return _block_end(context, builder, signature, args, lanes)

    return codegen


def _block_end(context: Any, builder: Any, signature: Any, args: Any, lanes: int) -> Any:
    trv, j0, epv, gpv = args
    # the function this is lowered into (the overloads' impl below) always inlined into
    # its caller, the scan: with the far-minimum rule it grew past LLVM's inlining
    # threshold, and a call on every block end (its dozen arguments through the stack,
    # the scan's vector registers saved and reloaded around it) cost the scan 1-5 %;
    # numba's own ``inline="always"`` of the overloads types the scan again (its first
    # compile about 10 % longer), LLVM's attribute costs the compile next to nothing
    builder.function.attributes.add("alwaysinline")
    arr = context.make_array(signature.args[0])(context, builder, trv)
    first = builder.gep(arr.data, [j0])
    vec_t = ir.VectorType(_F64, lanes)
    _splat = _splatter(lanes)

    def at(field: int) -> Any:  # the field's values of the trackers from j0
        where = builder.gep(first, [ir.Constant(_I64, PAGE * field)])
        return builder.bitcast(where, vec_t.as_pointer())

    g = {field: builder.load(at(field), align=8) for field in _READ}
    ep = []
    for k in range(10):
        ep.append(_splat_value(builder, builder.extract_value(epv, k), lanes))
    gp = [_splat_value(builder, builder.extract_value(gpv, k), lanes) for k in range(2)]
    new = _fold(builder, g, ep, gp, lanes)
    seen = builder.fcmp_ordered(">", g[T_BCNT], _splat(0.0))  # samples in this block
    out = {k: builder.select(seen, v, g[k]) for k, v in new.items()}
    # the previous blocks' minima, the last first (NaN: no sample in the block)
    out[T_PBMIN3] = g[T_PBMIN2]
    out[T_PBMIN2] = g[T_PBMIN]
    out[T_PBMIN] = builder.select(seen, g[T_BMIN], _splat(float("nan")))
    unusable = builder.fcmp_ordered("==", out[T_OK], _splat(0.0))
    out[T_LOADED] = builder.select(unusable, _splat(LOAD_UNKNOWN), g[T_LOADED])
    out[T_PRE] = builder.select(unusable, _splat(0.0), g[T_PRE])
    out[T_BMIN] = _splat(float("inf"))
    out[T_BMAX] = _splat(float("-inf"))
    out[T_BCNT] = _splat(0.0)
    for field, vec in out.items():
        builder.store(vec, at(field), align=8)
    return context.get_dummy_value()


def _typed(tr: Any, j0: Any) -> bool:
    return (isinstance(tr, types.Array) and tr.ndim == 1 and tr.dtype == types.float64
            and tr.layout == "C" and isinstance(j0, types.Integer))  # fmt: skip


@intrinsic
def _envelopes4(typingctx: Any, tr: Any, j0: Any, ep: Any, gp: Any) -> Any:
    """The block's end for the four sensors whose trackers start at ``tr[j0]`` (``j0``:
    ``column(k)`` with ``k`` a multiple of :data:`LANES`): each with samples in the block
    gets :func:`~stride.core._contact_state.envelopes` of its block extremes (unloaded:
    its load state is ``UNLOADED``), its block extremes and count are reset, and one whose
    levels are unusable forgets its load state; the scan's block end for a sensor, bit for
    bit. ``ep``: ``envelope_params(p)``; ``gp``: the far-minimum rule's settings
    (:func:`confirmed`)."""
    return (types.none(tr, j0, ep, gp), _codegen(LANES)) if _typed(tr, j0) else None


@intrinsic
def _envelopes8(typingctx: Any, tr: Any, j0: Any, ep: Any, gp: Any) -> Any:
    """:func:`_envelopes4` for the eight sensors of a page (``j0``: ``column(k)`` with
    ``k`` a multiple of :data:`PAGE`), one vector of eight a field: an insole's foot
    (four-wide, its block end takes two calls; a heel + toe foot's pads four lanes, not
    eight)."""
    return (types.none(tr, j0, ep, gp), _codegen(PAGE)) if _typed(tr, j0) else None


#: the intrinsics as numba code calls them (numba passes the typing context)
_vectors: Any = _envelopes4
_vectors8: Any = _envelopes8


def confirmed(bmin: float, lo: float, hi: float, pmins: Any, gp: Any) -> float:
    """The level a sensor's baseline follows at once from a block of minimum ``bmin``
    (the scan's rule for the foot's sum): a minimum more than ``jump`` of the range below
    the baseline ``lo`` only as far as the last ``back`` blocks (minima ``pmins``, the
    last first) all reached. ``gp``: (``jump``, ``back``), the scan's settings.

    Why the sensors too: the initial contact of a foot of several sensors is its first
    sensor's onset, and a glitch taken as a sensor's baseline lowers its onset and
    contact levels below its true baseline for good (relearnt only while the sensor is
    unloaded, which it then never is): its onsets are lost. The load level keeps no such
    rule (a glitch above it raises the onset level by a fraction of the glitch, and the
    level leaks back): with it no glitch figure moved, real insole records' did. Nor is
    a loaded sensor's baseline held (``hold_base``, the sum's in stance): it moved no
    glitch figure either, and without it the sensors' levels on clean signals are as
    before (a sensor is loaded and unloaded within the foot's stance)."""
    jump, back = gp[0], gp[1]
    lmin = bmin
    if lo - bmin > jump * (hi - lo):
        for q in range(3):
            if back > q + 0.5 and pmins[q] > lmin:
                lmin = pmins[q]
    return lmin


def envelopes4(tr: Any, j0: Any, ep: Any, gp: Any, lanes: int = LANES) -> None:
    """:func:`_envelopes4` from plain Python (the scan run as Python by
    ``kernels.scan_as_python``): the scalar function on each of the four trackers, as
    the vectors do it; numba code calls the vectors (the overload below)."""
    from stride.core import _contact_state as state

    fold = getattr(state.envelopes, "py_func", state.envelopes)
    for lane in range(int(j0), int(j0) + lanes):
        at = {field: lane + PAGE * field for field in _READ}
        bmin, bmax = tr[at[T_BMIN]], tr[at[T_BMAX]]
        seen = tr[at[T_BCNT]] > 0.0
        if seen:
            lo, hi = tr[at[T_L]], tr[at[T_H]]
            pmins = [tr[at[f]] for f in _PBMINS]
            lmin = confirmed(bmin, lo, hi, pmins, gp)
            args = [tr[at[f]] for f in (T_RREF, T_NZ, T_NS, T_LOW)]
            unloaded = tr[at[T_LOADED]] == UNLOADED
            env = fold(bmin, bmax, lmin, bmax, lo, hi, *args, unloaded, ep)
            for f, v in zip(_WRITTEN, env, strict=True):
                tr[at[f]] = v
        tr[at[T_PBMIN3]], tr[at[T_PBMIN2]] = tr[at[T_PBMIN2]], tr[at[T_PBMIN]]
        tr[at[T_PBMIN]] = bmin if seen else np.nan
        tr[at[T_BMIN]], tr[at[T_BMAX]], tr[at[T_BCNT]] = np.inf, -np.inf, 0.0
        if tr[at[T_OK]] == 0.0:
            tr[at[T_LOADED]], tr[at[T_PRE]] = LOAD_UNKNOWN, 0.0


def envelopes8(tr: Any, j0: Any, ep: Any, gp: Any) -> None:
    """:func:`_envelopes8` from plain Python: :func:`envelopes4`'s loop on a page."""
    envelopes4(tr, j0, ep, gp, PAGE)


@overload(envelopes4)
def _envelopes4_numba(tr: Any, j0: Any, ep: Any, gp: Any) -> Any:
    def impl(tr: Any, j0: Any, ep: Any, gp: Any) -> None:  # the overload's parameters
        _vectors(tr, j0, ep, gp)

    return impl


@overload(envelopes8)
def _envelopes8_numba(tr: Any, j0: Any, ep: Any, gp: Any) -> Any:
    def impl(tr: Any, j0: Any, ep: Any, gp: Any) -> None:  # the overload's parameters
        _vectors8(tr, j0, ep, gp)

    return impl
