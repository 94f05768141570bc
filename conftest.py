"""The examples in README.md and every docs/*.md are tests (sybil collects them).

- ```` ```python ```` blocks run in one namespace per document, in order, in the test
  process: the simulated worlds they open are forgotten after the document;
- ```` ```sh ```` blocks run with bash (``set -eo pipefail``), one working directory per
  document, with the installed ``stride`` and ``python`` first on PATH and the history
  database in that directory; any process a block leaves running is stopped after it;
- a block that cannot run here is marked, with the reason, by an HTML comment right before
  it: ``<!-- skip: next "needs a real treadmill on /dev/ttyUSB0" -->`` (it shows as skipped
  with that reason). Output, diagrams and synopses use ```` ```text ````; every fenced block
  names its language (tests/test_docs_fences.py checks it).

Hardware is replaced by the simulator (``sim://`` URLs, ``stride sim serve``). Why sybil:
it parses Markdown fences and HTML-comment directives, runs Python blocks in a shared
namespace and takes a parser for shell blocks, all through pytest's own collection, so a new
docs/*.md is picked up with no list to keep; pytest-markdown-docs runs Python fences only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from sybil import Example, Sybil
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser, SkipParser

REPO = Path(__file__).resolve().parent
#: Folders of the repository an example may name by relative path (linked into its directory).
LINKED = ("benchmarks", "data", "docs", "tests", "firmware")
BLOCK_TIMEOUT_S = 600


def _setup(namespace: dict[str, Any]) -> None:
    from sim.world import worlds

    namespace["_docs_worlds"] = set(worlds())
    work = Path(tempfile.mkdtemp(prefix="stride-docs-"))
    for name in LINKED:
        (work / name).symlink_to(REPO / name)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "STRIDE_HISTORY_DB": str(work / "history.sqlite"),
        "NO_COLOR": "1",
        "COLUMNS": "100",
    }
    namespace["_docs_dir"] = work
    namespace["_docs_env"] = env
    namespace["_docs_cwd"] = os.getcwd()
    namespace["_docs_saved_env"] = os.environ.get("STRIDE_HISTORY_DB")
    os.environ["STRIDE_HISTORY_DB"] = env["STRIDE_HISTORY_DB"]
    os.chdir(work)


def _teardown(namespace: dict[str, Any]) -> None:
    """Undo what the document's examples changed in this process; the simulated worlds its
    Python blocks opened (``parse_treadmill_spec("ftms:sim?seed=1")`` runs the world
    ``default``) are forgotten, as after a command run in-process (tests/cli_helpers.py): a
    later test in this process that opens ``sim://box?speedup=10`` starts its own world."""
    from sim.world import drop_world, worlds

    for key in set(worlds()) - namespace["_docs_worlds"]:
        drop_world(key)
    os.chdir(namespace["_docs_cwd"])
    saved = namespace["_docs_saved_env"]
    if saved is None:
        os.environ.pop("STRIDE_HISTORY_DB", None)
    else:
        os.environ["STRIDE_HISTORY_DB"] = saved
    shutil.rmtree(namespace["_docs_dir"], ignore_errors=True)


def run_shell(example: Example) -> None:
    """Run one shell block; fail with its output if it exits non-zero."""
    ns = example.namespace
    proc = subprocess.Popen(
        ["bash", "-c", "set -eo pipefail\n" + str(example.parsed)],
        cwd=ns["_docs_dir"],
        env=ns["_docs_env"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=BLOCK_TIMEOUT_S)
    finally:
        with contextlib.suppress(ProcessLookupError):  # background jobs end with the block
            os.killpg(proc.pid, signal.SIGTERM)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise AssertionError(
            f"shell example at line {example.line} exited with {proc.returncode}\n"
            f"--- stdout (end)\n{out[-3000:]}\n--- stderr (end)\n{err[-3000:]}"
        )


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject's addopts): one worker per core this process may run on, as
    ``PYTEST_XDIST_AUTO_NUM_WORKERS`` says if set (pytest-xdist's own count, through psutil,
    is the host's cores, even in a container given fewer)."""
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "").strip()
    if chosen.isdigit():
        return int(chosen)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


pytest_collect_file = Sybil(
    parsers=[
        SkipParser(),
        PythonCodeBlockParser(),
        CodeBlockParser(language="sh", evaluator=run_shell),
    ],
    patterns=["README.md", "docs/*.md"],
    path=str(REPO),
    setup=_setup,
    teardown=_teardown,
).pytest()
