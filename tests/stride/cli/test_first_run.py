"""A first run on two cores: the helper's share and the command's share together are
exactly the kernels the command would compile alone, and the guesses made before reading
match how records are read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sim.harness import SimRecording
from stride.cli import first_run
from stride.cli.kernel_notice import MESSAGE

ROOT = Path(__file__).resolve().parents[3]
WFDB = ROOT / "data" / "physionet" / "gaitndd" / "control1.hea"
GAITPDB = ROOT / "tests" / "data" / "gaitpdb" / "GaCo01_01_30s.txt"

#: The tests below compile the kernels on empty caches, in two processes at once: 20-40 s of
#: CPU each, several minutes on a busy 2-core machine (160 s at load 8-12 with three CPU hogs,
#: past the suite's 300 s at load 14-16). Their limit is for a hang, not for the machine's load.
COLD_COMPILE_S = 1200

#: every kernel of the session's analyzer compiled in this process, by name: signatures
SIGNATURES = """
import json
from stride.core import _contact_bounds, _contact_scan, _contact_state, _step_kernels, belt, gaps
from stride.core import _clock_kernel, _polarity_kernel
def compiled():
    out = {}
    for mod in (_contact_scan, _contact_bounds, _contact_state, _step_kernels, belt, gaps,
                _clock_kernel, _polarity_kernel):
        for name in dir(mod):
            d = getattr(mod, name)
            if hasattr(d, "signatures") and hasattr(d, "py_func"):
                out[mod.__name__ + "." + name] = sorted(map(str, d.signatures))
    return out
"""

ALONE = (
    SIGNATURES
    + """
from stride.ingest.engine import CoreEngine
CoreEngine(None).warm()
print(json.dumps(compiled()))
"""
)

SPLIT = (
    SIGNATURES
    + """
from stride.cli.first_run import run_task
from stride.core.kernels import compile_scan
from stride.ingest.engine import CoreEngine
run_task("streaming", "float64")
helper = compiled()
compile_scan("float64")
CoreEngine(None).warm()
print(json.dumps([helper, compiled()]))
"""
)

#: the kernel the command compiles itself
SCAN = "stride.core._contact_scan.scan"
#: the scan and every kernel it calls
SCAN_FAMILY = (
    "stride.core._contact_scan.",
    "stride.core._contact_bounds.",
    "stride.core._contact_state.",
)


def _pythons(tmp_path: Path, *codes: str) -> list[Any]:
    """Run each code in its own process at once, each on an empty numba cache of its own
    (a first run: every kernel used is compiled there, none loaded)."""
    procs = []
    for i, code in enumerate(codes):
        env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / f"cache{i}")}
        pipe = subprocess.PIPE
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", code], stdout=pipe, stderr=pipe, text=True, env=env
            )
        )
    outs = []
    for proc in procs:
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        outs.append(json.loads(out))
    return outs


@pytest.mark.timeout(COLD_COMPILE_S)
def test_the_helper_and_the_scan_make_up_what_a_session_compiles(tmp_path: Path) -> None:
    alone, (helper, split) = _pythons(tmp_path, ALONE, SPLIT)
    assert isinstance(alone, dict) and alone[SCAN]
    # the helper: every kernel but the scan, for the very argument types the scan and the
    # analyzer use (the scan's compile then loads them from the cache: nothing twice) ...
    callees = {k for k, v in alone.items() if k.startswith(SCAN_FAMILY) and k != SCAN and v}
    assert len(callees) >= 10 and helper[SCAN] == []
    assert {k: v for k, v in helper.items() if k != SCAN} == {
        k: v for k, v in alone.items() if k != SCAN
    }
    # ... and none compiled again for other types
    assert split == alone


ANALYSIS_ALONE = (
    SIGNATURES
    + """
from stride.core.kernels import warm_analysis_kernels
warm_analysis_kernels("float32")
print(json.dumps(compiled()))
"""
)

HELPER_WALK = (
    SIGNATURES
    + """
from stride.cli import first_run
from stride.core.kernels import warm_analysis_kernels
first_run.compile_whole_after = lambda: None  # its process would cache it for this one
first_run.run_task("analysis", "float32")  # no claims: the helper's whole walk
helper = compiled()
warm_analysis_kernels("float32")
print(json.dumps([helper, compiled()]))
"""
)

COMMAND_WALK = (
    SIGNATURES
    + """
from stride.cli.first_run_share import command_share
command_share("float32", None)  # no claims: the command's whole walk
print(json.dumps(compiled()))
"""
)

#: analysis kernels ``stride analyze`` compiles itself while its helper compiles the rest
STEPS = "stride.core._step_kernels._previous_median_mad"
POLARITY = "stride.core._polarity_kernel.block_sums"
CLOCK = "stride.core._clock_kernel.expand_times"


@pytest.mark.timeout(COLD_COMPILE_S)
def test_an_analysis_helper_s_walk_and_the_command_s_are_what_an_analysis_compiles(
    tmp_path: Path,
) -> None:
    """Each walk alone (no claims: the other process compiled nothing) compiles the kernels
    for the very types the analysis calls them with: the helper's every analysis kernel,
    the command's every one but the contact scan and its callees. With claims the two
    share them out (test_first_run_claims.py)."""
    alone, (helper, after), command = _pythons(tmp_path, ANALYSIS_ALONE, HELPER_WALK, COMMAND_WALK)
    assert alone[STEPS] and alone[SCAN] and alone[POLARITY] and alone[CLOCK]
    assert helper == after == alone  # and the analysis after it compiled nothing more
    assert all(command[k] == [] for k in alone if k.startswith(SCAN_FAMILY))
    assert {k: v for k, v in command.items() if not k.startswith(SCAN_FAMILY)} == {
        k: v for k, v in alone.items() if not k.startswith(SCAN_FAMILY)
    }


COMMAND_SHARE = """
from stride.cli.first_run_share import command_share
from stride.core.kernels import whole_rows_ready
command_share("float32", None)
print(whole_rows_ready())
"""

WHOLE_READY = """
from stride.core.kernels import whole_rows_ready
print(whole_rows_ready())
"""

HELPER_AFTER = """
import json
from stride.cli.first_run import run_task
from stride.core import _dfa_kernel, belt
run_task("analysis", "float32")
kernels = (belt._accumulate, belt._displacements, _dfa_kernel._dfa_fluctuations)
print(json.dumps([[sum(k._cache_misses.values()), sum(k._cache_hits.values())] for k in kernels]))
"""


@pytest.mark.timeout(COLD_COMPILE_S)
def test_a_helper_loads_the_belt_and_dfa_kernels_the_command_compiled_first(
    tmp_path: Path,
) -> None:
    # the command's share reaches past the steps table's kernel: the belt's and DFA's
    # kernels, which a helper meets after its contact scan, are loaded there, not compiled
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    outs = []
    for code in (COMMAND_SHARE, HELPER_AFTER):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        outs.append(done.stdout)
    assert json.loads(outs[1]) == [[0, 1], [0, 1], [0, 1]]
    # a whole record's steps kernel: not the command's (seconds it would wait) ...
    assert outs[0].strip() == "False"
    # ... but the helper's, after its share, in a process nothing waits for: a second
    # run finds it cached (its compile still under way for a while: asked until it is)
    for _ in range(600):
        done = subprocess.run(
            [sys.executable, "-c", WHOLE_READY], capture_output=True, text=True, env=env,
            check=True,
        )  # fmt: skip
        if done.stdout.strip() == "True":
            break
        time.sleep(0.5)
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize(("cached", "idle", "started"), [
    (False, True, True), (True, True, False), (False, False, False),
])  # fmt: skip
def test_a_later_run_compiles_a_whole_record_s_kernel_beside_it_on_an_idle_core(
    monkeypatch: pytest.MonkeyPatch, cached: bool, idle: bool, started: bool
) -> None:
    """A first run without a helper (a busy machine) left it out: a later run with the
    analysis kernels cached starts its compile in a process of its own, when a core is
    idle, and analyses at once (no first-run line, nothing waited for)."""
    from stride.core import kernels, steps_whole

    monkeypatch.setattr(kernels, "analysis_kernels_ready", lambda dtype: True)
    monkeypatch.setattr(steps_whole, "kernel_ready", lambda: cached)
    monkeypatch.setattr(first_run, "_whole_wanted", lambda: idle)
    seen: list[str] = []
    monkeypatch.setattr(first_run, "start_whole", seen.append)
    helper = first_run.prepare_analysis(WFDB)
    assert helper.proc is None and not helper.announced
    assert seen == (["int16"] if started else [])


@pytest.mark.parametrize(("path", "dtype"), [(WFDB, "int16"), (GAITPDB, "float32")])
def test_the_dtype_guessed_before_reading_is_the_one_read(path: Path, dtype: str) -> None:
    from stride.analysis import likely_dtype
    from stride.readers import read_signals

    assert likely_dtype(path) == dtype == read_signals(path).forces.dtype.name


@pytest.mark.stride_recording(minutes=0.2, seed=3)
def test_a_session_recording_is_guessed_as_read(stride_recording: SimRecording) -> None:
    from stride.analysis import likely_dtype
    from stride.readers import read_signals

    path = stride_recording.path
    assert likely_dtype(path) == read_signals(path).forces.dtype.name == "float32"


def test_one_core_shows_the_line_and_starts_no_helper(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(first_run.HELPER_ENV, "auto")
    monkeypatch.setattr(first_run, "_cores", lambda: 1)
    assert not first_run.idle_core()
    helper = first_run.Helper.start("analysis", "int16")
    assert helper.proc is None and helper.announced
    helper.wait()
    assert capsys.readouterr().err.splitlines() == [MESSAGE]


@pytest.mark.parametrize("load", [0.2, 1.4, 1.6, 8.0])
def test_a_busy_machine_starts_the_helper_all_the_same(
    monkeypatch: pytest.MonkeyPatch, load: float
) -> None:
    """The helper starts on two cores whatever the load (in a session of its own it never
    made a first run slower: docs/performance.md); the feet side by side and a later run's
    compile of a whole record's kernel keep the load rule."""
    monkeypatch.setenv(first_run.HELPER_ENV, "auto")
    monkeypatch.setattr(first_run, "_cores", lambda: 2)
    monkeypatch.setattr(first_run.os, "getloadavg", lambda: (load, 1.0, 1.0))
    assert first_run._helper_wanted()
    assert first_run.idle_core() is first_run._whole_wanted() is (load <= 1.5)


@pytest.mark.parametrize(("choice", "cores", "load", "wanted", "whole"), [
    ("on", 1, 0.2, True, True), ("off", 2, 0.2, False, False), ("auto", 2, 0.2, True, True),
    ("auto", 2, 3.0, True, False), ("auto", 1, 0.2, False, False), (" ON ", 1, 3.0, True, True),
    ("sometimes", 2, 3.0, True, False), ("sometimes", 1, 0.2, False, False),
])  # fmt: skip
def test_the_environment_chooses_over_the_cores_and_the_load(
    monkeypatch: pytest.MonkeyPatch, choice: str, cores: int, load: float, wanted: bool,
    whole: bool,
) -> None:  # fmt: skip
    monkeypatch.setenv(first_run.HELPER_ENV, choice)
    monkeypatch.setattr(first_run, "_cores", lambda: cores)
    monkeypatch.setattr(first_run.os, "getloadavg", lambda: (load, 1.0, 1.0))
    assert first_run._helper_wanted() is wanted
    assert first_run._whole_wanted() is whole


def test_the_helper_runs_in_a_session_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Linux's autogroup scheduler shares the cores between sessions first: a helper in
    the command's session would split the command's share instead of adding one."""
    out = tmp_path / "sid"
    code = f"import os; open({str(out)!r}, 'w').write(f'{{os.getsid(0)}} {{os.getpid()}}')"
    monkeypatch.setenv(first_run.HELPER_ENV, "on")
    monkeypatch.setattr(
        first_run, "_helper_command", lambda task, dtype: [sys.executable, "-c", code]
    )
    helper = first_run.Helper.start("streaming", announce=False)
    assert helper.proc is not None
    helper.wait()
    sid, pid = out.read_text().split()
    assert sid == pid != str(os.getsid(0))


def test_a_helper_that_fails_only_costs_time(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(first_run.HELPER_ENV, "on")
    helper = first_run.Helper.start("no-such-task", "int16")
    assert helper.proc is not None
    proc = helper.proc
    helper.wait()
    assert proc.returncode not in (0, None) and helper.proc is None
    assert capsys.readouterr().err.splitlines() == [MESSAGE]


ENDED = """
import atexit, gc, os, sys
from stride.cli import first_run
done = []
first_run.run_task = lambda task, dtype: done.append((task, dtype, gc.isenabled()))
atexit.register(lambda: print("torn down", flush=True))
end = os._exit
os._exit = lambda code: (print("ends", done, gc.isenabled(), flush=True), end(code))
print("started", flush=True)
first_run.main(["analysis", "float32"])
print("after main", done, flush=True)
"""


def test_a_helper_ends_as_soon_as_its_share_is_compiled() -> None:
    """The command waits for its helper's process to end: after the share (in numba's
    cache as each kernel compiles), the interpreter's teardown would only free the
    compile's objects, 0.5-0.9 s of it. The helper ends without it (no exit handlers
    run), successfully; a failing task still fails (the test above). Its collector is off
    throughout and not turned on again: its first collection would walk the compile's
    objects (0.45 s after the contact scan's)."""
    done = subprocess.run(
        [sys.executable, "-c", ENDED], capture_output=True, text=True, check=False
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    ends = "ends [('analysis', 'float32', False)] False"
    assert done.stdout.splitlines() == ["started", ends]


def test_a_record_that_is_not_there_starts_nothing(tmp_path: Path) -> None:
    helper = first_run.prepare_analysis(tmp_path / "missing")
    assert helper.proc is None and not helper.announced


def test_a_helper_is_stopped_when_its_kernels_are_not_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(first_run.HELPER_ENV, "on")
    helper = first_run.Helper.start("analysis", "int16")
    proc = helper.proc
    assert proc is not None
    helper.stop()
    assert proc.returncode is not None and helper.proc is None


def test_the_helper_runs_this_stride_whatever_folder_the_command_runs_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A command started inside another checkout (a ``stride`` package in the working
    folder) must not hand its kernels to that checkout's code: ``python -m`` would import
    it first, and the helper would compile kernels this command cannot use."""
    marker = tmp_path / "the other checkout ran"
    decoy = tmp_path / "stride" / "cli"
    decoy.mkdir(parents=True)
    (tmp_path / "stride" / "__init__.py").write_text("")
    (decoy / "__init__.py").write_text("")
    (decoy / "first_run.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(first_run.HELPER_ENV, "on")
    helper = first_run.Helper.start("no-such-task", "int16")
    proc = helper.proc
    assert proc is not None
    helper.wait()
    assert proc.returncode not in (0, None)  # this stride's helper: no such task
    assert not marker.exists()


def test_the_line_says_first_use_not_first_run_and_the_docs_quote_it() -> None:
    """It is said on a first run and again on the first ``stride analyze`` after a ``stride
    demo`` (other kernels): "first run only" was then untrue. README and docs/performance.md
    quote it as it is printed."""
    words = MESSAGE.removeprefix("stride: ").split(" (")[0]
    assert "first run" not in MESSAGE and "first use" in words
    for doc in (ROOT / "README.md", ROOT / "docs" / "performance.md"):
        text = " ".join(doc.read_text().split())
        assert f'"{words}"' in text and "first run only" not in text, doc
