"""The line a first run shows while the analysis kernels compile.

numba compiles the kernels on the first run after an install (or an upgrade) and caches
them; that takes seconds to tens of seconds on a small machine. A command that is about to
analyse asks :func:`stride.core.kernels.analysis_kernels_ready` first and, when some kernel
is neither compiled nor cached, says so on stderr before the pause, so a user does not
take it for a hang. Imported only by commands that analyse (``stride --help`` never
imports numba or numpy).
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

MESSAGE = "stride: preparing the analysis kernels, first run only (up to a minute) ..."


def announce_kernels(forces_dtype: Any = "int16", stream: TextIO | None = None) -> bool:
    """Print :data:`MESSAGE` when the kernels for forces of ``forces_dtype`` still need
    compiling; True when it was printed."""
    from stride.core.kernels import analysis_kernels_ready

    if analysis_kernels_ready(forces_dtype):
        return False
    out = sys.stderr if stream is None else stream
    print(MESSAGE, file=out, flush=True)
    return True
