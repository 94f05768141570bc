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

#: Said whenever a kernel the command needs is neither compiled nor cached: on the first run
#: after an install, and on the first command of another kind (``stride analyze`` after a
#: ``stride demo``: the kernels differ), so it names their first use, not a first run.
MESSAGE = "stride: preparing the analysis kernels for their first use (up to a minute) ..."
RARE_READING_MESSAGE = (
    "stride: preparing the reading kernels for frames out of order, late or from a "
    "restarted box, once only (seconds) ..."
)


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


def notice_rare_reading() -> None:
    """Print :data:`RARE_READING_MESSAGE` on stderr when a recording first needs the box
    decoder's rare paths and they are neither compiled nor cached (they compile only then,
    so a later recording could otherwise pause in silence); registered once per process."""
    from devices.sensorbox import _fast_inputs

    if _rare_reading not in _fast_inputs.RARE_PATH_NOTICES:
        _fast_inputs.RARE_PATH_NOTICES.append(_rare_reading)


def _rare_reading(dispatcher: Any, args: tuple[Any, ...]) -> None:
    from stride.core.kernels import kernel_ready

    try:
        ready = kernel_ready(dispatcher, args)
    except Exception:  # numba internals differ: say nothing rather than fail the read
        return
    if not ready:
        print(RARE_READING_MESSAGE, file=sys.stderr, flush=True)
