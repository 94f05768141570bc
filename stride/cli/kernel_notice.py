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
from collections.abc import Sequence
from typing import Any, TextIO

MESSAGE = "stride: preparing the analysis kernels, first run only (up to a minute) ..."


def announce_kernels(
    forces_dtypes: Sequence[Any] = ("int16",),
    streaming: bool = False,
    stream: TextIO | None = None,
    course: bool = False,
) -> bool:
    """Print :data:`MESSAGE` when the kernels for forces of any of ``forces_dtypes`` still
    need compiling (``streaming``: those a live session compiles as it starts; ``course``:
    with overground course mode's); True when it was printed."""
    from stride.core.kernels import analysis_kernels_ready

    if all(analysis_kernels_ready(d, streaming, course) for d in forces_dtypes):
        return False
    out = sys.stderr if stream is None else stream
    print(MESSAGE, file=out, flush=True)
    return True
