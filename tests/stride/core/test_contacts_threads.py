"""The thread that scans the second foot (``detect_feet`` with two foot threads) is kept
for the process: made once, not once a record; it never keeps a process from exiting;
and a process forked from one that has it (``stride analyze A B C``'s workers) scans
with a thread of its own."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading

import numpy as np
import pytest
from test_contacts_feet import _assert_same, _two_feet

from stride.core import contacts, foot_workers
from stride.core.contacts import detect_feet
from stride.core.signals import GaitSignals


@pytest.fixture
def two_threads(monkeypatch: pytest.MonkeyPatch) -> GaitSignals:
    """A short record, scanned with two threads."""
    monkeypatch.setattr(contacts, "THREAD_MIN_SAMPLES", 0)
    monkeypatch.setattr(foot_workers, "_THREADS", [2])
    return _two_feet(np.random.default_rng(3), 500.0, 20.0)


def _foot_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("stride-foot")]


def test_one_foot_thread_for_every_record(two_threads: GaitSignals) -> None:
    first = detect_feet(two_threads, ("L", "R"))
    kept = _foot_threads()
    for _ in range(5):
        again = detect_feet(two_threads, ("L", "R"))
        for side in ("L", "R"):
            _assert_same(again[side], first[side])
    assert len(kept) == 1 and _foot_threads() == kept and kept[0].daemon


def _scan_in_child(sig: GaitSignals, out: multiprocessing.SimpleQueue[object]) -> None:
    contacts.THREAD_MIN_SAMPLES = 0
    contacts.set_foot_threads(2)
    feet = detect_feet(sig, ("L", "R"))
    out.put([len(feet["L"]), len(feet["R"]), [t.native_id for t in _foot_threads()]])


def test_a_forked_process_scans_with_a_thread_of_its_own(two_threads: GaitSignals) -> None:
    feet = detect_feet(two_threads, ("L", "R"))
    parent = [t.native_id for t in _foot_threads()]
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.SimpleQueue[object] = ctx.SimpleQueue()
    child = ctx.Process(target=_scan_in_child, args=(two_threads, out))
    child.start()
    child.join(60)  # the parent's thread, not in the child, would never take the foot
    if child.exitcode is None:
        child.kill()
        child.join()
    assert child.exitcode == 0
    n_left, n_right, threads = out.get()  # type: ignore[misc]
    assert [n_left, n_right] == [len(feet["L"]), len(feet["R"])] and n_left > 10
    assert len(threads) == 1 and threads != parent


def test_the_foot_thread_does_not_keep_a_process_alive() -> None:
    code = (
        "import threading\n"
        "import numpy as np\n"
        "from stride.core import contacts\n"
        "from stride.core.signals import Channel, GaitSignals\n"
        "contacts.THREAD_MIN_SAMPLES = 0\n"
        "contacts.set_foot_threads(2)\n"
        "t = np.arange(2000) / 100.0\n"
        "x = (np.sin(t[:, None] * [6.0, 6.0, 7.0, 7.0]) > 0) * 100.0\n"
        "chans = tuple(Channel(s, p) for s in 'LR' for p in ('heel', 'toe'))\n"
        "feet = contacts.detect_feet(GaitSignals(t, x, chans, 100.0), ('L', 'R'))\n"
        "assert len(feet['L']) > 5\n"
        "print(sum(th.name.startswith('stride-foot') for th in threading.enumerate()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "1"
