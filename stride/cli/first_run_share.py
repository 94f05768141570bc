"""How ``stride analyze``'s first run shares its analysis kernels between the command and
its helper (:mod:`stride.cli.first_run`): one list, walked from both ends, one claim a
kernel.

The helper compiles the contact scan first (the longest compile), the command its reading
kernels as it reads. Then both walk one list of the other analysis kernels
(:func:`shared_kernels`) from opposite ends, the command from the first, the helper from
the last, and before compiling a kernel each claims it: a file made with ``O_EXCL`` (one
process gets it) in a folder the command makes for this run and names to its helper
(:data:`CLAIMS_ENV`). A kernel the other process claimed is skipped: that process
compiles it into numba's cache, and the command loads it from there once its helper has
ended. So no kernel is compiled by both, and the two meet wherever their speeds take
them: they end within one kernel of each other, whichever share ran faster.

A claim whose process fails, is killed or hangs costs only time: the command waits for
its helper at most ``HELPER_WAIT_S`` and then ends it; a kernel claimed there and not
cached is compiled where the analysis first calls it. Without a folder (none could be
made, or a helper run by hand) a process compiles its whole walk, as a lone process would.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

#: the environment variable naming the claims folder to a helper
CLAIMS_ENV = "STRIDE_FIRST_RUN_CLAIMS"
#: the environment variable naming the command's process to its helper
PARENT_ENV = "STRIDE_FIRST_RUN_PARENT"

Kernel = tuple[Any, tuple[Any, ...]]


def new_folder() -> str | None:
    """A claims folder for one first run (None if none can be made: no claims, then)."""
    import tempfile

    try:
        return tempfile.mkdtemp(prefix="stride-first-run-")
    except OSError:
        return None


def remove_folder(folder: str | None) -> None:
    """The claims folder removed, with its claims."""
    if folder is not None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def claim_name(kernel: Any, sig: tuple[Any, ...]) -> str:
    """The claim file's name of this kernel for these argument types."""
    import hashlib

    func = kernel.py_func
    digest = hashlib.sha1(str(sig).encode()).hexdigest()[:16]
    return f"{func.__module__}.{func.__qualname__}-{digest}"


def claim(folder: str | None, kernel: Any, sig: tuple[Any, ...]) -> bool:
    """Whether this process is to compile ``kernel`` for ``sig``: True when it made the
    claim (or there is no folder, or it cannot be written: then each compiles), False
    when another process made it first."""
    if folder is None:
        return True
    try:
        fd = os.open(
            os.path.join(folder, claim_name(kernel, sig)), os.O_CREAT | os.O_EXCL | os.O_WRONLY
        )
    except FileExistsError:
        return False
    except OSError:  # the folder gone or unwritable: compiling it here only costs time
        return True
    os.close(fd)
    return True


def compile_claimed(folder: str | None, kernels: list[Kernel]) -> list[Kernel]:
    """Each kernel compiled (or loaded from numba's cache) for its argument types, in
    order, unless another process claimed it: those are returned, not compiled."""
    skipped = []
    for kernel, sig in kernels:
        if sig in kernel.overloads:  # compiled here already
            continue
        if claim(folder, kernel, sig):
            kernel.compile(sig)
        else:
            skipped.append((kernel, sig))
    return skipped


def shared_kernels(dtype: str) -> list[Kernel]:
    """(kernel, argument types) of the analysis kernels but the contact scan, for forces
    of ``dtype``, in the order the command takes them: the two an analysis calls before
    its scan (the polarity figure's and a sample clock's expansion), the steps table's
    (not a whole record's: :func:`stride.core.kernels.whole_rows_ready`), then DFA's
    and the belt's. The helper takes them from the end."""
    from stride.core.kernels import _after_scan_signatures, _step_signatures

    return [*_before_scan_signatures(dtype), *_step_signatures(),
            *_after_scan_signatures()[::-1]]  # fmt: skip


def _before_scan_signatures(dtype: str) -> list[Kernel]:
    """(kernel, argument types) of the kernels an analysis of forces of ``dtype`` calls
    before its contact scan: a sample clock's expansion and the polarity figure's."""
    return _sample_kernels(dtype)[1:]


def scan_signature(dtype: str) -> Kernel:
    """(kernel, argument types) of the contact scan for forces of ``dtype``, as an
    analysis calls it."""
    return _sample_kernels(dtype)[0]


def _sample_kernels(dtype: str) -> list[Kernel]:
    """(kernel, argument types) of the kernels that read the samples of forces of
    ``dtype``, as an analysis calls them: the contact scan first
    (:func:`stride.core.kernels._entry_signatures`)."""
    from stride.core.contact_input import scan_dtype
    from stride.core.kernels import _entry_signatures

    return _entry_signatures(scan_dtype(dtype))[0]


def command_share(dtype: str, folder: str | None) -> list[Kernel]:
    """The command's walk, after its reading kernels: the shared list from the first
    (those the helper claimed are returned)."""
    return compile_claimed(folder, shared_kernels(dtype))


def helper_share(dtype: str, folder: str | None) -> None:
    """The helper's walk: the contact scan, then the shared list from the last."""
    compile_claimed(folder, [scan_signature(dtype), *shared_kernels(dtype)[::-1]])


def folder_from_env() -> str | None:
    """The claims folder a helper was given (None: no claims)."""
    folder = os.environ.get(CLAIMS_ENV, "")
    with contextlib.suppress(OSError):
        if folder and os.path.isdir(folder):
            return folder
    return None


def watch_parent() -> None:
    """In a helper: end when the command that started it has ended (:data:`PARENT_ENV`).
    A command killed by SIGTERM, SIGHUP or SIGKILL during its first run could not end its
    helper, which, in a session of its own, gets no signal from the terminal either: it
    compiled on for nobody, up to a minute of a core, and the command's claims folder was
    left in the temporary folder. Now it removes that folder and ends within a second."""
    import threading
    import time

    parent = os.environ.get(PARENT_ENV, "")
    if not parent.isdigit():
        return  # run by hand: no command to follow
    claims = folder_from_env()

    def watch() -> None:
        while os.getppid() == int(parent):
            time.sleep(0.25)
        remove_folder(claims)
        os._exit(1)

    threading.Thread(target=watch, name="stride-first-run-parent", daemon=True).start()
