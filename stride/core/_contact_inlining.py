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

Two more passes keep the scan's cold compile (a first run waits for it) as it was with the
parts written in the scan. numba's inliner deep-copies a part's IR twice, each block with
the part's whole scope: 0.9-1.0 s of CPU for the scan's parts (load 8).
:class:`InlineParts` runs it just before numba's own inlining (which then finds nothing
left), on IR made for that one call site: nothing else holds it, so it is spliced in as it
is, not copied (40-50 ms). And numba prunes a branch on ``a is None`` by the argument's
type only when ``a`` is None; ``InlineParts`` first also decides it for an array (never
None), so for integer forces the float summaries are neither inlined nor typed (LLVM
dropped them after: the machine code is the same).
"""

from __future__ import annotations

import functools
import operator
from collections import Counter
from typing import Any

from numba.core import ir, types
from numba.core.analysis import compute_cfg_from_blocks
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import FunctionPass, register_pass
from numba.core.inline_closurecall import InlineWorker, callee_ir_validator
from numba.core.ir_utils import (
    build_definitions,
    get_definition,
    guard,
    replace_var_names,
    simplify_CFG,
)
from numba.core.postproc import PostProcessor
from numba.core.untyped_passes import InlineInlinables, MakeFunctionToJitFunction


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


def _itself(block: Any, memo: dict[int, Any]) -> Any:
    return block


class _PartWorker(InlineWorker):
    """numba's inliner, without its copies of the part's IR (the module docstring)."""

    def run_untyped_passes(self, func: Any, enable_ssa: bool = False) -> Any:
        func_ir = super().run_untyped_passes(func, enable_ssa)
        for block in func_ir.blocks.values():  # made for this call site alone
            block.__deepcopy__ = functools.partial(_itself, block)
        return func_ir


@register_pass(mutates_CFG=True, analysis_only=False)
class InlineParts(InlineInlinables):
    """numba's ``InlineInlinables`` (run before it, which then finds nothing to inline),
    with :class:`_PartWorker` as its inliner."""

    _name = "stride_inline_parts"

    def run_pass(self, state: Any) -> bool:
        decided = _none_tests_decided(state)
        worker = _PartWorker(
            state.typingctx, state.targetctx, state.locals, state.pipeline, state.flags,
            validator=callee_ir_validator,
        )  # fmt: skip
        modified = decided
        work_list = list(state.func_ir.blocks.items())
        while work_list:  # as numba's pass: the calls found, each inlined if "always"
            _, block = work_list.pop()
            for i, instr in enumerate(block.body):
                call = isinstance(instr, ir.Assign) and getattr(instr.value, "op", "") == "call"
                if call and guard(self._do_work, state, work_list, block, i, instr.value, worker):
                    modified = True
                    break  # the block was split
        for block in state.func_ir.blocks.values():  # copied as any block again
            vars(block).pop("__deepcopy__", None)
        if modified:
            cfg = compute_cfg_from_blocks(state.func_ir.blocks)
            for dead in cfg.dead_nodes():
                del state.func_ir.blocks[dead]
            PostProcessor(state.func_ir).run()
            state.func_ir.blocks = simplify_CFG(state.func_ir.blocks)
        return True


def _none_tests_decided(state: Any) -> bool:
    """Each branch on ``a is None`` or ``a is not None`` for an argument ``a`` typed as an
    array made a jump (an array is never None; numba's own pruning decides the test for a
    None argument only), its dead blocks dropped: the scan's float summaries are then
    neither inlined nor typed for integer forces. Whether any was."""
    func_ir = state.func_ir
    decided = False
    for block in func_ir.blocks.values():
        branch = block.body[-1]
        if not isinstance(branch, ir.Branch):
            continue
        pred = guard(get_definition, func_ir, branch.cond.name)  # bool(test)
        test = (
            guard(get_definition, func_ir, pred.args[0]) if _is_bool_call(func_ir, pred) else None
        )
        if test is None or getattr(test, "op", "") != "binop":
            continue
        if test.fn not in (operator.is_, operator.is_not):
            continue
        sides = [guard(get_definition, func_ir, v) for v in (test.lhs, test.rhs)]
        arg = next((d for d in sides if isinstance(d, ir.Arg)), None)
        other = next((d for d in sides if not isinstance(d, ir.Arg)), None)
        none = isinstance(other, ir.Const) and other.value is None
        if arg is None or not none or not isinstance(state.args[arg.index], types.Array):
            continue
        keep = branch.falsebr if test.fn is operator.is_ else branch.truebr
        block.body[-1] = ir.Jump(keep, branch.loc)
        decided = True
    if decided:
        cfg = compute_cfg_from_blocks(func_ir.blocks)
        for dead in cfg.dead_nodes():
            del func_ir.blocks[dead]
        func_ir._definitions = build_definitions(func_ir.blocks)
    return decided


def _is_bool_call(func_ir: Any, pred: Any) -> bool:
    """Whether ``pred`` is a call of ``bool`` (numba's IR tests a branch's condition so)."""
    if getattr(pred, "op", "") != "call" or len(pred.args) != 1:
        return False
    fn = guard(get_definition, func_ir, pred.func)
    return isinstance(fn, ir.Global) and fn.value is bool


def usable() -> bool:
    """Whether this numba has what these passes call and override, as numba 0.68 has it
    (they are written against numba's internals: elsewhere the scan keeps numba's own
    pipeline, :func:`stride.core._contact_scan.scan_pipeline`)."""
    needs = (
        (InlineInlinables, "_do_work"),
        (InlineWorker, "run_untyped_passes"),
        (DefaultPassBuilder, "define_nopython_pipeline"),
    )
    return all(hasattr(owner, name) for owner, name in needs)


class ScanCompiler(CompilerBase):
    """numba's nopython pipeline with :class:`InlineParts` before its inlining and
    :class:`SameVariables` after it."""

    def define_pipelines(self) -> list[Any]:
        pm = DefaultPassBuilder.define_nopython_pipeline(self.state)
        pm.add_pass_after(InlineParts, MakeFunctionToJitFunction)
        pm.add_pass_after(SameVariables, InlineInlinables)
        pm.finalize()
        return [pm]
