"""How the contact scan goes through a record: rows committed by block summaries, rows
scanned one by one, events, and summaries that failed (their rows are then scanned again).

Not a test. Run: ``python benchmarks/scan_rows.py [SESSION ...]`` (default: the 60-minute
session of ``benchmarks/analyze_speed.py`` in ``/tmp/mem-bench``). Each record is read as
``stride analyze`` reads it and each foot scanned by a copy of this tree's
``stride/core/_contact_scan.py`` with counters added (written into a temporary directory,
in state slots past the foot's own: the scan's results are those of the real one, checked
here). Counts, not times: they do not depend on the machine's load. Per foot:

- ``summarised``: rows committed at once by quiet run summaries (``summaries`` of them);
- ``walked``: rows scanned one by one (``walks``), of which ``walked_after_failed`` after
  a summary that found its run not quiet (``failed``, whose ``failed_rows`` rows were thus
  read twice);
- ``events``: samples that went through every rule; ``blocks``: envelope blocks ended;
- ``skipped``: runs not summarised because their last sample is outside the bounds (then
  scanned one by one at once; counted in ``walked_after_failed``, not in ``failed``);
- ``event_blocks``: blocks that held at least one event; ``whole_blocks``: blocks committed
  whole by one quiet summary from their first row (what a block pre-pass could skip: see
  ``benchmarks/scan_prepass.py``);
- ``sum_quiet_events``: events of an insole's cells (``quick``: the bounds current) whose
  row sum is inside the sum's quiet bounds after a good time step: only cells' rules can
  change state there.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: counter slots, past the foot state's own (``_contact_state.N_S``)
COUNTERS = (
    "summarised", "summaries", "walked", "walks", "walked_after_failed", "failed",
    "failed_rows", "events", "blocks", "skipped", "event_blocks", "whole_blocks",
    "sum_quiet_events",
)  # fmt: skip
#: a scratch slot past the counters: whether the block being scanned held an event
FLAG = len(COUNTERS)

# (anchor in the scan's source, text put before it); each anchor must occur exactly once
_PROBES = (
    ("            quiet = False\n            summarise = not near_event\n",
     "            far = not near_event\n"),
    ("            if quiet:\n                j = limit\n",
     "            if far and not summarise:\n"
     "                fs[N0 + 9] += 1\n"
     "            if summarise and not quiet:\n"
     "                fs[N0 + 5] += 1\n"
     "                fs[N0 + 6] += limit - i\n"
     "            if quiet:\n"
     "                fs[N0 + 11] += 1 if limit - i == block else 0\n"
     "                fs[N0 + 0] += limit - i\n"
     "                fs[N0 + 1] += 1\n"),
    ("        m = j - i\n        if m > 0:\n",
     "        if not quiet and limit > i and tp == tp:\n"
     "            fs[N0 + 2] += j - i\n"
     "            fs[N0 + 3] += 1\n"
     "            if far:\n"
     "                fs[N0 + 4] += j - i\n"),
    ("            # ---- rules: one event sample",
     "            fs[N0 + 7] += 1\n"
     "            fs[N0 + FLAG] = 1\n"),
    ("            if (tp == tp and ti <= tp) or ti != ti or abs(ti) == np.inf:\n",
     "            if quick and s > lo and s <= hi and ti - tp > 0.0 and ti - tp <= gap_dt:\n"
     "                fs[N0 + 12] += 1\n"),
    ("        if fs[S_BPOS] >= block:\n",
     "        if fs[S_BPOS] >= block:\n"
     "            fs[N0 + 8] += 1\n"
     "            fs[N0 + 10] += fs[N0 + FLAG]\n"
     "            fs[N0 + FLAG] = 0\n"),
)  # fmt: skip


def counting_scan(into: Path) -> Any:
    """This tree's scan with the counters, as an importable module in ``into``."""
    from stride.core import _contact_state as k

    src = (REPO / "stride/core/_contact_scan.py").read_text()
    if src.count("    while i < n:\n") != 1:  # (quiet, far: defined before the loop)
        raise SystemExit("the scan's main loop moved: update benchmarks/scan_rows.py")
    loop = "    while i < n:\n"
    src = src.replace(loop, "    quiet = False\n    far = False\n    summarise = False\n" + loop)
    for anchor, probe in _PROBES:
        if src.count(anchor) != 1:
            raise SystemExit(f"anchor not found once in the scan: {anchor!r}")
        probe = probe.replace("N0 + FLAG", str(k.N_S + FLAG)).replace("N0", str(k.N_S))
        src = src.replace(anchor, probe + anchor)
    (into / "scan_rows_copy.py").write_text(src)
    sys.path.insert(0, str(into))
    return importlib.import_module("scan_rows_copy")


def foot_rows(mod: Any, sig: Any, side: str) -> dict[str, Any]:
    """Counts of one foot's scan (and a check that its results are the real scan's)."""
    from stride.analysis import with_session_defaults
    from stride.core import _contact_scan
    from stride.core import _contact_state as k
    from stride.core import contacts as c
    from stride.core.analyzer import AnalysisConfig
    from stride.core.contact_input import _NO_WORDS, _row_words

    config = with_session_defaults(AnalysisConfig(), sig.meta)
    p = c._param_vector(float(sig.fs), config.contact)
    t, x = c._prepare(sig.t, np.asarray(sig.forces))
    cols = np.asarray(sig.side_columns(side), np.int64)
    out = []
    for scan, extra in ((mod.scan, len(COUNTERS) + 1), (_contact_scan.scan, 0)):
        tr, fs0 = k.new_state(len(cols))
        fs = np.zeros(fs0.shape[0] + extra)
        fs[: fs0.shape[0]] = fs0
        n = t.shape[0]
        out_f = np.empty((n // 50 + 100, k.N_OF + len(cols)))
        out_i = np.empty((n // 50 + 100, k.N_OI), np.int64)
        rows, nxt = scan(t, x, cols, 0, p, tr, fs, out_f, out_i, _row_words(x), _NO_WORDS)
        if nxt != n:
            raise SystemExit("output full or a bad time: not counted")
        out.append((out_f[:rows], out_i[:rows], tr, fs[: fs0.shape[0]], fs[fs0.shape[0] :]))
    for a, b in zip(out[0][:4], out[1][:4], strict=True):
        if not np.array_equal(a, b, equal_nan=True):
            raise SystemExit("the counting copy's results differ from the scan's")
    counts = {name: int(v) for name, v in zip(COUNTERS, out[0][4][:FLAG], strict=True)}
    return {"rows": int(t.shape[0]), "contacts": int(out[0][0].shape[0]), **counts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sessions", nargs="*", type=Path,
                    default=[Path("/tmp/mem-bench/healthy-60min")])  # fmt: skip
    a = ap.parse_args()
    from stride.readers import read_signals

    with tempfile.TemporaryDirectory() as tmp:
        mod = counting_scan(Path(tmp))
        for session in a.sessions:
            sig = read_signals(session)
            for side in ("L", "R"):
                got = foot_rows(mod, sig, side)
                print(json.dumps({"session": str(session), "foot": side,
                                  "dtype": str(np.asarray(sig.forces).dtype), **got}))  # fmt: skip


if __name__ == "__main__":
    main()
