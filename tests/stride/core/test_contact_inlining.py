"""The contact scan's compiler (``stride.core._contact_inlining.ScanCompiler``) on small
kernels: a copy of a variable set once outside loops (an inlined part's parameter) is that
variable, a copy of one a loop sets is kept, a test of an array argument against None is
decided before typing, and the results are those of numba's own pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from numba.core.compiler import run_frontend
from numba.core.errors import TypingError

from stride.core._contact_inlining import ScanCompiler, _copies


def _copies_of(x: np.ndarray, n: int) -> float:
    a = x  # a copy of an argument: the argument
    t = 0.0
    for k in range(n):
        b = t  # a copy of a variable the loop assigns: kept
        t = b + a[k]
    return t


def test_a_copy_of_a_variable_set_once_is_that_variable() -> None:
    func_ir = run_frontend(_copies_of)
    same = _copies(func_ir.blocks)
    assert same.get("a") == "x"
    assert not any(name.split(".")[0] == "b" for name in same)
    # and the kernel compiled with the copies dropped gives numba's own result
    x = np.array([1.0, 2.0, 4.0])
    assert njit(pipeline_class=ScanCompiler)(_copies_of)(x, 3) == njit(_copies_of)(x, 3) == 7.0


def _none_tested(x: np.ndarray, words: np.ndarray | None) -> int:
    if words is None:
        return len(1.5)  # type: ignore[arg-type]  # no typing for it: never compiled
    return int(x.shape[0] + words.shape[0])


def test_an_array_is_never_none_before_typing() -> None:
    x, words = np.zeros(3), np.zeros(2, np.int64)
    assert njit(pipeline_class=ScanCompiler)(_none_tested)(x, words) == 5
    with pytest.raises(TypingError):  # numba's own pipeline types the branch
        njit(_none_tested)(x, words)
