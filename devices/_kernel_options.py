"""Options of the numba kernels here, beside ``cache=True``: the wrappers numba compiles
with every kernel by default that these kernels never use.

numba lowers each kernel with a C-callable wrapper (for taking its address as a
first-class function, which nothing here does) and a Python entry point, and a kernel
that calls another links the callee's whole module, wrappers included, into its own and
optimises it again. Leaving them out cuts a first run's compile (an empty cache) without
changing the machine code a kernel runs. A kernel called only by other kernels (never
from Python, tests included) needs no Python entry point either.
"""

from __future__ import annotations

from typing import Any

#: a kernel called from Python: ``@njit(cache=True, **PY_ENTRY)``
PY_ENTRY: dict[str, Any] = {"no_cfunc_wrapper": True}
#: a kernel only other kernels call: ``@njit(cache=True, **JIT_ONLY)``
JIT_ONLY: dict[str, Any] = {"no_cfunc_wrapper": True, "no_cpython_wrapper": True}
