"""Options of the numba kernels here, beside ``cache=True``: the wrappers numba compiles
with every kernel by default that these kernels never use.

numba lowers each kernel with a C-callable wrapper (for taking its address as a
first-class function, which nothing here does) and a Python entry point, and a kernel
that calls another links the callee's whole module, wrappers included, into its own and
optimises it again. Leaving them out cuts a first run's compile (an empty cache) without
changing the machine code a kernel runs. A kernel called only by other kernels (never
from Python, tests included) needs no Python entry point either.

Importing this module also stamps numba's cache of every kernel in
:data:`KERNEL_SOURCES` with all of them (:mod:`stride.core._kernel_cache`), so an edit to
one recompiles the kernels that may have inlined it; a new kernel module belongs there
(a test checks).

It also has numba hash its compile flags once per class and compare them by the options
set, instead of through all their options at every look-up during type inference
(``quicker_flags``: the same results, a few per cent of a first run's compile).
"""

from __future__ import annotations

import os
from typing import Any

from stride.core._kernel_cache import cover, quicker_flags

#: a kernel called from Python: ``@njit(cache=True, **PY_ENTRY)``
PY_ENTRY: dict[str, Any] = {"no_cfunc_wrapper": True}
#: a kernel only other kernels call: ``@njit(cache=True, **JIT_ONLY)``
JIT_ONLY: dict[str, Any] = {"no_cfunc_wrapper": True, "no_cpython_wrapper": True}

#: the modules (below ``stride/``) that define numba kernels, overloads or intrinsics, and
#: those they import: what a compiled kernel's machine code may hold
KERNEL_SOURCES = (
    "core/_clock_kernel.py",
    "core/_contact_block_end.py",
    "core/_contact_bounds.py",
    "core/_contact_cells.py",
    "core/_contact_cellstate.py",
    "core/_contact_envelopes.py",
    "core/_contact_gap.py",
    "core/_contact_inlining.py",
    "core/_contact_layout.py",
    "core/_contact_rules.py",
    "core/_contact_runs.py",
    "core/_contact_scan.py",
    "core/_contact_state.py",
    "core/_contact_sums.py",
    "core/_course_evidence.py",
    "core/_course_kernels.py",
    "core/_course_posterior.py",
    "core/_course_sums.py",
    "core/_dfa_kernel.py",
    "core/_kernel_options.py",
    "core/_polarity_kernel.py",
    "core/_step_kernels.py",
    "core/_step_whole.py",
    "core/belt.py",
    "core/clock.py",
    "core/gaps.py",
)
cover(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), KERNEL_SOURCES)
quicker_flags()
