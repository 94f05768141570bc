"""Bytes from the sensor box that decode to nothing (noise on the line, a box sending at
another baud rate for a moment): the user is told, even when they come in the session's
last moments and the session ends during the burst, and the session's JSON and summary
count them (``discarded_bytes``, "bytes skipped")."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
import synthbox

from stride.session.live import Session
from stride.session.screen.alerts import SKIPPED_BYTES, current_alerts
from stride.session.state import SessionState

JUNK = 200_000


def _junk() -> bytes:
    """Random bytes without a delimiter (0x00): no frame can come out of them."""
    rng = np.random.default_rng(7)
    return rng.integers(1, 256, JUNK, dtype=np.uint8).tobytes()


@pytest.mark.slow
def test_a_burst_of_junk_as_the_session_ends_is_said_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box = synthbox.PtyBox()

    def ui(session: Session) -> None:
        box.play(synthbox.stream(30.0), seconds=30.0, chunk=512)
        start = time.monotonic()
        for period in session.ticks():
            if session.state.steps_total >= 4 or time.monotonic() - start > 20.0:
                os.write(box.master, _junk())  # then stop at once: no refresh after it
                session.request_stop("test done")
                return
            time.sleep(period)

    assert synthbox.run_live_on(box, tmp_path / "rec", ui) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out.splitlines()[-1])
    assert doc["session"]["ended_by"] == "test done" and doc["steps"]
    skipped = doc["session"]["discarded_bytes"]
    # all the junk the session read (the port may still have held some when it closed)
    assert JUNK // 2 <= skipped <= doc["session"]["bytes"]["box"], doc["session"]
    said = [line for line in err.splitlines() if "decode to nothing" in line]
    assert len(said) == 1 and said[0].startswith("stride: warning: sensor box bytes"), err
    assert f"bytes skipped {skipped}" in " ".join(err.split()), err  # the summary


def test_skipped_bytes_alert_only_past_a_frame_cut_at_opening() -> None:
    state = SessionState(None)
    h = state.health
    h.skipped_bytes = h.skipped_recent = 120  # a frame cut when the port opened
    assert not [a for a in current_alerts(state, 0.0) if a.kind == "skipped"]
    h.skipped_recent = SKIPPED_BYTES
    h.skipped_bytes = 5000
    (alert,) = [a for a in current_alerts(state, 0.0) if a.kind == "skipped"]
    assert alert.level == "error" and f"{SKIPPED_BYTES} bytes skipped" in alert.text
    assert "(5000 this session)" in alert.text


def test_a_replays_skipped_bytes_and_damage_are_said_of_the_recording() -> None:
    """A replay has no cable to check and no --baud to set: its advice is about what the
    recording holds."""
    state = SessionState(None)
    h = state.health
    h.skipped_recent, h.skipped_bytes = SKIPPED_BYTES, 5000
    h.crc_errors, h.crc_errors_per_s = 547, 60.0
    live = [a.text for a in current_alerts(state, 0.0) if a.kind in ("skipped", "damaged")]
    assert len(live) == 2 and all("check the cable" in t for t in live)
    state.recording_s = 0.0
    said = [a.text for a in current_alerts(state, 0.0) if a.kind in ("skipped", "damaged")]
    assert len(said) == 2 and not [t for t in said if "cable and" in t or "--baud" in t]
    assert "another device's bytes" in said[1] and said[0].startswith("Recorded data damaged")
    h.decoder_stalled = True
    (stalled,) = [a.text for a in current_alerts(state, 0.0) if a.kind == "not-decoding"]
    assert "recorded at a wrong baud rate" in stalled and "restarted" not in stalled


@pytest.mark.parametrize("csv", [False, True])
def test_the_devices_line_and_the_summary_show_skipped_bytes(csv: bool) -> None:
    """The box's or a CSV board's skipped bytes on the dashboard's devices line (they were
    only in the alert, for 2 s, and in the summary) and in the summary, when there are any."""
    import io

    from rich.console import Console

    from stride.session.protocols import SessionResult
    from stride.session.screen.dashboard import health_view
    from stride.session.screen.summary import summary_table

    state = SessionState(None)
    state.health.csv_lines = csv
    assert "skipped" not in health_view(state).plain
    state.health.skipped_bytes = 5000
    first = health_view(state).plain.splitlines()[0]
    assert first.startswith("box connected") and "bytes skipped 5000" in first
    sess = {"frames": 900, "crc_errors": 3, "discarded_bytes": 5000, "gaps": 0}
    if csv:
        sess |= {"lines": 900, "bad_lines": 3}
    console = Console(file=io.StringIO(), record=True, width=100, color_system=None)
    console.print(summary_table(SessionResult({"summary": {"steps": 12}}, sess, None)))
    said = " ".join(console.export_text().split())
    errors = "bad lines 3" if csv else "CRC errors 3"
    assert f"{errors}, bytes skipped 5000" in said
    sess["discarded_bytes"] = 0
    console.print(summary_table(SessionResult({"summary": {"steps": 12}}, sess, None)))
    assert "skipped" not in console.export_text().split("bytes skipped 5000")[-1]
