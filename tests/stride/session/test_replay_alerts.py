"""A replay's dashboard says what its recording holds and when, in the recording's time.

Live, the alerts say what to do now ("check the cable and its plugs", "is the walker on
the belt?", "check its power supply"), with rates per real second. A replay played them the
same way, as if a box were connected: its alerts now say what the recording holds, at which
time of the recording, with rates per recorded second (the same figure at any --speed) and
no advice about a cable, a walker or a power supply that are not there. Tested through a
real replay (``stride replay``'s own code, its dashboard rendered at every refresh) of a
simulated session given each fault the alerts name.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_helpers import stride_in_process
from rich.console import Console

import stride.session.replay as replay_module
from devices.recording import SessionReader
from devices.recording.layout import FILE_HEAD, pack_chunk
from devices.sensorbox.decoder import StreamDecoder
from devices.sensorbox.frames import encode_error
from stride.session.replay import ReplayArgs, run_replay
from stride.session.screen.dashboard import render

#: Recording seconds of each fault: bits flipped (frames failing their CRC, bytes skipped),
#: zeros (bytes that decode to nothing: no frame, no step), the box's port away and
#: reopened, the box's ERROR message, and the box restarting (its first seconds again).
FLIPS, ZEROS, AWAY, ERROR_AT, RESTART_AT = (4.0, 8.0), (12.0, 22.0), (26.0, 33.0), 36.0, 40.0
#: What a live session's alerts say and a replay's must not.
LIVE_WORDS = (
    "check",
    "cable",
    "plugs",
    "plug it",
    "walker on the belt",
    "--baud",
    "power supply",
    "press +",
)


def faulty(src: Path, dest: Path) -> Path:
    """A copy of the recording ``src`` with the faults above in its box stream."""
    shutil.copytree(src, dest)
    box = dest / "streams" / "box.rec"
    raw = box.read_bytes()
    _, _, json_len = FILE_HEAD.unpack_from(raw)
    chunks = list(SessionReader(src).chunks("box"))
    t0 = chunks[0][0]
    first = b"".join(d for t, d in chunks if t - t0 < 2.0)  # a HELLO, then frames from seq 0
    out = bytearray(raw[: FILE_HEAD.size + json_len])
    decoder = StreamDecoder(reorder_window=0)  # each frame as it comes: the last one's seq
    back = said = restarted = False
    for host_t, data in chunks:
        t = host_t - t0
        if t >= ERROR_AT and not said:  # an ERROR frame in place of the chunk's last frame
            end = data.rfind(b"\0") + 1
            start = data.rfind(b"\0", 0, end - 1) + 1
            events = decoder.feed(data[:start], host_t)
            seq = max(e.seq for e in events)  # its counter and time
            t_us = max(int(np.max(getattr(e, "t_us", 0))) for e in events)
            error = encode_error(seq + 1, t_us + 1, 3, "ADC overrun")
            data = data[:start] + error + data[end:]
            decoder.feed(data[start:], host_t)
            said = True
        else:
            decoder.feed(data, host_t)
        d = bytearray(data)
        if FLIPS[0] <= t < FLIPS[1]:
            for i in range(0, len(d), 50):
                d[i] ^= 0x10
        if ZEROS[0] <= t < ZEROS[1]:
            d = bytearray(len(d))
        if AWAY[0] <= t < AWAY[1]:
            continue
        if t >= AWAY[1] and not back:  # the mark a live session records at a reopened port
            out += pack_chunk(b"", host_t - 1e-4)
            back = True
        if t >= RESTART_AT and not restarted:
            out += pack_chunk(first, host_t)
            restarted = True
            continue
        out += pack_chunk(bytes(d), host_t)
    box.write_bytes(bytes(out))
    return dest


def replayed(rec: Path, speed: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, str]]:
    """``stride replay REC --speed SPEED`` with its dashboard: (the recording's time, the
    alerts panel's words) at each refresh, on an 80-column screen."""
    frames: list[tuple[float, str]] = []

    def run_session(session: Any, ui: bool) -> Any:
        def loop(s: Any) -> None:
            for period in s.ticks():
                console = Console(
                    file=io.StringIO(), record=True, width=80, height=30, color_system=None
                )
                console.print(render(s.state, s.state.now(), title="replay", width=80, height=30))
                text = console.export_text()
                panel = text[text.index("─ alerts ─") :].splitlines()[1:-2]
                words = " ".join(" ".join(line.strip("│ ") for line in panel).split())
                frames.append((s.state.recording_s, words))
                time.sleep(period)

        return session.run(ui=loop)

    monkeypatch.setattr(replay_module, "run_session", run_session)
    monkeypatch.setattr(replay_module, "want_ui", lambda no_ui: True)
    assert run_replay(ReplayArgs(rec, speed=speed)) == 0
    return frames


@pytest.fixture(scope="module")
def recording(
    tmp_path_factory: pytest.TempPathFactory, simulated_session: Callable[..., Path]
) -> Path:
    """``stride sim session --minutes 0.8 --seed 1`` with the faults above."""
    clean = simulated_session(tmp_path_factory.mktemp("clean") / "s", minutes=0.8, seed=1)
    return faulty(clean, tmp_path_factory.mktemp("faulty") / "rec")


def _times(pattern: str, said: str) -> list[int]:
    """The recording's seconds (mm:ss) that follow ``pattern`` in ``said``."""
    return [int(m) * 60 + int(s) for m, s in re.findall(pattern + r"(\d\d):(\d\d)", said)]


@pytest.mark.slow
def test_a_replays_alerts_say_what_the_recording_holds_and_when(
    recording: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = replayed(recording, "4x", monkeypatch)
    # the clock moves as the recording's time does, also through the box's time away
    # (it stood at its start, then jumped past it): never back, and inside it
    clock = [t for t, _ in frames]
    assert clock == sorted(clock)
    assert [t for t in clock if AWAY[0] + 1 < t < AWAY[1] - 1], clock
    said = " || ".join(dict.fromkeys(words for _, words in frames))
    assert not [w for w in LIVE_WORDS if w in said], said
    # each fault, at its time in the recording (a figure is said up to 2 s after it)
    damaged = _times("Recorded data damaged at ", said)
    assert damaged and FLIPS[0] <= min(damaged) and max(damaged) <= FLIPS[1] + 2, said
    skipped = _times("Recorded bytes decode to nothing at ", said)
    assert skipped and FLIPS[0] <= min(skipped) and max(skipped) <= FLIPS[1] + 2, said
    assert "noise on the line then, or another device's bytes" in said
    stalled = _times("Recorded bytes decode to no frames from ", said)
    assert stalled and ZEROS[0] - 1 <= min(stalled) and max(stalled) <= ZEROS[1], said
    assert "recorded at a wrong baud rate or from another device" in said
    quiet = re.findall(r"No steps in the recording from (\d\d:\d\d) to (\d\d:\d\d) - ([^|]*)", said)
    # the reason is the recording's (other alerts may follow it in the panel)
    why = ("the box's bytes do not decode", "no walking recorded", "the sensor box was unplugged")
    assert quiet and all(reason.startswith(why) for *_, reason in quiet), quiet
    # inside the box's time away the quiet is the box's, before the replay has reached the
    # reopened port's mark too (it said "no walking recorded" there)
    away_quiet = [why for _, to, why in quiet if f"00:{AWAY[0]:.0f}" < to <= f"00:{AWAY[1]:.0f}"]
    assert away_quiet and all(w.startswith("the sensor box was unplugged") for w in away_quiet)
    away = f"from 00:{AWAY[0] - 1:.0f} to 00:{AWAY[1]:.0f} of the recording"
    assert f"the sensor box was unplugged or not answering {away}" in said
    assert "Sensor box reported (in the recording): ADC overrun" in said
    (restart,) = _times(r"sensor box restarted \(once in this recording, at ", said)
    assert RESTART_AT - 1 <= restart <= RESTART_AT + 1  # the box's clock, not the host's
    # rates per recorded second, not per real one (4x as many at --speed 4x)
    chunks = list(SessionReader(recording).chunks("box"))
    decoder = StreamDecoder()
    for host_t, data in chunks:
        decoder.feed(data, host_t)
    per_s = decoder.stats.frames / (chunks[-1][0] - chunks[0][0])  # frames a recorded second
    rates = [int(x) for x in re.findall(r"(\d+) bad frames per recorded second", said)]
    assert rates and max(rates) <= 1.2 * per_s, (rates, per_s)
    # the summary's events at their time in the recording, not the replay's
    out = capsys.readouterr().out
    assert f"0:{AWAY[0] - 1:.0f} the sensor box was unplugged" in out, out


def test_a_replays_events_are_at_their_time_in_the_recording_at_any_speed(
    recording: Path,
) -> None:
    """At --speed max the source reads far ahead of the analysis: the box's time away was
    noted at 0:00 (when the source found it); it is noted when the analysis reaches it,
    at its start in the recording, as the restarts are."""
    run = stride_in_process("replay", str(recording), "--speed", "max", "--no-ui", "--json")
    assert run.returncode == 0, run.stderr
    events = json.loads(run.stdout.splitlines()[-1])["session"]["events"]
    when: dict[str, float] = {}  # each kind's first
    for e in events:
        when.setdefault(e["event"].split(" (")[0].split(" from ")[0], e["elapsed_s"])
    assert AWAY[0] - 1 <= when["the sensor box was unplugged or not answering"] <= AWAY[0]
    assert RESTART_AT - 1 <= when["sensor box restarted"] <= RESTART_AT + 1
    assert "stride: note: the sensor box was unplugged or not answering from 00:25" in run.stderr
