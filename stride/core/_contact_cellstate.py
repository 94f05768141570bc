"""Contact detection kernels, part 2d (private): an insole's per-sensor rules in vectors.

Besides a run's summary and walk (:mod:`stride.core._contact_cells`), the scan does a
few things for each of a foot's eight sensors many times a block: the bounds of each
sensor's values in a quiet run (after every event and block end), the test of a run's
last row against them, the test of a summary's extremes against them, for each run
committed, each sensor's last value, block extremes and count, and at each event the
sensors whose rules can change their state (those outside their bounds: inside, a rule
changes nothing but the running values) and every sensor's running values. Written as
loops over the sensors, these took about a quarter of the insole8 float32 scan's CPU
(``perf record`` of the scan; the events' part 3-4 % more). Here each is one vector of
the eight sensors:
``tr`` keeps a field of a page's eight sensors in adjacent values
(:mod:`stride.core._contact_layout`), and the scan keeps the bounds and extremes of
the eight cells in ``cq`` (``(4, 8)`` float64, C-contiguous: row 0 the lower bounds, 1 the
upper, 2 each cell's smallest value of the run, 3 its largest), a row a vector.

Each lane takes the scalar loop's operations (every ``if`` a select, the same
comparisons, ordered or not as numba compiles them), so the values are the loops', bit
for bit; tests compare them with the loops (``tests/stride/core/test_contacts_cells.py``).
Intrinsics, not functions: an array argument of a numba call costs atomic reference
counts (see :mod:`stride.core._contact_scan`). Like ``cell_rows`` they have no Python
form: the scan takes them only for eight adjacent float32 cells.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir  # type: ignore[import-untyped]  # numba's dependency, no stubs
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from stride.core._contact_layout import (
    PAGE,
    T_BCNT,
    T_BMAX,
    T_BMIN,
    T_LOADED,
    T_LOW,
    T_OFF,
    T_OK,
    T_PRE,
    T_PREV,
)
from stride.core._contact_state import BIG, LOADED, UNLOADED

#: sensors of a foot the vectors take (one page of ``tr``; ``cq``'s rows)
CELLS = 8

_F32 = ir.FloatType()
_F64 = ir.DoubleType()
_I32 = ir.IntType(32)
_I64 = ir.IntType(64)
_V8D = ir.VectorType(_F64, CELLS)
_ROW = ir.VectorType(_F32, CELLS)


def _splat(v: float) -> Any:
    return ir.Constant(_V8D, [v] * CELLS)


def _field(builder: Any, first: Any, field: int) -> Any:
    """The pointer to a field's values of the eight sensors whose trackers start at
    ``first`` (a pointer into ``tr``)."""
    where = builder.gep(first, [ir.Constant(_I64, PAGE * field)])
    return builder.bitcast(where, _V8D.as_pointer())


def _halves(builder: Any, first: Any, field: int) -> Any:
    """A field's values of the eight sensors loaded as two vectors of four, as the block
    end (four sensors a vector) stored them: one load of eight over two stores of four
    would wait for both to reach the cache (no store forwarding)."""
    v4 = ir.VectorType(_F64, 4)
    where = builder.gep(first, [ir.Constant(_I64, PAGE * field)])
    lo = builder.load(builder.bitcast(where, v4.as_pointer()), align=8)
    where = builder.gep(first, [ir.Constant(_I64, PAGE * field + 4)])
    # (the address through an empty asm statement: LLVM cannot tell the two loads are
    # adjacent, so it does not merge them back into one)
    where = builder.asm(ir.FunctionType(where.type, [where.type]), "", "=r,0", [where],
                        side_effect=False)  # fmt: skip
    hi = builder.load(builder.bitcast(where, v4.as_pointer()), align=8)
    return builder.shuffle_vector(
        lo, hi, ir.Constant(ir.VectorType(ir.IntType(32), 8), list(range(8)))
    )


def _tr_first(context: Any, builder: Any, ty: Any, trv: Any, j0: Any) -> Any:
    arr = context.make_array(ty)(context, builder, trv)
    return builder.gep(arr.data, [j0])


def cq_row(context: Any, builder: Any, ty: Any, cqv: Any, row: int) -> Any:
    """The pointer to row ``row`` of ``cq`` (eight float64) as one vector."""
    arr = context.make_array(ty)(context, builder, cqv)
    where = builder.gep(arr.data, [ir.Constant(_I64, CELLS * row)])
    return builder.bitcast(where, _V8D.as_pointer())


def x_row(context: Any, builder: Any, ty: Any, xv: Any, col: Any, j: Any) -> Any:
    """Row ``j`` of the eight float32 cells from column ``col`` of ``x`` (one vector)."""
    arr = context.make_array(ty)(context, builder, xv)
    row = builder.extract_value(arr.strides, 0)
    base = builder.bitcast(arr.data, ir.IntType(8).as_pointer())
    at = builder.add(builder.mul(j, row), builder.mul(col, ir.Constant(_I64, 4)))
    return builder.load(builder.bitcast(builder.gep(base, [at]), _ROW.as_pointer()), align=4)


#: a float32 cell's bits without its sign, and the cells whose row sums are exact in any
#: order of additions (:func:`row_sum`): 0, or a magnitude in [2**-5, 2**21)
_MAGNITUDE = 0x7FFFFFFF
_EXACT_LOW = (127 - 5) << 23
_EXACT_SPAN = 26 << 23


def _chain_sum(builder: Any, row: Any) -> Any:
    s = ir.Constant(_F64, 0.0)
    for k in range(CELLS):
        v = builder.extract_element(row, ir.Constant(_I32, k))
        s = builder.fadd(s, builder.fpext(v, _F64))
    return s


def _lanes_mask(*k: int) -> Any:
    return ir.Constant(ir.VectorType(_I32, len(k)), list(k))


def row_sum(builder: Any, row: Any, wide: Any = None) -> Any:
    """A row's sum ``0.0 + v0 + ... + v7`` in float64 (``row``: eight float32; ``wide``:
    the same in float64 if at hand). Cell after cell when any cell is NaN, infinite,
    subnormal, below 2**-5 or from 2**21 in magnitude (not 0); else by halves, three
    additions deep instead of eight: such cells are multiples of 2**-28 (a float32's 24
    bits from an exponent of -5 or more) and every partial sum of eight is below 2**24, so
    each is exact (52 bits) in any order, the chain's value; the last ``+ 0.0`` gives a zero
    sum the chain's sign (``0.0 + -0.0`` is 0.0, where halves of -0.0 sum to -0.0)."""
    i32v = ir.VectorType(_I32, CELLS)
    mag = builder.and_(builder.bitcast(row, i32v), ir.Constant(i32v, [_MAGNITUDE] * CELLS))
    ranged = builder.icmp_unsigned(
        "<", builder.sub(mag, ir.Constant(i32v, [_EXACT_LOW] * CELLS)),
        ir.Constant(i32v, [_EXACT_SPAN] * CELLS),
    )  # fmt: skip
    zero = builder.icmp_unsigned("==", mag, ir.Constant(i32v, [0] * CELLS))
    out = cgutils.alloca_once(builder, _F64)
    with builder.if_else(every(builder, builder.or_(ranged, zero)), likely=True) as (
        halves,
        chain,
    ):
        with halves:
            d = builder.fpext(row, _V8D) if wide is None else wide
            s4 = builder.fadd(builder.shuffle_vector(d, d, _lanes_mask(0, 1, 2, 3)),
                              builder.shuffle_vector(d, d, _lanes_mask(4, 5, 6, 7)))  # fmt: skip
            s2 = builder.fadd(builder.shuffle_vector(s4, s4, _lanes_mask(0, 1)),
                              builder.shuffle_vector(s4, s4, _lanes_mask(2, 3)))  # fmt: skip
            s1 = builder.fadd(builder.extract_element(s2, ir.Constant(_I32, 0)),
                              builder.extract_element(s2, ir.Constant(_I32, 1)))  # fmt: skip
            builder.store(builder.fadd(s1, ir.Constant(_F64, 0.0)), out)
        with chain:
            builder.store(_chain_sum(builder, row), out)
    return builder.load(out)


def every(builder: Any, mask: Any) -> Any:
    """Whether every lane of the eight-lane ``mask`` is true."""
    i8 = ir.IntType(CELLS)
    return builder.icmp_unsigned("==", builder.bitcast(mask, i8), ir.Constant(i8, 255))


def _is_tr(tr: Any) -> bool:
    return (isinstance(tr, types.Array) and tr.ndim == 1 and tr.dtype == types.float64
            and tr.layout == "C")  # fmt: skip


def _is_cq(cq: Any) -> bool:
    return (isinstance(cq, types.Array) and cq.ndim == 2 and cq.dtype == types.float64
            and cq.layout == "C")  # fmt: skip


def _bounds_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    trv, j0, cqv = args
    first = _tr_first(context, builder, signature.args[0], trv, j0)
    ok_v, ld, pre, s_on, s_low = (
        _halves(builder, first, f) for f in (T_OK, T_LOADED, T_PRE, T_OFF, T_LOW)
    )
    ok = builder.fcmp_unordered("!=", ok_v, _splat(0.0))  # ``tr[..] != 0.0``: NaN is not 0
    held = builder.and_(ok, builder.fcmp_ordered("==", ld, _splat(LOADED)))
    free = builder.and_(builder.fcmp_ordered("==", ld, _splat(UNLOADED)),
                        builder.fcmp_ordered("==", pre, _splat(0.0)))  # fmt: skip
    bad = builder.not_(ok)
    sel = builder.select
    lo = sel(held, s_low, sel(builder.or_(bad, free), _splat(-BIG), s_on))
    hi = sel(builder.or_(bad, held), _splat(BIG), sel(free, s_on, s_low))
    builder.store(lo, cq_row(context, builder, signature.args[2], cqv, 0), align=8)
    builder.store(hi, cq_row(context, builder, signature.args[2], cqv, 1), align=8)
    return context.get_dummy_value()


@intrinsic
def _cell_bounds(typingctx: Any, tr: Any, j0: Any, cq: Any) -> Any:
    """The bounds of each of the eight sensors' values (trackers from ``tr[j0]``) in a
    quiet run into ``cq[0]`` (lower, excluded) and ``cq[1]`` (upper, included): any while
    its levels are unusable; loaded, above its contact level; unloaded and not
    pre-loaded, up to its onset level; else between the two (the scan's loop)."""
    if not (_is_tr(tr) and isinstance(j0, types.Integer) and _is_cq(cq)):
        return None
    return types.none(tr, j0, cq), _bounds_codegen


def _inside_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    xv, col, j, cqv, lo, hi = args
    r = x_row(context, builder, signature.args[0], xv, col, j)
    d = builder.fpext(r, _V8D)
    a = builder.load(cq_row(context, builder, signature.args[3], cqv, 0), align=8)
    b = builder.load(cq_row(context, builder, signature.args[3], cqv, 1), align=8)
    inside = every(builder, builder.and_(builder.fcmp_ordered(">", d, a),
                                         builder.fcmp_ordered("<=", d, b)))  # fmt: skip
    sv = row_sum(builder, r, d)
    within = builder.and_(builder.fcmp_ordered(">", sv, lo), builder.fcmp_ordered("<=", sv, hi))
    return builder.and_(inside, within)


@intrinsic
def _cell_inside(typingctx: Any, x: Any, c0: Any, j: Any, cq: Any, lo: Any, hi: Any) -> Any:
    """Whether row ``j`` of the eight adjacent float32 cells from column ``c0`` of ``x``
    is within the bounds: every cell ``k`` in (``cq[0, k]``, ``cq[1, k]``], the row's sum
    ``0.0 + v0 + ... + v7`` in (``lo``, ``hi``]. Other dtypes: False."""
    if not (isinstance(x, types.Array) and x.ndim == 2 and _is_cq(cq)):
        return None
    f = types.float64
    sig = types.boolean(x, types.intp, types.intp, cq, f, f)
    if x.dtype == types.float32:
        return sig, _inside_codegen
    return sig, lambda context, builder, signature, args: ir.Constant(ir.IntType(1), 0)


def _within_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    (cqv,) = args
    a, b, mins, maxs = (
        builder.load(cq_row(context, builder, signature.args[0], cqv, k), align=8) for k in range(4)
    )
    return every(builder, builder.and_(builder.fcmp_ordered(">", mins, a),
                                       builder.fcmp_ordered("<=", maxs, b)))  # fmt: skip


@intrinsic
def _cells_within(typingctx: Any, cq: Any) -> Any:
    """Whether each cell's extremes of a run are within its bounds: ``cq[0, k]`` <
    ``cq[2, k]`` and ``cq[3, k]`` <= ``cq[1, k]`` for every ``k``."""
    if not _is_cq(cq):
        return None
    return types.boolean(cq), _within_codegen


def _commit_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    trv, j0, xv, col, last, cqv, m = args
    first = _tr_first(context, builder, signature.args[0], trv, j0)
    r = x_row(context, builder, signature.args[2], xv, col, last)
    builder.store(builder.fpext(r, _V8D), _field(builder, first, T_PREV), align=8)
    mins = builder.load(cq_row(context, builder, signature.args[5], cqv, 2), align=8)
    maxs = builder.load(cq_row(context, builder, signature.args[5], cqv, 3), align=8)
    for field, new, pred in ((T_BMIN, mins, "<"), (T_BMAX, maxs, ">")):
        old = _halves(builder, first, field)
        new = builder.select(builder.fcmp_ordered(pred, new, old), new, old)
        builder.store(new, _field(builder, first, field), align=8)
    count = builder.sitofp(m, _F64)
    vec = ir.Constant(_V8D, ir.Undefined)
    for k in range(CELLS):
        vec = builder.insert_element(vec, count, ir.Constant(ir.IntType(32), k))
    new = builder.fadd(_halves(builder, first, T_BCNT), vec)
    builder.store(new, _field(builder, first, T_BCNT), align=8)
    return row_sum(builder, r)


@intrinsic
def _cell_commit(
    typingctx: Any, tr: Any, j0: Any, x: Any, c0: Any, last: Any, cq: Any, m: Any
) -> Any:
    """A quiet run of ``m`` rows ending at row ``last`` committed to the eight sensors'
    trackers from ``tr[j0]``: each one's previous value the last row's cell, its block
    extremes widened by the run's (``cq[2]``, ``cq[3]``; the earlier value kept on a tie),
    its block count plus ``m``; returns the last row's sum ``0.0 + v0 + ... + v7``.
    Other dtypes: NaN, ``tr`` untouched."""
    if not (_is_tr(tr) and isinstance(x, types.Array) and x.ndim == 2 and _is_cq(cq)):
        return None
    sig = types.float64(tr, j0, x, types.intp, types.intp, cq, types.intp)
    if x.dtype == types.float32:
        return sig, _commit_codegen
    return sig, lambda context, builder, signature, args: ir.Constant(_F64, float("nan"))


def _outside_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    xv, col, j, cqv = args
    d = builder.fpext(x_row(context, builder, signature.args[0], xv, col, j), _V8D)
    a = builder.load(cq_row(context, builder, signature.args[3], cqv, 0), align=8)
    b = builder.load(cq_row(context, builder, signature.args[3], cqv, 1), align=8)
    inside = builder.and_(builder.fcmp_ordered(">", d, a), builder.fcmp_ordered("<=", d, b))
    bits = builder.bitcast(builder.not_(inside), ir.IntType(CELLS))
    return builder.zext(bits, _I64)


@intrinsic
def _cell_outside(typingctx: Any, x: Any, c0: Any, j: Any, cq: Any) -> Any:
    """The cells of row ``j`` (eight adjacent float32 cells from column ``c0`` of ``x``)
    outside their quiet bounds, as bits (bit ``k``: not ``cq[0, k]`` < v <= ``cq[1, k]``):
    at an event, only those sensors' rules can change their state, the others' only
    their running values (:func:`cell_step`). Other dtypes: every bit."""
    if not (isinstance(x, types.Array) and x.ndim == 2 and _is_cq(cq)):
        return None
    sig = types.int64(x, types.intp, types.intp, cq)
    if x.dtype == types.float32:
        return sig, _outside_codegen
    return sig, lambda context, builder, signature, args: ir.Constant(_I64, (1 << CELLS) - 1)


def _step_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    trv, j0, xv, col, j = args
    first = _tr_first(context, builder, signature.args[0], trv, j0)
    d = builder.fpext(x_row(context, builder, signature.args[2], xv, col, j), _V8D)
    for field, pred in ((T_BMIN, "<"), (T_BMAX, ">")):
        old = _halves(builder, first, field)
        new = builder.select(builder.fcmp_ordered(pred, d, old), d, old)
        builder.store(new, _field(builder, first, field), align=8)
    builder.store(d, _field(builder, first, T_PREV), align=8)
    new = builder.fadd(_halves(builder, first, T_BCNT), _splat(1.0))
    builder.store(new, _field(builder, first, T_BCNT), align=8)
    return context.get_dummy_value()


@intrinsic
def _cell_step(typingctx: Any, tr: Any, j0: Any, x: Any, c0: Any, j: Any) -> Any:
    """An event row ``j``'s running values for the eight sensors' trackers from ``tr[j0]``
    (after their rules): each one's previous value the row's cell, its block extremes
    widened by it (``v if v < m else m``: a NaN leaves them), its block count plus one.
    Other dtypes: ``tr`` untouched (the scan takes it only for float32 cells)."""
    if not (_is_tr(tr) and isinstance(x, types.Array) and x.ndim == 2):
        return None
    sig = types.none(tr, j0, x, types.intp, types.intp)
    if x.dtype == types.float32:
        return sig, _step_codegen
    return sig, lambda context, builder, signature, args: context.get_dummy_value()


def _sum_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    xv, col, j = args
    return row_sum(builder, x_row(context, builder, signature.args[0], xv, col, j))


@intrinsic
def _cell_sum(typingctx: Any, x: Any, c0: Any, j: Any) -> Any:
    """Row ``j``'s sum ``0.0 + v0 + ... + v7`` of the eight adjacent float32 cells from
    column ``c0`` of ``x`` (:func:`row_sum`). Other dtypes: NaN."""
    if not (isinstance(x, types.Array) and x.ndim == 2):
        return None
    sig = types.float64(x, types.intp, types.intp)
    if x.dtype == types.float32:
        return sig, _sum_codegen
    return sig, lambda context, builder, signature, args: ir.Constant(_F64, float("nan"))


#: the scan's calls (numba passes the typing context): ``cell_bounds(tr, j0, cq)``,
#: ``cell_inside(x, c0, j, cq, lo, hi)``, ``cells_within(cq)``,
#: ``cell_commit(tr, j0, x, c0, last, cq, m)``, ``cell_outside(x, c0, j, cq)``,
#: ``cell_step(tr, j0, x, c0, j)``, ``cell_sum(x, c0, j)``
cell_bounds: Any = _cell_bounds
cell_inside: Any = _cell_inside
cells_within: Any = _cells_within
cell_commit: Any = _cell_commit
cell_outside: Any = _cell_outside
cell_step: Any = _cell_step
cell_sum: Any = _cell_sum
