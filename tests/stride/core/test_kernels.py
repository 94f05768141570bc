"""Whether the analysis kernels are compiled or cached, told without compiling them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from stride.core.analyzer import analyze
from stride.core.kernels import analysis_kernels_ready, warm_analysis_kernels
from stride.core.signals import Channel, GaitSignals

CHECK = "from stride.core.kernels import analysis_kernels_ready as r; print(r({!r}))"


def _walk(dtype: str) -> GaitSignals:
    """Two minutes of a square-wave walk at 100 Hz (at 50 Hz the noise meter's 16-sample
    blocks, 0.32 s, mostly hold an edge: read as noise, a foot is filtered for a while)."""
    fs = 100.0
    t = np.arange(12000) / fs
    walking = ((t % 1.0) < 0.6) * 1000.0
    x = np.stack([walking, np.roll(walking, 50)], axis=1).astype(dtype)
    chans = (Channel("L", "foot"), Channel("R", "foot"))
    return GaitSignals(t, x, chans, fs, t[::10].copy(), np.ones((1200, 1)))


def _ask(dtype: str, cache: Path | None) -> str:
    env = dict(os.environ)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    out = subprocess.run([sys.executable, "-c", CHECK.format(dtype)], capture_output=True,
                         text=True, env=env, check=True)  # fmt: skip
    return out.stdout.strip()


def test_ready_once_compiled_and_cached(tmp_path: Path) -> None:
    analyze(_walk("int16"))  # compiles (or loads) every kernel in this process
    assert analysis_kernels_ready("int16")
    assert analysis_kernels_ready(np.dtype("<i2"))
    # another process finds them in the cache this one wrote (or loaded)
    assert _ask("int16", None) == "True"
    # an empty cache: they would be compiled first
    assert _ask("int16", tmp_path) == "False"


def test_the_forces_dtype_is_asked_as_the_scan_sees_it() -> None:
    """The contact scan is compiled per dtype; bytes and booleans are read as int16."""
    analyze(_walk("int16"))
    assert analysis_kernels_ready("int8") and analysis_kernels_ready("bool")
    from stride.core import _contact_scan

    seen = {str(sig[1].dtype) for sig in _contact_scan.scan.signatures}
    assert "int16" in seen


def test_course_mode_s_kernels_are_asked_for_only_with_course_mode() -> None:
    """Course mode's kernels compile on an overground analysis's first use; asked for with
    ``course``, they are ready once it has run (whatever other tests ran before: the turn
    steps' slopes are fitted only where a step's phases are known, so they are called here)."""
    from test_course import walk  # type: ignore[import-not-found]

    from stride.core.course import apply_course
    from stride.core.course_stats import slopes

    analyze(_walk("int16"))
    passes = apply_course(walk([14, 14, 14, 6])[0], 10.0)[1]
    assert [p["measured"] for p in passes] == [True, True, True, False]
    x = np.linspace(0.0, 1.0, 8)
    assert np.isfinite(slopes(x, 2 * x, np.ones(8), np.linspace(0.0, 1.0, 8))).all()
    assert analysis_kernels_ready("int16") and analysis_kernels_ready("int16", course=True)


SHORT = """
import numpy as np
from stride.core import kernels, steps_whole
from stride.core.analyzer import analyze
from stride.core.signals import Channel, GaitSignals
steps_whole._missing = True  # as on a first run: a whole record's steps kernel not cached
t = np.arange(1500) / 50.0  # 30 s: fewer strides than DFA needs
walking = ((t % 1.0) < 0.6) * 1000.0
x = np.stack([walking, np.roll(walking, 25)], axis=1).astype("int16")
analyze(GaitSignals(t, x, (Channel("L", "foot"), Channel("R", "foot")), 50.0,
                    t[::10].copy(), np.ones((150, 1))))
print([d.__name__ for d, _ in kernels._kernels("int16") if not d.signatures])
"""


def test_every_kernel_asked_for_is_one_a_short_record_uses() -> None:
    """A kernel that a short record never calls would stay "not ready" after a first run
    of short records, and every later run would announce a first run: each one asked for
    is loaded (or compiled) by analysing 30 s of walking, in a process of its own."""
    analyze(_walk("int16"))  # the cache holds them: the process below only loads
    out = subprocess.run([sys.executable, "-c", SHORT], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]", out.stderr


LOADED = """
import numpy as np
from stride.core import kernels
from stride.core.analyzer import analyze
from stride.core.signals import Channel, GaitSignals
dtype = {!r}
kernels.load_analysis_kernels(dtype)
entry = [d for part in kernels._entry_signatures(dtype) for d, _ in part]
before = [len(d.overloads) for d in entry]
t = np.arange(12000) / 100.0  # as _walk
walking = ((t % 1.0) < 0.6) * 1000.0
x = np.stack([walking, np.roll(walking, 50)], axis=1).astype(dtype)
analyze(GaitSignals(t, x, (Channel("L", "foot"), Channel("R", "foot")), 100.0,
                    t[::10].copy(), np.ones((1200, 1))))
print(before, [len(d.overloads) for d in entry])
"""


def test_the_kernels_loaded_beforehand_are_those_the_analysis_calls() -> None:
    """``load_analysis_kernels`` loads each kernel the analysis calls from Python with the
    argument types it calls it with: none is loaded or compiled again by the analysis."""
    for dtype in ("int16", "float32"):
        # the cache holds them (a sample clock's expansion too: a session's times are read
        # as a clock, and no other call here need have compiled it): the process below
        # only loads
        warm_analysis_kernels(dtype)
        out = subprocess.run([sys.executable, "-c", LOADED.format(dtype)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        once = str([1] * 11)  # the scan, the clock's, the polarity figure's, four steps
        # table kernels and a whole record's, the belt's two, DFA's
        assert out.stdout.strip() == f"{once} {once}", (dtype, out.stderr)


def test_the_warm_up_walk_is_scanned_as_read_not_filtered() -> None:
    """The first-run helper compiles the contact scan for the forces' dtype by analysing
    this walk; were it read as too noisy, its feet would be filtered and a float64 scan
    compiled instead, leaving the command to compile its own (a first run 1.7x longer)."""
    from stride.core.contacts import ContactParams
    from stride.core.kernels import warm_signals
    from stride.core.scan import scan_samples

    for dtype in ("int16", "float32"):
        scan = scan_samples(warm_signals(dtype), ContactParams())
        assert scan.filtered == ()
        assert all(len(c) > 100 for c in scan.contacts.values())
