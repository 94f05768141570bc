"""Without a dashboard (``--no-ui``), every alert the dashboard shows reaches stderr: once
when it appears, again when what it says changes (not its figures), once when it clears;
what has its own line already (notices, the box unplugged, the recording stopped) is not
said twice, and no key is named."""

from __future__ import annotations

import io
from typing import Any

import pytest

from stride.core.targets import Target
from stride.session.screen.alerts import SAID_ELSEWHERE, current_alerts
from stride.session.state import SessionState
from stride.session.stderr_alerts import StderrAlerts


def said(echo: StderrAlerts, state: SessionState, now: float) -> list[str]:
    out = echo.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    echo.update(state, now)
    return out.getvalue()[start:].splitlines()


def test_each_alert_is_said_once_changed_and_cleared(make_steps: Any) -> None:
    st = SessionState(Target(step_length_m=0.6), asymmetry_alert_pct=15.0)
    st.started_host_t = 0.0
    echo = StderrAlerts(io.StringIO())
    assert said(echo, st, 1.0) == []
    st.health.decoder_stalled = True
    first = said(echo, st, 2.0)
    assert first == [
        "stride: warning: sensor box bytes arrive but no frames decode - wrong baud rate or "
        "protocol (the box restarted in another mode?)"
    ]
    assert said(echo, st, 2.5) == []  # not at every refresh
    # no steps for 6 s, then 7 s: the figure changes, the alert is not said again
    assert said(echo, st, 6.0) == ["stride: note: no steps for 6 s - the box's bytes do not decode"]
    assert said(echo, st, 7.0) == []
    st.health.decoder_stalled = False  # the reason changes: said again
    assert said(echo, st, 8.0) == ["stride: note: no steps for 8 s - is the walker on the belt?"]
    assert said(echo, st, 10.0) == []  # the stall went 2 s ago: not yet said cleared
    assert said(echo, st, 11.0) == [
        "stride: note: cleared: sensor box bytes arrive but no frames decode - wrong baud "
        "rate or protocol (the box restarted in another mode?)",
    ]
    st.add_steps(make_steps(20, left=0.70, right=0.50), host_t=11.5)
    assert said(echo, st, 12.0) == ["stride: note: step lengths asymmetric: left steps 33 % longer"]
    assert said(echo, st, 15.0) == [
        "stride: note: cleared: no steps for 11 s - is the walker on the belt?"
    ]


def test_an_alert_at_its_threshold_is_not_said_again_and_again(make_steps: Any) -> None:
    st = SessionState(Target(step_length_m=0.6), asymmetry_alert_pct=15.0)
    st.started_host_t = 0.0
    echo = StderrAlerts(io.StringIO())
    st.add_steps(make_steps(20, left=0.70, right=0.50), host_t=1.0)
    assert said(echo, st, 1.5) == ["stride: note: step lengths asymmetric: left steps 33 % longer"]
    st.asymmetry_alert_pct = 40.0  # the asymmetry dips under the threshold for 2 s, back
    assert said(echo, st, 2.0) == []
    assert said(echo, st, 3.5) == []
    st.asymmetry_alert_pct = 15.0
    assert said(echo, st, 4.0) == []
    st.asymmetry_alert_pct = 40.0  # and now for good
    assert said(echo, st, 4.5) == []
    st.add_steps(make_steps(2, left=0.70, right=0.50), host_t=5.0)  # walking on
    assert said(echo, st, 7.5) == [
        "stride: note: cleared: step lengths asymmetric: left steps 33 % longer"
    ]


@pytest.mark.parametrize("connected", [False, True])
def test_every_kind_of_alert_reaches_stderr_or_has_its_own_line(
    make_steps: Any, connected: bool
) -> None:
    """All at once: each alert the dashboard shows is said, or is one that has its own
    line (a notice; the unplugged box's notice; the recording's warning). (A damaged link
    is named only while the box is connected.)"""
    st = SessionState(Target(step_length_m=0.6), asymmetry_alert_pct=15.0)
    st.started_host_t = 0.0
    st.add_steps(make_steps(20, left=0.70, right=0.50), host_t=0.5)
    h = st.health
    h.box_connected, h.box_message = connected, "cable out"
    h.recording_error = "the disk is full"
    h.decoder_stalled = True
    h.crc_errors, h.crc_errors_per_s = 40, 8.0
    h.treadmill, h.treadmill_answering = "trackmaster", False
    h.box_errors = ["sensor 2 open circuit"]
    st.paused = True
    st.note("box reconnected")
    shown = current_alerts(st, 7.0)
    assert len({a.kind for a in shown}) == len(shown) == 9
    echo = StderrAlerts(io.StringIO())
    text = "\n".join(said(echo, st, 7.0))
    for alert in shown:
        if alert.kind in SAID_ELSEWHERE:
            assert alert.text[1:] not in text
            continue
        assert alert.text[1:] in text, alert
    assert "press" not in text.replace("press space", "")  # the pause key aside: no + to press
    assert "stride: warning: treadmill not answering - belt speed unknown" in text
    assert "reset" in text  # a reset treadmill is named as a possibility


def test_a_replay_gives_no_live_advice_as_it_plays() -> None:
    """A replay at 1x said "no steps for 5 s - is the walker on the belt?" and that the
    bytes do not decode, as a live session would, and then ended in its error: a replay
    says what its recording holds (the error `stride analyze` gives, its damage counted at
    its end), never what the walker or the box should do now; nor, of a box that restarted
    in the recording, to check its power supply."""
    from types import SimpleNamespace

    from stride.session.health import HealthWatch

    for replay in (False, True):
        st = SessionState(None)
        st.started_host_t = 0.0
        st.recording_s = 3.0 if replay else None
        st.health.decoder_stalled = True
        lines = said(StderrAlerts(io.StringIO()), st, 6.0)
        assert len(lines) == (0 if replay else 2), lines
        HealthWatch(SimpleNamespace(state=st, pipeline=None))._say(1, False)  # type: ignore[arg-type]
        (note,) = st.notices
        assert note.startswith("sensor box restarted (once ")
        assert ("in this recording" in note) is replay
        assert ("check its power supply" in note) is not replay


def test_a_restart_in_the_last_moments_is_said_before_the_summary() -> None:
    """A replay at --speed max reads all of a short recording between two refreshes of its
    screen: the box's restart in it was counted in the summary but never said (nor in the
    session's events), since only a refresh said it. The end of a session says it too."""
    from types import SimpleNamespace

    from stride.session.health import HealthWatch

    st = SessionState(None)
    st.recording_s = 48.0
    counts = {"frames": 4000, "restarts": 1}
    pipeline = SimpleNamespace(counters=lambda: counts, restarted_s=39.99)
    HealthWatch(SimpleNamespace(state=st, pipeline=pipeline)).at_end(1.0)  # type: ignore[arg-type]
    (note,) = st.notices
    assert note.startswith("sensor box restarted (once in this recording, at 00:39)")
    assert [e["elapsed_s"] for e in st.events] == [39.99]
