"""Contact detection kernels, part 2b (private): the summary of a run of insole rows.

A foot of eight float32 cells side by side (the insole8 layout as a reader scales it,
and the PhysioNet gaitpdb records) is one 256-bit vector a row. The scan's generic
summary adds each row's cells in order into a float64 chain (32 cycles of latency a
row) and keeps each cell's extremes in memory; :func:`cell_rows` does the same work on
four rows at a time, in vectors (written in LLVM IR: numba's loops of ``v if v < m else m``
stay scalar):

- each cell's extremes from the row vectors, combined in pairs that keep the earlier
  value on a tie (``later < earlier``), so each is the first occurrence of the extreme
  in row order, as the scalar loop's: the same value and the same sign of a zero;
- the four rows' sums, each ``0.0 + v0 + ... + v7`` added cell after cell in the scalar
  loop's order (a lane a row, after a transpose in twelve shuffles: :func:`_columns`), so
  each row's sum is the same to the bit;
- the sums' extremes (no order needed: no row's sum is -0.0, see ``_contact_bounds``);
- the sum committed: from the rows' sums added in any order when that is exact (the
  grid test of ``_contact_bounds``: every row's sum a multiple of 2**-30, every partial
  sum within 2**21), else the rows added to ``acc`` one after another, as one chain.

A row's own sum, where the rows are taken one by one (the walk, the last rows of a
summary, a summary's sum added row after row), is
:func:`~stride.core._contact_cellstate.row_sum`: the chain's value, by halves where
that is exact.

A NaN makes the extremes differ from the scalar loop's (a pair holding one keeps it or
drops the other), but a NaN also makes the rows' sum NaN, and the scan never commits a
run whose sum is NaN: it scans those rows one by one instead. An infinity likewise shows
in the sums (the quiet bounds never admit one).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]  # numba's dependency, no stubs
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from stride.core._contact_bounds import GRID, committed_sum
from stride.core._contact_cellstate import cq_row, row_sum
from stride.core._contact_state import BIG
from stride.core._kernel_options import JIT_ONLY

#: cells of a foot :func:`cell_rows` takes (one 256-bit vector of float32)
CELLS = 8
#: rows :func:`cell_rows` takes at a time in vectors (the rest one by one)
CELL_STEP = 4

_F64 = ir.DoubleType()
_I32 = ir.IntType(32)
_I64 = ir.IntType(64)
_ROW = ir.VectorType(ir.FloatType(), CELLS)
_V4D = ir.VectorType(_F64, CELL_STEP)
_V8D = ir.VectorType(_F64, CELLS)


def _keep_first(builder: Any, earlier: Any, later: Any, pred: str) -> Any:
    """``later`` if it is strictly beyond ``earlier`` (``pred`` "<": smaller), else
    ``earlier``: the scalar loop's ``v if v < m else m`` with ``m`` the earlier value."""
    return builder.select(builder.fcmp_ordered(pred, later, earlier), later, earlier)


def _mask(*k: int) -> Any:
    return ir.Constant(ir.VectorType(_I32, len(k)), list(k))


def _load_row(builder: Any, p: Any) -> Any:
    return builder.load(builder.bitcast(p, _ROW.as_pointer()), align=4)


def _columns(builder: Any, r: list[Any]) -> list[Any]:
    """The four rows ``r`` transposed: for each cell ``k`` in order, the vector of its
    four values (row ``i`` in lane ``i``). Twelve shuffles in the pattern of ``unpcklps``,
    ``unpckhps``, ``unpcklpd``, ``unpckhpd`` within each 128-bit half, then the halves
    apart (cells 0-3 from the low halves, 4-7 from the high); a gather of each cell's
    lanes from the rows (``k, 8 + k, 16 + k, 24 + k`` of two concatenated pairs) took LLVM
    about 26 shuffles, the summary's bottleneck (two shuffle units)."""
    lo_ps, hi_ps = _mask(0, 8, 1, 9, 4, 12, 5, 13), _mask(2, 10, 3, 11, 6, 14, 7, 15)
    lo_pd, hi_pd = _mask(0, 1, 8, 9, 4, 5, 12, 13), _mask(2, 3, 10, 11, 6, 7, 14, 15)
    t = [builder.shuffle_vector(r[a], r[a + 1], m) for a in (0, 2) for m in (lo_ps, hi_ps)]
    # t[0] = r0_0 r1_0 r0_1 r1_1 | r0_4 r1_4 r0_5 r1_5, t[1] the same of cells 2, 3, 6, 7;
    # t[2], t[3] the same of rows 2 and 3
    c = [builder.shuffle_vector(t[a], t[a + 2], m) for a in (0, 1) for m in (lo_pd, hi_pd)]
    # c[k] = cell k of rows 0-3 | cell k + 4 of rows 0-3
    return [builder.shuffle_vector(v, v, _mask(*range(h, h + 4))) for h in (0, 4) for v in c]


def _step(builder: Any, p: Any, row: Any, slots: list[Any]) -> None:
    """Four rows from ``p``, ``row`` bytes apart, into the running values ``slots``: the
    cells' extremes (row vectors), the rows' sums' extremes, the sums' total, the grid test."""
    r = []
    for _k in range(CELL_STEP):
        r.append(_load_row(builder, p))
        p = builder.gep(p, [row])
    for slot, pred in ((0, "<"), (1, ">")):
        pair = _keep_first(builder, _keep_first(builder, r[0], r[1], pred),
                           _keep_first(builder, r[2], r[3], pred), pred)  # fmt: skip
        builder.store(_keep_first(builder, builder.load(slots[slot]), pair, pred), slots[slot])
    sv = ir.Constant(_V4D, [0.0] * CELL_STEP)
    for col in _columns(builder, r):  # cell after cell: each lane (a row) adds in order
        sv = builder.fadd(sv, builder.fpext(col, _V4D))
    for slot, pred in ((2, "<"), (3, ">")):
        builder.store(_keep_first(builder, builder.load(slots[slot]), sv, pred), slots[slot])
    builder.store(builder.fadd(builder.load(slots[4]), sv), slots[4])
    grid = ir.Constant(_V4D, [GRID] * CELL_STEP)
    back = builder.fsub(builder.fadd(sv, grid), grid)
    v4i = ir.VectorType(_I64, CELL_STEP)
    diff = builder.xor(builder.bitcast(back, v4i), builder.bitcast(sv, v4i))
    builder.store(builder.or_(builder.load(slots[5]), diff), slots[5])


def _lanes(builder: Any, vec: Any, n: int) -> list[Any]:
    return [builder.extract_element(vec, ir.Constant(_I32, k)) for k in range(n)]


def _tail(builder: Any, base: Any, row: Any, rows: tuple[Any, Any], slots: list[Any]) -> Any:
    """Rows ``rows`` (the last few, after the others) one by one into ``slots`` (cells'
    extremes as row vectors; the sums' extremes, total and grid test as scalars);
    returns nothing: the slots hold the results."""
    grid = ir.Constant(_F64, GRID)
    with cgutils.for_range_slice(builder, rows[0], rows[1], ir.Constant(_I64, 1)) as (j, _):
        r = _load_row(builder, builder.gep(base, [builder.mul(j, row)]))
        for slot, pred in ((0, "<"), (1, ">")):
            builder.store(_keep_first(builder, builder.load(slots[slot]), r, pred), slots[slot])
        sv = row_sum(builder, r)
        for slot, pred in ((2, "<"), (3, ">")):
            builder.store(_keep_first(builder, builder.load(slots[slot]), sv, pred), slots[slot])
        builder.store(builder.fadd(builder.load(slots[4]), sv), slots[4])
        back = builder.fsub(builder.fadd(sv, grid), grid)
        ok = builder.and_(builder.load(slots[5]), builder.fcmp_ordered("==", back, sv))
        builder.store(ok, slots[5])


def _cells_row_sum(builder: Any, ptr: Any) -> Any:
    """A row's sum, cell after cell in float64, from the pointer to its first cell."""
    return row_sum(builder, _load_row(builder, ptr))


def _store_extremes(context: Any, builder: Any, ty: Any, cqv: Any, mins: Any, maxs: Any) -> None:
    """Each cell's extremes (float32 row vectors) into ``cq[2]`` and ``cq[3]``."""
    for r, vec in ((2, mins), (3, maxs)):
        builder.store(builder.fpext(vec, _V8D), cq_row(context, builder, ty, cqv, r), align=8)


def _codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    ret = signature.return_type
    xv, col, start, stop, acc, keep, cqv = args
    arr = context.make_array(signature.args[0])(context, builder, xv)
    row = builder.extract_value(arr.strides, 0)
    base = builder.bitcast(arr.data, ir.IntType(8).as_pointer())
    base = builder.gep(base, [builder.mul(col, ir.Constant(_I64, 4))])
    f32max = float(np.finfo(np.float32).max)
    v4i = ir.VectorType(_I64, CELL_STEP)
    slots = [
        cgutils.alloca_once_value(builder, ir.Constant(ty, [v] * n))
        for ty, v, n in ((_ROW, f32max, CELLS), (_ROW, -f32max, CELLS), (_V4D, BIG, 4),
                         (_V4D, -BIG, 4), (_V4D, 0.0, 4), (v4i, 0, 4))
    ]  # fmt: skip
    step = ir.Constant(_I64, CELL_STEP)
    end = builder.sub(stop, builder.urem(builder.sub(stop, start), step))
    with cgutils.for_range_slice(builder, start, end, step, inc=True) as (j, _):
        _step(builder, builder.gep(base, [builder.mul(j, row)]), row, slots)
    # the four lanes of the sums' running values to scalars, then the last rows one by one
    lo, hi, tot, bad = (_lanes(builder, builder.load(slots[k]), 4) for k in range(2, 6))
    bits = builder.or_(builder.or_(bad[0], bad[1]), builder.or_(bad[2], bad[3]))
    scalars = [
        _keep_first(builder, _keep_first(builder, lo[0], lo[1], "<"),
                    _keep_first(builder, lo[2], lo[3], "<"), "<"),
        _keep_first(builder, _keep_first(builder, hi[0], hi[1], ">"),
                    _keep_first(builder, hi[2], hi[3], ">"), ">"),
        builder.fadd(builder.fadd(tot[0], tot[1]), builder.fadd(tot[2], tot[3])),
        builder.icmp_unsigned("==", bits, ir.Constant(_I64, 0)),
    ]  # fmt: skip
    slots[2:] = [cgutils.alloca_once_value(builder, v) for v in scalars]
    _tail(builder, base, row, (end, stop), slots)
    _store_extremes(context, builder, signature.args[6], cqv, builder.load(slots[0]),
                    builder.load(slots[1]))  # fmt: skip
    lo, hi, total, on_grid = (builder.load(slots[k]) for k in range(2, 6))
    neg = builder.fneg(lo)
    most = builder.select(builder.fcmp_ordered(">", neg, hi), neg, hi)
    summed = cgutils.alloca_once_value(builder, total)
    with builder.if_then(keep):
        args5 = (base, row, start, stop, acc)
        builder.store(committed_sum(builder, args5, total, on_grid, most, _cells_row_sum), summed)
    return context.make_tuple(builder, ret, [lo, hi, builder.load(summed)])


@intrinsic
def _cell_rows(
    typingctx: Any, x: Any, c0: Any, a: Any, b: Any, acc: Any, keep: Any, cq: Any
) -> Any:
    """The summary of rows ``a..b-1`` of the :data:`CELLS` adjacent float32 columns from
    ``c0`` of the C-contiguous ``x``: each cell ``k``'s smallest and largest value into
    ``cq[2, k]`` and ``cq[3, k]`` (``cq``: C-contiguous, 4 rows of 8); returns ``[0]``,
    ``[1]`` the smallest and largest of the rows' sums ``0.0 + v0 + ... + v7`` and ``[2]``:
    with ``keep``, ``acc`` plus the rows' sums as one chain of additions gives it, else the
    rows' sums added in any order (NaN if a sample is: a test for NaN only). All equal to
    the scalar loop's when no value is NaN (see the module docstring). Other dtypes:
    NaNs, ``cq`` untouched (the scan calls it for float32 only)."""
    if not (isinstance(x, types.Array) and x.ndim == 2):
        return None
    n_out = 3
    ret = types.UniTuple(types.float64, n_out)
    sig = ret(x, types.intp, types.intp, types.intp, types.float64, types.boolean, cq)
    if x.dtype == types.float32:
        return sig, _codegen

    def nans(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return context.make_tuple(builder, ret, [ir.Constant(_F64, np.nan)] * n_out)

    return sig, nans


def _walk_codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
    xv, col, start, stop, cqv, lo, hi, acc_c, acc_d = args
    arr = context.make_array(signature.args[0])(context, builder, xv)
    row = builder.extract_value(arr.strides, 0)
    base = builder.bitcast(arr.data, ir.IntType(8).as_pointer())
    base = builder.gep(base, [builder.mul(col, ir.Constant(_I64, 4))])
    v8d = _V8D
    # cq[0], cq[1]: the bounds of each cell's values
    bound = [builder.load(cq_row(context, builder, signature.args[4], cqv, c), align=8)
             for c in (0, 1)]  # fmt: skip
    f32max = float(np.finfo(np.float32).max)
    slots = [cgutils.alloca_once_value(builder, v) for v in (
        start, ir.Constant(_ROW, [f32max] * CELLS), ir.Constant(_ROW, [-f32max] * CELLS),
        ir.Constant(_F64, BIG), ir.Constant(_F64, -BIG), acc_c, acc_d)]  # fmt: skip
    cond = builder.append_basic_block("walk.cond")
    body = builder.append_basic_block("walk.body")
    done = builder.append_basic_block("walk.done")
    builder.branch(cond)
    builder.position_at_end(cond)
    j = builder.load(slots[0])
    builder.cbranch(builder.icmp_signed("<", j, stop), body, done)
    builder.position_at_end(body)
    r = _load_row(builder, builder.gep(base, [builder.mul(j, row)]))
    d = builder.fpext(r, v8d)
    inside = builder.and_(builder.fcmp_ordered(">", d, bound[0]),
                          builder.fcmp_ordered("<=", d, bound[1]))  # fmt: skip
    i8 = ir.IntType(CELLS)
    every = builder.icmp_unsigned("==", builder.bitcast(inside, i8), ir.Constant(i8, 255))
    sv = row_sum(builder, r, d)
    quiet = builder.and_(every, builder.and_(builder.fcmp_ordered(">", sv, lo),
                                             builder.fcmp_ordered("<=", sv, hi)))  # fmt: skip
    step = builder.append_basic_block("walk.step")
    builder.cbranch(quiet, step, done)
    builder.position_at_end(step)
    for slot, v, pred in ((1, r, "<"), (2, r, ">"), (3, sv, "<"), (4, sv, ">")):
        builder.store(_keep_first(builder, builder.load(slots[slot]), v, pred), slots[slot])
    for slot in (5, 6):
        builder.store(builder.fadd(builder.load(slots[slot]), sv), slots[slot])
    builder.store(builder.add(j, ir.Constant(_I64, 1)), slots[0])
    builder.branch(cond)
    builder.position_at_end(done)
    _store_extremes(context, builder, signature.args[4], cqv, builder.load(slots[1]),
                    builder.load(slots[2]))  # fmt: skip
    vals = [builder.sitofp(builder.load(slots[0]), _F64)]
    vals += [builder.load(slots[k]) for k in (3, 4, 5, 6)]
    return context.make_tuple(builder, signature.return_type, vals)


@intrinsic
def _cell_walk(
    typingctx: Any, x: Any, c0: Any, a: Any, b: Any, cq: Any, lo: Any, hi: Any, acc_c: Any,
    acc_d: Any,
) -> Any:  # fmt: skip
    """The scan's one-by-one walk over rows ``a..b-1`` of the :data:`CELLS` adjacent float32
    columns from ``c0`` of ``x``: each row whose cells are within their bounds (``cq[0, k]``
    < v <= ``cq[1, k]``) and whose sum ``0.0 + v0 + ... + v7`` is within (``lo``, ``hi``]
    is taken, up to the first that is not. Each cell's smallest and largest value over
    the rows taken go into ``cq[2, k]`` and ``cq[3, k]``; returns ``[0]`` the row where it
    stopped, ``[1]``, ``[2]`` the sums' extremes and ``[3]``, ``[4]`` ``acc_c`` and
    ``acc_d`` each plus the sums in row order: the scalar walk's values (every value taken
    is finite: the bounds admit no NaN or infinity). Other dtypes: NaNs, ``cq``
    untouched."""
    if not (isinstance(x, types.Array) and x.ndim == 2):
        return None
    n_out = 5
    ret = types.UniTuple(types.float64, n_out)
    f = types.float64
    sig = ret(x, types.intp, types.intp, types.intp, cq, f, f, f, f)
    if x.dtype == types.float32:
        return sig, _walk_codegen

    def nans(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return context.make_tuple(builder, ret, [ir.Constant(_F64, np.nan)] * n_out)

    return sig, nans


@njit(cache=True, **JIT_ONLY)
def adjacent(cols: np.ndarray, column_bytes: int) -> bool:
    """Whether the foot's columns ``cols`` are :data:`CELLS` adjacent ones, in order, of
    float32 values ``column_bytes`` apart (4: a C-contiguous array)."""
    if cols.shape[0] != CELLS or column_bytes != 4:
        return False
    for k in range(1, CELLS):  # noqa: SIM110 (a loop numba compiles, not a generator)
        if cols[k] != cols[0] + k:
            return False
    return True


#: called from the scan as ``cell_rows(x, c0, a, b, acc, keep, cq)`` (numba passes the
#: typing context)
cell_rows: Any = _cell_rows
#: called from the scan as ``cell_walk(x, c0, a, b, cq, lo, hi, acc_c, acc_d)``
cell_walk: Any = _cell_walk
