"""A first run on two cores: the kernels a command needs compile in two processes at once.

numba compiles each kernel on the first run after an install and caches it; one process
compiles one kernel at a time. When some kernel a command needs is neither compiled nor
cached, the command says so ("preparing the analysis kernels for their first use") and,
on two cores or more, starts one helper process (``python -m
stride.cli.first_run TASK DTYPE``) that compiles a share of them into numba's cache, while
the command compiles the rest; the command then waits for the helper and loads its share
from the cache. The shares:

- ``stride analyze`` of one recording: the command compiles the reading kernels (a
  session's chunk scanner and box decoder) before it reads, the helper the contact scan
  for the forces dtype the recording is likely read as (:func:`likely_dtype`; a wrong
  guess only costs the command compiling its own). Then both walk one list of the other
  analysis kernels from opposite ends, claiming each before compiling it, so none is
  compiled twice and the two end within one kernel of each other
  (:mod:`stride.cli.first_run_share`); the command waits for the helper and loads the
  rest from the cache. On a session recording whose contact scan numba's cache surely
  lacks, the helper starts before the command's own imports (:func:`start_early`): its
  scan, the longest compile, starts that much sooner.
- a live session, a demo, a replay: the command compiles the contact scan (the longest
  compile), the helper first the kernels the scan calls (the scan's compile loads those
  it finds in the cache when it meets them), then every other kernel the session's
  analyzer uses.

Not on either share: a whole record's steps kernel (``_step_whole._whole_rows``, seconds
of compile), which makes the same rows as the steps table's kernels one by one in one call
a foot. A first run analyses with those; the analysis helper compiles it once its share is
done, in a process of its own that the command does not wait for
(:func:`compile_whole_after`), and a later ``stride analyze`` that finds it not cached
with a core idle starts that compile beside it (:func:`prepare_analysis`).

The helper ends its process as soon as its share is compiled (:func:`main`), its cyclic
collector never turned back on: the command waits for that, and the interpreter's
teardown after a compile took 0.5-0.9 s, the collector's first collection 0.45 s. It runs in
a session of its own: Linux's autogroup scheduler shares the cores between sessions first,
so in the command's session it would split the command's share instead of adding one
(docs/performance.md, "First run").

A helper that fails, is killed, cannot write the cache, cannot start or is missing
changes nothing but the time: whatever is not in the cache when the command needs it, the
command compiles itself; a helper still running after :data:`HELPER_WAIT_S` is ended.
``STRIDE_FIRST_RUN_HELPER`` chooses: ``auto`` (the default: on two cores or more, whatever
the load: :func:`_helper_wanted`), ``on`` or ``off``. Imported only by commands that
analyse (``stride --help`` never imports numba or numpy).
"""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

from stride.cli import first_run_share as share
from stride.cli import start_up
from stride.cli.kernel_notice import MESSAGE

#: how long a command waits for its helper before compiling what is left itself (a cold
#: compile of the helper's share takes about 15 s on a quiet 2-core machine)
HELPER_WAIT_S = 120.0
#: the environment variable choosing whether a first run starts a helper
HELPER_ENV = "STRIDE_FIRST_RUN_HELPER"


class Helper:
    """The helper process of a first run (or none: a warm cache, or a single core)."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes] | None,
        announced: bool = False,
        task: str = "",
        dtype: str = "float64",
    ) -> None:
        self.proc = proc
        #: whether the first-run line was shown
        self.announced = announced
        #: the helper's task (see :func:`run_task`) and the forces dtype it compiles for
        self.task = task
        self.dtype = dtype
        #: the folder of the kernels' claims shared with the helper (:mod:`first_run_share`)
        self.claims: str | None = None

    @classmethod
    def start(cls, task: str, dtype: str = "float64", announce: bool = True) -> Helper:
        """Show the first-run line (unless not ``announce``: :func:`start_early`) and start
        ``task`` in a helper process, in a session of its own, when a second core is there
        to run it (:func:`_helper_wanted`)."""
        if announce:
            print(MESSAGE, file=sys.stderr, flush=True)
        if not _helper_wanted():
            return cls(None, announce)
        dev = subprocess.DEVNULL
        claims = share.new_folder() if task == "analysis" else None
        env = {**os.environ, share.PARENT_ENV: str(os.getpid())}
        if claims is not None:
            env[share.CLAIMS_ENV] = claims
        try:
            proc = subprocess.Popen(
                _helper_command(task, dtype), stdin=dev, stdout=dev, stderr=dev,
                cwd=_stride_root(), start_new_session=True, env=env,
            )  # fmt: skip
        except OSError:  # no process to be had (limits, memory): compile everything here
            share.remove_folder(claims)
            return cls(None, announce)
        helper = cls(proc, announce, task, dtype)
        helper.claims = claims
        return helper

    def wait(self) -> None:
        """The command's share of the analysis kernels compiled here (an ``analysis``
        helper: the shared list from its first, each kernel the helper has not claimed,
        :func:`stride.cli.first_run_share.command_share`), then until the helper is done
        (its share is then in the cache); a helper still running after
        :data:`HELPER_WAIT_S` is ended, and what it claimed but did not cache is compiled
        where the analysis first calls it."""
        if self.proc is None:
            return
        try:
            if self.task == "analysis":  # its objects frozen after, not walked
                with start_up.compiling(freeze=True):
                    share.command_share(self.dtype, self.claims)
            try:
                self.proc.wait(HELPER_WAIT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        finally:
            self._forget_claims()

    def compile_reading(self, recording: Path) -> None:
        """With a helper (a first run), a session ``recording``'s reading kernels compiled
        now, before it is read, with the collector as it is: ``stride analyze`` calls
        this during its start-up, while the collector is paused, so the compile's objects
        are frozen with start-up's by :func:`stride.cli.start_up.resume`, not walked by
        the collector (as they were, compiled by the read with it on)."""
        if self.proc is not None and recording.is_dir():
            from stride.ingest.recording import load_kernels

            load_kernels()

    def stop(self) -> None:
        """End a helper still running (the command failed: its kernels are not needed)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        self._forget_claims()

    def _forget_claims(self) -> None:
        share.remove_folder(self.claims)
        self.claims = None


def _helper_command(task: str, dtype: str) -> list[str]:
    """The helper's command line."""
    return [sys.executable, "-m", "stride.cli.first_run", task, dtype]


def _stride_root() -> str:
    """The folder holding the ``stride`` package this process runs. The helper starts
    there: ``python -m`` puts its working folder first on the module path, so a helper
    started elsewhere would import whatever ``stride`` that folder holds (a user working
    inside another checkout) and compile that one's kernels, which this command cannot
    use."""
    import stride

    return str(Path(stride.__file__).resolve().parent.parent)


def _helper_wanted() -> bool:
    """Whether a first run starts a helper: as ``STRIDE_FIRST_RUN_HELPER`` says (``on``,
    ``off``), or by default (``auto``, or anything else) on two cores or more, whatever
    the load. Under load (1-4 CPU hogs, the load average 1.6-14) the helper in its own
    session made 22 of 24 first runs faster (median 0.73x) and two demos 1.06x and
    1.16x slower; the load average, which counts every session's processes alike, did
    not tell which (docs/performance.md, "First run")."""
    return _choice(_cores() >= 2)


def _whole_wanted() -> bool:
    """Whether a later run starts a whole record's steps kernel compiling beside it
    (:func:`start_whole`, nothing waits for it): as ``STRIDE_FIRST_RUN_HELPER`` says, or
    by default when a core is idle (:func:`idle_core`)."""
    return _choice(idle_core())


def _choice(default: bool) -> bool:
    """``STRIDE_FIRST_RUN_HELPER``'s ``on`` or ``off``, else ``default``."""
    choice = os.environ.get(HELPER_ENV, "auto").strip().lower()
    return choice == "on" if choice in ("on", "off") else default


def _cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def idle_core() -> bool:
    """Whether a second core is likely idle (for ``stride analyze``'s two feet side by
    side, and a later run's compile of :func:`start_whole`): two or more cores, and a
    1-minute load average leaving at least half of one free (on 2 cores: at most 1.5).
    Not for a first run's helper (:func:`_helper_wanted`)."""
    cores = _cores()
    if cores < 2:
        return False
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here: assume the cores are free
        return True
    return load <= cores - 0.5


def start_early(path: Path) -> Helper:
    """First thing in ``stride analyze`` of one session recording, before the command
    imports numpy and numba (0.4-0.8 s): when numba's cache surely holds no contact scan
    (:func:`surely_cold`), the analysis helper started at once, unannounced, so its own
    imports and its share (the contact scan, the longest compile: the last to end on a
    first run) begin that much sooner. :func:`prepare_analysis` then checks the cache as
    before, and announces the helper or, if the kernels are there after all, ends it.
    Anything else: no helper here (Helper(None))."""
    from stride.readers import likely_dtype

    if not path.is_dir() or not surely_cold():
        return Helper(None)
    return Helper.start("analysis", likely_dtype(path), announce=False)


def surely_cold() -> bool:
    """Whether numba's cache holds no contact scan at all, told without importing numba:
    no index file of the scan where numba keeps this installation's cache (the
    ``NUMBA_CACHE_DIR`` folder numba derives from the source's folder, else the source's
    ``__pycache__`` when writable). False where unsure (numba's other cache places): then
    the helper starts after the full check, as before. A wrong True only starts a helper
    that :func:`prepare_analysis` ends."""
    import hashlib

    import stride

    source = os.path.abspath(Path(stride.__file__).parent / "core" / "_contact_scan.py")
    folder = os.path.dirname(source)
    cache_dir = os.environ.get("NUMBA_CACHE_DIR", "")
    if cache_dir:  # numba's UserProvidedCacheLocator
        digest = hashlib.sha1(folder.encode()).hexdigest()
        where = Path(cache_dir) / f"{os.path.basename(folder)}_{digest}"
    else:  # numba's InTreeCacheLocator, where it can write
        where = Path(folder) / "__pycache__"
        if not os.access(where if where.is_dir() else folder, os.W_OK):
            return False
    return not any(where.glob("_contact_scan.scan-*.nbi"))


def prepare_analysis(path: Path, early: Helper | None = None) -> Helper:
    """Before ``stride analyze`` reads ``path``: on a first run, the line on stderr and the
    analysis kernels compiling in a helper (``early``'s, if :func:`start_early` started
    one) while this process compiles the reading ones (as it reads). Call
    :meth:`Helper.wait` before analysing."""
    from stride.cli.kernel_notice import notice_rare_reading
    from stride.core.kernels import analysis_kernels_ready
    from stride.core.steps_whole import kernel_ready as whole_kernel_ready
    from stride.readers import likely_dtype

    early = early if early is not None else Helper(None)
    notice_rare_reading()  # a recording that needs the decoder's rare paths: said when so
    dtype = likely_dtype(path)
    if not path.exists():  # reading says what is wrong, before anything compiles
        return Helper(None)
    if analysis_kernels_ready(dtype) and (not path.is_dir() or reading_kernels_ready()):
        early.stop()  # started on a wrong guess: its kernels are there
        if not whole_kernel_ready() and _whole_wanted():
            start_whole(dtype)  # on the idle core; this command makes its rows without it
        return Helper(None)
    if early.proc is None:
        return Helper.start("analysis", dtype)
    print(MESSAGE, file=sys.stderr, flush=True)
    early.announced = True
    return early


def start_whole(dtype: str) -> None:
    """A whole record's steps kernel compiled into numba's cache by a process of its own,
    at low priority, that nothing waits for (``python -m stride.cli.first_run whole``):
    the next analysis calls it. Nothing if no process can be had."""
    dev = subprocess.DEVNULL
    with contextlib.suppress(OSError):
        subprocess.Popen(
            _helper_command("whole", dtype), stdin=dev, stdout=dev, stderr=dev,
            cwd=_stride_root(), start_new_session=True,
        )  # fmt: skip


def compile_whole_after() -> None:
    """The analysis helper's last part, once its share is in the cache: a whole record's
    steps kernel compiled by a copy of this process (forked: numba is loaded already), at
    low priority, while this one ends (the command waits only for this one). Nothing
    where a process cannot be forked."""
    try:
        pid = os.fork()
    except (AttributeError, OSError):  # not POSIX, or no process to be had
        return
    if pid:
        return
    try:  # the copy: its own session, no pipe of the command's kept open
        os.setsid()
        dev = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(dev, fd)
        os.nice(10)
        from stride.core.kernels import compile_whole_rows

        compile_whole_rows()
    finally:
        os._exit(0)


def prepare_many(path: Path) -> None:
    """Before ``stride analyze`` forks its workers for several records, the first being
    ``path``: on a first run, the reading kernels compiled here (a recording directory)
    while a helper compiles the analysis kernels; the workers then load them."""
    helper = prepare_analysis(path)
    if helper.proc is None:
        return
    try:
        helper.compile_reading(path)
        helper.wait()
    finally:
        helper.stop()  # done already, unless loading failed or was interrupted


def prepare_streaming() -> None:
    """Before a live session, a demo or a replay starts: on a first run, the line on
    stderr, then the contact scan compiled here while a helper compiles the rest."""
    from stride.core.kernels import analysis_kernels_ready, compile_scan

    if analysis_kernels_ready("float64", streaming=True):
        return
    helper = Helper.start("streaming")
    try:
        with start_up.compiling():
            compile_scan("float64")  # a live session's analyzer reads chunks as float64
        helper.wait()
    finally:  # done already, unless interrupted (Ctrl-C): its share is then not needed
        helper.stop()


def reading_kernels_ready() -> bool:
    """Whether the kernels reading a session recording are compiled or cached."""
    from devices.recording import _scan_kernels
    from devices.sensorbox import _fast_gather, _fast_kernels, _fast_samples
    from stride.core.kernels import kernel_ready

    kernels = (
        _scan_kernels._scan_into,
        _scan_kernels._gather,
        _fast_kernels._decode_stream,
        _fast_gather._fill_blocks,
        _fast_gather._gather_samples,
        _fast_samples._assemble_kernel,
        _fast_samples._widen_kernel,
    )
    try:
        return all(kernel_ready(k) for k in kernels)
    except Exception:  # numba internals differ: say "may need compiling"
        return False


def framing_kernel_ready() -> bool:
    """Whether the kernel framing a box stream ahead of its sequencer is compiled or
    cached (two read threads compile it on their first run; one uses it once it is)."""
    from devices.sensorbox import _fast_frames
    from stride.core.kernels import kernel_ready

    try:
        return kernel_ready(_fast_frames._predecode)
    except Exception:  # numba internals differ: say "may need compiling"
        return False


def run_task(task: str, dtype: str) -> None:
    """The helper's share (see the module docstring), compiled with the cyclic collector
    off (:func:`stride.cli.start_up.compiling`: the helper only compiles, then ends)."""
    with start_up.compiling():
        _run_task(task, dtype)


def _run_task(task: str, dtype: str) -> None:
    if task == "analysis":
        share.helper_share(dtype, share.folder_from_env())
        compile_whole_after()
    elif task == "whole":
        from stride.core.kernels import compile_whole_rows

        os.nice(10)
        compile_whole_rows()
    elif task == "streaming":
        from stride.core.kernels import compile_scan_callees, scan_as_python
        from stride.ingest.engine import CoreEngine

        compile_scan_callees()  # first: the command's scan loads those it meets later
        with scan_as_python():
            CoreEngine(None).warm()
    else:
        raise SystemExit(f"unknown task {task!r}")


def main(argv: list[str]) -> NoReturn:
    """The helper process (``python -m stride.cli.first_run TASK DTYPE``): its share
    compiled, then the process ended at once. numba writes each kernel to its cache as it
    compiles it, so the share is there by then; what would be left is the interpreter's
    teardown, freeing the compile's millions of objects one by one (0.55-0.85 s of a
    helper's analysis share at load 7.5), while the command waits for this process.
    The cyclic collector is off throughout and never turned back on: turned on after a
    compile, its first collection walks the compile's objects (0.45 s after the contact
    scan's, in one process at load 1.7)."""
    gc.disable()
    share.watch_parent()  # ended with the command, however it ends
    run_task(argv[0], argv[1])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
