"""How a live session, a demo or a replay that ran ends with exit 1: the final ``--json``
document still printed, then the one line.

A session whose recording stopped (a full disk) prints its summary and document, then
:func:`recording_lost`'s line. A session stopped by a fault once it ran (a treadmill that
never gave a speed, a box that never spoke, the analysis failing) used to print its step
lines and no final document: a script reading the last line found a step. The session's
result now travels with its error (:func:`with_result`) and :func:`print_fault_document`
prints the document of what the session recorded so far, its ``session`` with ``fault``
(the error's line) added, before the command says the error (docs/formats.md).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
from pathlib import Path

from devices.errors import FileSystemError
from stride.core.rows import json_safe
from stride.session.protocols import SessionResult


def with_result(err: BaseException, result: SessionResult) -> BaseException:
    """``err``, carrying the result of the session it ended."""
    err.session_result = result  # type: ignore[attr-defined]
    return err


def print_fault_document(err: BaseException, *, json_doc: bool) -> None:
    """With ``--json``, the final document of the session ``err`` ended (if it ran): its
    steps and summary so far and ``session.fault``; ``recording`` null if the folder went
    (a session that received nothing leaves none)."""
    result = getattr(err, "session_result", None)
    if not json_doc or not isinstance(result, SessionResult):
        return
    doc = result.document()
    session = dict(doc.get("session") or {})
    kept = session.get("recording")
    if kept is not None and not Path(str(kept)).is_dir():
        session["recording"] = None
    session["fault"] = str(err)
    doc["session"] = session
    write_document(doc)


def write_document(doc: dict[str, object]) -> None:
    """The final ``--json`` document on stdout. A reader that went away (``stride live
    --json | head``) is said on stderr and the command goes on: the session is stored in
    the history as ever (the write used to end the command there, exit 1 without a word,
    the session left out of the history)."""
    try:
        sys.stdout.write(json.dumps(json_safe(doc)) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)  # what is still buffered goes nowhere,
        os.dup2(devnull, sys.stdout.fileno())  # not into an error at exit
        os.close(devnull)
        with contextlib.suppress(OSError, ValueError):
            print(
                "stride: note: the program reading stride's output closed it before the final "
                "JSON document, which was not delivered; the session ends as usual",
                file=sys.stderr,
                flush=True,
            )


def recording_lost(result: SessionResult) -> FileSystemError:
    """The one line that ends a session whose recording stopped (exit 1), after its summary
    and final JSON were printed: what stopped it, what was not written, how to recover."""
    where = shlex.quote(str(result.recording))
    names = result.not_written
    missing = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
    lost = f"; {missing} could not be written" if missing else ""
    fix = f"free space, then `stride analyze {where}` re-creates the tables of what was recorded"
    if result.recording is not None and not result.recording.is_dir():
        fix = "the recording is gone; keep the output above (run with --json > FILE to save it)"
    return FileSystemError(
        f"{result.recording_failure}{lost}: the recording in {where} stops there (the steps "
        "and summary of the whole session are in the output above)",
        fix=fix,
    )
