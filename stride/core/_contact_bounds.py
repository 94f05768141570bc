"""Contact detection kernels, part 2a (private): the scan's helpers.

Plain numba functions of scalars (LLVM inlines them into :func:`~stride.core._contact_scan.scan`):
the bounds within which a sample changes nothing but running values (the scan's quiet
runs), the time steps that are gaps, and the dating of an initial contact along its rise.
And :func:`pair_rows`, the summary of a run of float32 heel + toe rows four at a time in
vectors (written in LLVM IR: numba's loops of ``v if v < m else m`` stay scalar, and each
row's six extremes then limited the scan).

Why the sums may be reordered there: a float64 sum is exact, so equal to the one chain
of additions bit for bit in any order, when every operand and every partial sum is a
multiple of 2**-30 and at most 2**23 in magnitude (53 bits). Each row's sum
``0.0 + v0 + v1`` is tested on the grid (``(v + GRID) - GRID == v``, exact for
``|v| <= 2**21``), the running sum it is added to too, and the scan bounds every partial
sum by ``|acc| + rows * max |row sum| <= EXACT_SUM``; otherwise it adds the rows in order.
A zero sum is 0.0 either way: no row's sum is -0.0 (``0.0 + a`` is not), so no partial
sum is -0.0 but ``acc`` itself, and ``acc`` plus a zero of the other sign is 0.0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]  # numba's dependency, no stubs
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from stride.core._contact_state import (
    BIG,
    STANCE,
    SWING,
    UNKNOWN,
    _crossing,
)
from stride.core._kernel_options import JIT_ONLY, PY_ENTRY


@njit(cache=True, **PY_ENTRY)
def onset_time(
    x0: float, x1: float, t0: float, t1: float, on: float, off: float, most: float
) -> float:
    """Initial contact from the rise through the onset level ``on`` between samples
    (t0, x0) and (t1, x1): the crossing, dated back along that rise to the top of the
    unloaded band ``off`` (where the foot's load began), by at most ``most`` seconds.

    Why: a footswitch closes at the first load; a landing rises from the band's top to the
    onset level within a few milliseconds, so the crossing of the onset level (kept at 15 %
    of the range because feet creep up in late swing) is a little late, by more at low
    sample rates. A slower rise (a creeping swing level, a foot rolling on) is not dated
    back further than ``most``: its start is not the landing."""
    tc = _crossing(x0, x1, t0, t1, on)
    if not (x1 > x0 and t0 == t0 and most > 0.0):
        return tc
    back = (on - off) * (t1 - t0) / (x1 - x0)
    if back > most:
        back = most
    return tc - back if back > 0.0 else tc


@njit(cache=True, **JIT_ONLY)
def _below(v: float) -> float:
    """The largest float below ``v``: bounds are ``lo < x <= hi``, so ``x < v`` is
    ``x <= _below(v)``."""
    return np.nextafter(v, -BIG)


@njit(cache=True, **JIT_ONLY)
def _sum_bounds(
    ok: float,
    st: float,
    pre: float,
    above: float,
    lifted: float,
    off: float,
    on: float,
    low: float,
    mid: float,
) -> tuple[float, float]:
    """Values ``v`` of the foot's sum with ``lo < v <= hi`` change nothing but running
    values in this state (scalars in: a helper taking arrays costs reference counts)."""
    if ok == 0.0:
        return -BIG, BIG  # the state is UNKNOWN until the levels are usable
    if st == STANCE:
        return low, BIG
    if st == SWING:
        return (on, _below(mid)) if pre != 0.0 else (-BIG, on)
    if st == UNKNOWN:
        return on, _below(mid)
    # ending
    if above != 0.0:
        return low, _below(mid)
    if lifted == 0.0:
        return off, low
    return (on, low) if pre != 0.0 else (-BIG, on)


@njit(cache=True, **JIT_ONLY)
def _next_bad_step(t: np.ndarray, a: int, n: int, gap_dt: float) -> int:
    """The first ``k`` in ``a..n-1`` (``a >= 1``) whose time step ``t[k] - t[k-1]`` is not in
    (0, gap_dt], or ``n``. Stretches are first checked by counting good steps: a count of
    comparisons vectorises, where running float extremes (no fastmath) do not; unsigned
    indices spare the negative-index check (which turns the loads into gathers)."""
    one = np.uint64(1)
    k = np.uint64(a)
    un = np.uint64(n)
    while k < un:
        e = k + np.uint64(1024)
        if e > un:
            e = un
        good = 0
        for j in range(k, e):
            d = t[j] - t[j - one]
            good += (d > 0.0) & (d <= gap_dt)
        if good != e - k:
            for j in range(k, e):
                d = t[j] - t[j - one]
                if not (d > 0.0 and d <= gap_dt):
                    return int(np.int64(j))
        k = e
    return n


#: a sample's sum on this grid is a multiple of 2**-30 when ``|v| <= 2**21``:
#: ``(v + GRID) - GRID == v`` (sums of such values within EXACT_SUM are exact in any order)
GRID = 1.5 * 2.0**22
EXACT_SUM = 2.0**21
#: rows :func:`pair_rows` takes at a time (the scan takes the rest one by one)
PAIR_STEP = 4


def _reduce(builder: Any, vec: Any, pred: str) -> Any:
    """A vector's extreme (``pred`` "<": the smallest) by halves: any order gives the
    scalar loop's value when no lane holds NaN and no lane holds -0.0 (see
    :func:`_pair_rows`)."""
    i32 = ir.IntType(32)
    v = builder.select(
        builder.fcmp_ordered(pred, vec, w := builder.shuffle_vector(
            vec, vec, ir.Constant(ir.VectorType(i32, 4), [2, 3, 2, 3]))), vec, w,
    )  # fmt: skip
    e0 = builder.extract_element(v, ir.Constant(i32, 0))
    e1 = builder.extract_element(v, ir.Constant(i32, 1))
    return builder.select(builder.fcmp_ordered(pred, e1, e0), e1, e0)


def _mask(*k: int) -> Any:
    return ir.Constant(ir.VectorType(ir.IntType(32), len(k)), list(k))


def _pair_step(builder: Any, p: Any, row: Any, slots: list[Any]) -> None:
    """One step of :func:`_pair_rows`: four rows from ``p`` (their column ``c0``), ``row``
    bytes apart, into the running vectors ``slots`` (extremes, sums, grid test)."""
    v2f = ir.VectorType(ir.FloatType(), 2)
    v4d = ir.VectorType(ir.DoubleType(), 4)
    v4i = ir.VectorType(ir.IntType(64), 4)
    r = []
    for _k in range(PAIR_STEP):
        r.append(builder.load(builder.bitcast(p, v2f.as_pointer()), align=4))
        p = builder.gep(p, [row])
    q1 = builder.shuffle_vector(r[0], r[1], _mask(0, 1, 2, 3))
    q2 = builder.shuffle_vector(r[2], r[3], _mask(0, 1, 2, 3))
    va = builder.shuffle_vector(q1, q2, _mask(0, 2, 4, 6))
    vb = builder.shuffle_vector(q1, q2, _mask(1, 3, 5, 7))
    zero = ir.Constant(v4d, [0.0] * 4)
    sv = builder.fadd(builder.fadd(builder.fpext(va, v4d), zero), builder.fpext(vb, v4d))
    for slot, v, pred in ((0, va, "<"), (1, va, ">"), (2, vb, "<"), (3, vb, ">"),
                          (4, sv, "<"), (5, sv, ">")):  # fmt: skip
        m = builder.load(slots[slot])
        builder.store(builder.select(builder.fcmp_ordered(pred, v, m), v, m), slots[slot])
    builder.store(builder.fadd(builder.load(slots[6]), sv), slots[6])
    grid = ir.Constant(v4d, [GRID] * 4)
    back = builder.fsub(builder.fadd(sv, grid), grid)
    diff = builder.xor(builder.bitcast(back, v4i), builder.bitcast(sv, v4i))
    builder.store(builder.or_(builder.load(slots[7]), diff), slots[7])


def _pair_result(builder: Any, slots: list[Any]) -> tuple[list[Any], Any, Any, Any]:
    """From :func:`_pair_rows`'s running vectors: the six extremes, the sum of the rows'
    sums, whether every row's sum is on the grid, and whether a tie could matter."""
    f64 = ir.DoubleType()
    i32 = ir.IntType(32)
    vals = []
    negz = ir.Constant(ir.VectorType(i32, 4), [-(2**31)] * 4)
    tie = ir.Constant(ir.VectorType(ir.IntType(1), 4), [0] * 4)
    for slot, pred in ((0, "<"), (1, ">"), (2, "<"), (3, ">"), (4, "<"), (5, ">")):
        vec = builder.load(slots[slot])
        best = _reduce(builder, vec, pred)
        vals.append(best if slot >= 4 else builder.fpext(best, f64))
        if slot < 4:  # a column's extreme -0.0 in some lane: a tie could matter
            bits = builder.bitcast(vec, ir.VectorType(i32, 4))
            tie = builder.or_(tie, builder.icmp_signed("==", bits, negz))
    i4 = ir.IntType(4)
    tie = builder.icmp_unsigned("!=", builder.bitcast(tie, i4), ir.Constant(i4, 0))
    acc = builder.load(slots[6])
    lane = [builder.extract_element(acc, ir.Constant(i32, k)) for k in range(4)]
    total = builder.fadd(builder.fadd(lane[0], lane[1]), builder.fadd(lane[2], lane[3]))
    bad = builder.load(slots[7])
    bits = builder.extract_element(bad, ir.Constant(i32, 0))
    for k in (1, 2, 3):
        bits = builder.or_(bits, builder.extract_element(bad, ir.Constant(i32, k)))
    on_grid = builder.icmp_unsigned("==", bits, ir.Constant(ir.IntType(64), 0))
    return vals, total, on_grid, tie


def _row_sum(builder: Any, p: Any) -> tuple[Any, Any, Any]:
    """The row at ``p``: its two values and their sum ``0.0 + v0 + v1`` (float64)."""
    f64 = ir.DoubleType()
    v2f = ir.VectorType(ir.FloatType(), 2)
    r = builder.load(builder.bitcast(p, v2f.as_pointer()), align=4)
    v0 = builder.fpext(builder.extract_element(r, ir.Constant(ir.IntType(32), 0)), f64)
    v1 = builder.fpext(builder.extract_element(r, ir.Constant(ir.IntType(32), 1)), f64)
    return v0, v1, builder.fadd(builder.fadd(ir.Constant(f64, 0.0), v0), v1)


def _pair_tail(builder: Any, base: Any, row: Any, rows: tuple[Any, Any], vals: list[Any]) -> Any:
    """Rows ``rows`` (the last few, after the others: in order) into the extremes ``vals``
    (updated in place, as values); returns their sum and whether each is on the grid."""
    f64 = ir.DoubleType()
    cells = [cgutils.alloca_once_value(builder, v) for v in vals]
    s = cgutils.alloca_once_value(builder, ir.Constant(f64, 0.0))
    ok = cgutils.alloca_once_value(builder, ir.Constant(ir.IntType(1), 1))
    grid = ir.Constant(f64, GRID)
    with cgutils.for_range_slice(builder, rows[0], rows[1], ir.Constant(ir.IntType(64), 1)) as (
        j,
        _,
    ):
        v0, v1, sv = _row_sum(builder, builder.gep(base, [builder.mul(j, row)]))
        for k, (v, pred) in enumerate(
            ((v0, "<"), (v0, ">"), (v1, "<"), (v1, ">"), (sv, "<"), (sv, ">"))
        ):
            m = builder.load(cells[k])
            builder.store(builder.select(builder.fcmp_ordered(pred, v, m), v, m), cells[k])
        builder.store(builder.fadd(builder.load(s), sv), s)
        back = builder.fsub(builder.fadd(sv, grid), grid)
        builder.store(builder.and_(builder.load(ok), builder.fcmp_ordered("==", back, sv)), ok)
    vals[:] = [builder.load(c) for c in cells]
    return builder.load(s), builder.load(ok)


def committed_sum(
    builder: Any,
    args: tuple[Any, ...],
    total: Any,
    on_grid: Any,
    most: Any,
    row_sum: Callable[[Any, Any], Any],
) -> Any:
    """The sum committed: ``acc`` plus the rows' sums ``total`` when that is exact (see the
    module docstring), else the rows added to ``acc`` one after another (``row_sum``: a
    row's sum from the pointer to its first value; the layouts' intrinsics share this)."""
    base, row, start, stop, acc = args
    f64 = ir.DoubleType()
    grid = ir.Constant(f64, GRID)
    n = builder.sitofp(builder.sub(stop, start), f64)
    size = builder.select(
        builder.fcmp_ordered("<", acc, ir.Constant(f64, 0.0)), builder.fneg(acc), acc
    )
    bound = builder.fadd(size, builder.fmul(n, most))
    exact = builder.and_(on_grid, builder.fcmp_ordered("<=", bound, ir.Constant(f64, EXACT_SUM)))
    back = builder.fsub(builder.fadd(acc, grid), grid)
    exact = builder.and_(exact, builder.fcmp_ordered("==", back, acc))
    out = cgutils.alloca_once_value(builder, builder.fadd(acc, total))
    with builder.if_then(builder.not_(exact), likely=False):
        builder.store(acc, out)
        one = ir.Constant(ir.IntType(64), 1)
        with cgutils.for_range_slice(builder, start, stop, one) as (j, _):
            sv = row_sum(builder, builder.gep(base, [builder.mul(j, row)]))
            builder.store(builder.fadd(builder.load(out), sv), out)
    return builder.load(out)


def _pair_row_sum(builder: Any, ptr: Any) -> Any:
    """A row's sum ``0.0 + v0 + v1`` of two adjacent float32 columns from ``ptr``."""
    return _row_sum(builder, ptr)[2]


@intrinsic
def _pair_rows(typingctx: Any, x: Any, c0: Any, a: Any, b: Any, acc: Any, keep: Any) -> Any:
    """The summary of rows ``a..b-1`` (at least :data:`PAIR_STEP`) of two adjacent float32
    columns ``c0``, ``c0 + 1`` of ``x``, four rows at a time in vectors, the last few one
    by one: the smallest and largest value of column 0, of column 1 and of the rows' sums
    ``0.0 + v0 + v1`` (``[0:6]``: min, max of each); ``[6]``: with ``keep``, the sum
    ``acc`` plus the rows' sums, as one chain of additions would give it (taken from the
    rows' sums when that is exact, see the module docstring), else the rows' sums added up
    in any order (NaN if a sample is: a test for NaN only); ``[7]``: 1.0 when the extremes
    of a column could tie as ``-0.0`` and ``0.0`` (then the order of the rows decides:
    the scan takes the rows one by one instead).

    Each extreme is the scalar loop's ``v if v < m else m`` for each of the four rows of a
    step, then across them (NaN skipped), so it equals the scalar loop's but for that tie.
    Other dtypes: NaNs (the scan calls it for float32 only)."""
    if not (isinstance(x, types.Array) and x.ndim == 2):
        return None
    ret = types.UniTuple(types.float64, 8)
    sig = ret(x, types.intp, types.intp, types.intp, types.float64, types.boolean)
    real = x.dtype == types.float32

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        if not real:
            return context.make_tuple(builder, ret, [ir.Constant(ir.DoubleType(), np.nan)] * 8)
        xv, col, start, stop, acc, keep = args
        arr = context.make_array(signature.args[0])(context, builder, xv)
        i64 = ir.IntType(64)
        row = builder.extract_value(arr.strides, 0)
        base = builder.bitcast(arr.data, ir.IntType(8).as_pointer())
        base = builder.gep(base, [builder.mul(col, ir.Constant(i64, 4))])
        f32max = float(np.finfo(np.float32).max)
        v4f = ir.VectorType(ir.FloatType(), 4)
        v4d = ir.VectorType(ir.DoubleType(), 4)
        slots = [
            cgutils.alloca_once_value(builder, ir.Constant(ty, [v] * 4))
            for ty, v in ((v4f, f32max), (v4f, -f32max), (v4f, f32max), (v4f, -f32max),
                          (v4d, BIG), (v4d, -BIG), (v4d, 0.0), (ir.VectorType(i64, 4), 0))
        ]  # fmt: skip
        step = ir.Constant(i64, PAIR_STEP)
        end = builder.sub(stop, builder.urem(builder.sub(stop, start), step))
        with cgutils.for_range_slice(builder, start, end, step, inc=True) as (j, _):
            _pair_step(builder, builder.gep(base, [builder.mul(j, row)]), row, slots)
        vals, total, on_grid, tie = _pair_result(builder, slots)
        tail, tail_ok = _pair_tail(builder, base, row, (end, stop), vals)
        total = builder.fadd(total, tail)
        on_grid = builder.and_(on_grid, tail_ok)
        neg = builder.fneg(vals[4])
        most = builder.select(builder.fcmp_ordered(">", neg, vals[5]), neg, vals[5])
        f64 = ir.DoubleType()
        summed = cgutils.alloca_once_value(builder, total)
        with builder.if_then(keep):
            args5 = (base, row, start, stop, acc)
            builder.store(
                committed_sum(builder, args5, total, on_grid, most, _pair_row_sum), summed
            )
        vals.append(builder.load(summed))
        vals.append(builder.uitofp(tie, f64))
        return context.make_tuple(builder, ret, vals)

    return sig, codegen


def is_float32(x: np.ndarray) -> bool:
    """Whether ``x`` holds float32 values: a constant of each compiled kernel (as
    :func:`is_integer`)."""
    return bool(x.dtype == np.float32)


@overload(is_float32)
def _is_float32_numba(x: types.Array) -> Callable[[types.Array], bool]:
    flag = x.dtype == types.float32

    def impl(x: types.Array) -> bool:  # the same parameters as the overload's, for numba
        return flag

    return impl


#: called from the scan as ``pair_rows(x, c0, a, b, acc, keep)`` (numba passes the typing
#: context)
pair_rows: Any = _pair_rows


def is_integer(x: np.ndarray) -> bool:
    """Whether ``x`` holds integers: a constant of each compiled kernel (in numba code, a
    test of ``x.dtype.kind`` compiles numba's string search, seconds on a cold cache)."""
    return x.dtype.kind in "iu"


@overload(is_integer)
def _is_integer_numba(x: types.Array) -> Callable[[types.Array], bool]:
    flag = isinstance(x.dtype, types.Integer)

    def impl(x: types.Array) -> bool:  # the same parameters as the overload's, for numba
        return flag

    return impl
