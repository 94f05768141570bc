"""``stride analyze``'s first run shares its analysis kernels between the command and its
helper by claims (:mod:`stride.cli.first_run_share`): a kernel claimed by one process is
loaded, not compiled, by the other; the two walks together compile every kernel of the
analysis exactly once; a claim whose helper hangs holds the command up no longer than the
helper's own time limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stride.cli import first_run
from stride.cli import first_run_share as share

#: cold compiles in fresh processes: the limit is for a hang, not for the machine's load
COLD_COMPILE_S = 1200

#: (kernel, types) of three small kernels, and each process's cache hits and misses
SMALL = """
import json, sys
from stride.cli import first_run_share as share
from stride.core.kernels import _after_scan_signatures
acc, disp, dfa = _after_scan_signatures()
def counts(kernels):
    return [[sum(k._cache_misses.values()), sum(k._cache_hits.values())] for k, _ in kernels]
"""

#: the command's walk, then (the other process done) what it loads
FIRST = (
    SMALL
    + """
skipped = share.compile_claimed(sys.argv[1], [dfa, acc])
print(json.dumps([len(skipped), counts([dfa, acc, disp])]))
"""
)

SECOND = (
    SMALL
    + """
skipped = share.compile_claimed(sys.argv[1], [acc, disp])
not_here = [sig in k.overloads for k, sig in skipped]
before = counts([dfa, acc, disp])
acc[0].compile(acc[1])  # as the analysis calls it, the first process done
print(json.dumps([[k.py_func.__name__ for k, _ in skipped], not_here, before,
                  counts([dfa, acc, disp])]))
"""
)


def _run(code: str, cache: Path, *args: str, **env: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False,
        env={**os.environ, "NUMBA_CACHE_DIR": str(cache), **env},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.timeout(COLD_COMPILE_S)
def test_a_kernel_claimed_by_one_process_is_loaded_not_compiled_by_the_other(
    tmp_path: Path,
) -> None:
    claims = tmp_path / "claims"
    claims.mkdir()
    cache = tmp_path / "cache"
    skipped, first = _run(FIRST, cache, str(claims))
    assert skipped == 0 and first == [[1, 0], [1, 0], [0, 0]]  # DFA and _accumulate compiled
    names, not_here, before, after = _run(SECOND, cache, str(claims))
    # _accumulate was the first process's: skipped here, not compiled; _displacements not
    assert names == ["_accumulate"] and not_here == [False]
    assert before == [[0, 0], [0, 0], [1, 0]]
    assert after == [[0, 0], [0, 1], [1, 0]]  # then loaded from the cache, not compiled
    # without the claims the second process compiles both (a miss is a compile)
    _, _, lone, _ = _run(SECOND, tmp_path / "cache2", str(tmp_path / "no-such-folder"))
    assert lone == [[0, 0], [1, 0], [1, 0]]


class _Kernel:
    """A stand-in for a numba dispatcher: what a claim reads of one."""

    def __init__(self, name: str) -> None:
        def func() -> None:
            pass

        func.__qualname__ = name
        self.py_func = func
        self.overloads: dict[Any, Any] = {}
        self.compiled: list[Any] = []

    def compile(self, sig: Any) -> None:
        self.compiled.append(sig)
        self.overloads[sig] = True


def test_one_claim_a_kernel_and_signature(tmp_path: Path) -> None:
    a, b = _Kernel("a"), _Kernel("b")
    folder = str(tmp_path)
    assert share.claim(folder, a, ("int16",)) and not share.claim(folder, a, ("int16",))
    assert share.claim(folder, a, ("float32",)) and share.claim(folder, b, ("int16",))
    assert len(os.listdir(folder)) == 3
    # no folder (none could be made), or one gone: each process compiles what it meets
    assert share.claim(None, a, ("int16",)) and share.claim(None, a, ("int16",))
    assert share.claim(str(tmp_path / "gone"), a, ("int16",))
    # a walk compiles what it claims, skips what is claimed, and what it has already
    c = _Kernel("c")
    c.compile(("x",))
    skipped = share.compile_claimed(folder, [(a, ("int16",)), (b, ("x",)), (c, ("x",))])
    assert skipped == [(a, ("int16",))] and b.compiled == [("x",)] and c.compiled == [("x",)]


def test_a_helper_is_given_its_claims_folder_and_the_command_removes_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "seen"
    code = (
        "import os; from stride.cli import first_run_share as s; "
        f"open({str(out)!r}, 'w').write(str(s.folder_from_env()))"
    )
    monkeypatch.setenv(first_run.HELPER_ENV, "on")
    monkeypatch.setattr(
        first_run, "_helper_command", lambda task, dtype: [sys.executable, "-c", code]
    )
    monkeypatch.setattr(share, "command_share", lambda dtype, folder: [])
    helper = first_run.Helper.start("analysis", "float32", announce=False)
    folder = helper.claims
    assert helper.proc is not None and folder is not None and os.path.isdir(folder)
    helper.wait()
    assert out.read_text() == folder and not os.path.exists(folder)
    # a session's helper: no claims
    streaming = first_run.Helper.start("streaming", announce=False)
    assert streaming.claims is None
    streaming.stop()


def test_a_hung_helper_s_claims_hold_the_command_up_only_until_its_time_is_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every kernel of the command's walk claimed by a helper that then hangs: the command
    compiles none of them, ends the helper after ``HELPER_WAIT_S`` and removes the claims
    (its analysis then compiles what it calls: test_first_run_faults.py)."""
    monkeypatch.setenv(first_run.HELPER_ENV, "on")
    hang = [sys.executable, "-c", "import time; time.sleep(3600)"]
    monkeypatch.setattr(first_run, "_helper_command", lambda task, dtype: hang)
    monkeypatch.setattr(first_run, "HELPER_WAIT_S", 0.5)
    helper = first_run.Helper.start("analysis", "float32", announce=False)
    proc, folder = helper.proc, helper.claims
    assert proc is not None and folder is not None
    walk = share.shared_kernels("float32")
    assert all(share.claim(folder, kernel, sig) for kernel, sig in walk)
    for kernel, _ in walk:  # not one compiled (nor loaded) here
        monkeypatch.setattr(kernel, "compile", lambda sig: pytest.fail("compiled"))
    helper.wait()
    assert proc.returncode is not None and helper.proc is None
    assert not os.path.exists(folder) and helper.claims is None


#: every kernel of the analysis: how often this process compiled it (numba cache misses)
MISSES = """
import json, os, sys, time
from stride.cli import first_run_share as share
def misses():
    kernels = [share.scan_signature("float32")[0]] + [k for k, _ in share.shared_kernels("float32")]
    return {k.py_func.__module__ + "." + k.py_func.__name__: sum(k._cache_misses.values())
            for k in kernels}
"""

HELPER = (
    MISSES
    + """
from stride.cli import first_run
first_run.compile_whole_after = lambda: None  # its process would cache it for the command
first_run.run_task("analysis", "float32")
open(sys.argv[1], "w").write(json.dumps(misses()))
"""
)

COMMAND = (
    MISSES
    + """
from stride.core.kernels import warm_analysis_kernels
share.command_share("float32", share.folder_from_env())
for _ in range(12000):  # the helper's process waited for (as Helper.wait)
    if os.path.exists(sys.argv[1]):
        break
    time.sleep(0.1)
walk = misses()
warm_analysis_kernels("float32", whole=False)  # the analysis: loads, compiles nothing
print(json.dumps([walk, misses()]))
"""
)


@pytest.mark.timeout(COLD_COMPILE_S)
def test_the_command_and_its_helper_compile_each_analysis_kernel_once(tmp_path: Path) -> None:
    claims = tmp_path / "claims"
    claims.mkdir()
    env = {
        **os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
        share.CLAIMS_ENV: str(claims),
    }  # fmt: skip
    done = tmp_path / "helper.json"
    pipe = subprocess.PIPE
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(done)], stdout=pipe, stderr=pipe, text=True, env=env
        )
        for code in (HELPER, COMMAND)
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        outs.append(out)
    helper = json.loads(done.read_text())
    walk, after = json.loads(outs[1])
    assert len(helper) == 10 and helper["stride.core._contact_scan.scan"] == 1
    assert all(helper[k] + walk[k] == 1 for k in helper), (helper, walk)
    assert after == walk
