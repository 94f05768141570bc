"""Contact detection kernels (private): the scan's parts inlined without reference counts.

The contact scan is written in parts, functions numba inlines into it
(``inline="always"``: their IR spliced into the scan's before typing; no call). numba
splices a part in with each parameter a new variable assigned the argument
(``tr_part = tr``), and to the code it lowers a copy of an array is a new reference: an
increment of the array's count (``NRT_incref``, an atomic add in a call) where the part
starts and a decrement (``NRT_decref``) where the copy dies, in every pass through the
part. Its reference-count pruning removes such pairs within a basic block, not those of a
part with branches (a block's end took five of each): the very cost the parts are inlined
to avoid (the module docstring of :mod:`stride.core._contact_scan`).

:class:`ScanCompiler`, the scan's compiler, adds one pass right after numba's inlining,
:class:`SameVariables`: a variable assigned once from a variable assigned once, outside
every loop, is that variable (its uses renamed, the copy dropped). The source is then set
once in a call and never changes, so the copy holds its value wherever the copy is read:
the same program. The scan's arrays (its arguments, and the scratch arrays it allocates
before its loop) are such variables, so each part reads and writes them as code written in
the scan would, and its parameters cost nothing. Copies of other variables (the scan's
running values, loop variables) are left to LLVM, which removes those of scalars itself.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from numba.core import ir
from numba.core.analysis import compute_cfg_from_blocks
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import FunctionPass, register_pass
from numba.core.ir_utils import build_definitions, replace_var_names
from numba.core.untyped_passes import InlineInlinables


def once_outside_loops(blocks: dict[int, Any]) -> set[str]:
    """The variables of ``blocks`` assigned exactly once, in a block outside every loop."""
    count: Counter[str] = Counter()
    where = {}
    for label, block in blocks.items():
        for stmt in block.body:
            if isinstance(stmt, ir.Assign):
                count[stmt.target.name] += 1
                where[stmt.target.name] = label
    cfg = compute_cfg_from_blocks(blocks)
    looped = set().union(*(loop.body for loop in cfg.loops().values()))
    return {name for name, n in count.items() if n == 1 and where[name] not in looped}


@register_pass(mutates_CFG=False, analysis_only=False)
class SameVariables(FunctionPass):
    """A variable assigned once from a variable assigned once outside every loop is that
    variable: its uses renamed, the copy dropped (the module docstring)."""

    _name = "stride_same_variables"

    def __init__(self) -> None:
        FunctionPass.__init__(self)

    def run_pass(self, state: Any) -> bool:
        blocks = state.func_ir.blocks
        renamed = False
        while True:  # again while a copy of a copy became a copy of a fixed variable
            same = _copies(blocks)
            if not same:
                break
            replace_var_names(blocks, same)
            renamed = True
        if renamed:
            state.func_ir._definitions = build_definitions(blocks)
        return renamed


def _copies(blocks: dict[int, Any]) -> dict[str, str]:
    """The copies to drop from ``blocks`` (dropped): copy -> the variable it copies."""
    fixed = once_outside_loops(blocks)
    count: Counter[str] = Counter(
        stmt.target.name
        for block in blocks.values()
        for stmt in block.body
        if isinstance(stmt, ir.Assign)
    )
    same = {}
    for block in blocks.values():
        body = []
        for stmt in block.body:
            copy = isinstance(stmt, ir.Assign) and isinstance(stmt.value, ir.Var)
            if copy and count[stmt.target.name] == 1 and stmt.value.name in fixed:
                same[stmt.target.name] = stmt.value.name
            else:
                body.append(stmt)
        block.body = body
    return same


class ScanCompiler(CompilerBase):
    """numba's nopython pipeline with :class:`SameVariables` after its inlining."""

    def define_pipelines(self) -> list[Any]:
        pm = DefaultPassBuilder.define_nopython_pipeline(self.state)
        pm.add_pass_after(SameVariables, InlineInlinables)
        pm.finalize()
        return [pm]
