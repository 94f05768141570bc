"""Byte access for numba kernels (private): ``copy_bytes(dst, d, src, s, n)`` copies
``src[s : s + n]`` to ``dst[d : d + n]`` with LLVM's memcpy; ``word_at(buf, i)`` reads
``buf[i : i + 8]`` as one little-endian uint64 (at any offset: one load, where reading the
eight bytes one by one took eight).

Not the slice assignment ``dst[d : d + n] = src[s : s + n]``: numba compiles a slice
assignment's shape-mismatch error message (integer formatting, string concatenation)
into the kernel, about 3 s of CPU on a first run; nor a byte loop, which LLVM cannot turn
into a memcpy (it cannot tell the arrays apart) and which copied a recording's chunks at
half the speed. The ranges must not overlap, and must lie inside both arrays: callers
check (a raise with a constant message costs nothing to compile).
"""

from __future__ import annotations

import sys
from typing import Any

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def _copy_bytes(typingctx: Any, dst: Any, d: Any, src: Any, s: Any, n: Any) -> Any:
    """memcpy of ``n`` bytes from ``src`` (a uint8 array) at ``s`` to ``dst`` at ``d``."""
    if not (
        isinstance(dst, types.Array)
        and isinstance(src, types.Array)
        and dst.dtype == types.uint8
        and src.dtype == types.uint8
        and all(isinstance(x, types.Integer) for x in (d, s, n))
    ):
        return None
    sig = types.void(dst, types.intp, src, types.intp, types.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> None:
        dv, dpos, sv, spos, count = args
        darr = context.make_array(signature.args[0])(context, builder, dv)
        sarr = context.make_array(signature.args[2])(context, builder, sv)
        dptr = builder.gep(darr.data, [dpos])
        sptr = builder.gep(sarr.data, [spos])
        cgutils.raw_memcpy(builder, dptr, sptr, count, 1)

    return sig, codegen


#: called from kernels as ``copy_bytes(dst, d, src, s, n)`` (numba passes the typing context)
copy_bytes: Any = _copy_bytes


@intrinsic
def _word_at(typingctx: Any, buf: Any, i: Any) -> Any:
    """``buf[i : i + 8]`` (a contiguous uint8 array) as a little-endian uint64, read with
    one unaligned load. The bytes must lie inside the array: callers check."""
    if not (
        isinstance(buf, types.Array)
        and buf.dtype == types.uint8
        and buf.layout == "C"
        and isinstance(i, types.Integer)
    ):
        return None
    sig = types.uint64(buf, types.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(arr.data, [args[1]])
        word = context.get_value_type(types.uint64).as_pointer()
        return builder.load(builder.bitcast(ptr, word), align=1)

    return sig, codegen


#: called from kernels as ``word_at(buf, i)``; the machine's byte order must be little-endian
#: (every platform numba runs on here), as the files' is
word_at: Any = _word_at
assert sys.byteorder == "little", "word_at reads little-endian words with native loads"
