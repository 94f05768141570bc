"""The contact scan's compiler (``stride.core._contact_inlining.ScanCompiler``) on small
kernels: a copy of a variable set once outside loops (an inlined part's parameter) is that
variable, a copy of one a loop sets is kept, a test of an array argument against None is
decided before typing, and the results are those of numba's own pipeline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


FALLBACK = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from benchmarks.realistic import simulated
from contacts_reference import same_as_reference
from numba.core.compiler import Compiler
from stride.core import _contact_scan
from stride.core.contacts import ContactParams

assert _contact_scan.scan._compiler.pipeline_class is Compiler  # numba's own
sig = simulated("huntington:0.6", "heel-toe", 0.25, seed=5)
print(min(same_as_reference(sig, side, ContactParams()) for side in ("L", "R")))
"""


def test_the_scan_on_numbas_own_pipeline_equals_the_reference(tmp_path: Path) -> None:
    """Where the scan's compiler cannot be used (a numba whose internals moved), the scan
    compiles on numba's own pipeline: its contacts still equal the plain-Python reference."""
    repo = Path(__file__).resolve().parents[3]
    env = os.environ | {"STRIDE_SCAN_PIPELINE": "numba", "NUMBA_CACHE_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", FALLBACK, str(repo), str(Path(__file__).parent)],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.split()[-1]) >= 10  # contacts of each foot compared


def test_this_numba_has_what_the_scans_compiler_builds_on() -> None:
    from stride.core import _contact_inlining, _contact_scan

    assert _contact_inlining.usable()
    assert _contact_scan.scan._compiler.pipeline_class is ScanCompiler
