"""Plain-language alerts for the faults the dashboard must name."""

from __future__ import annotations

from typing import Any

from stride.core.targets import Target
from stride.session.screen.alerts import current_alerts
from stride.session.state import SessionState


def texts(state: SessionState, now: float) -> str:
    return " | ".join(a.text for a in current_alerts(state, now))


def test_quiet_when_all_is_well(make_steps: Any) -> None:
    s = SessionState(Target(step_length_m=0.6))
    s.started_host_t = 0.0
    s.add_steps(make_steps(20, left=0.6, right=0.6), host_t=10.0)
    assert current_alerts(s, 11.0) == []


def test_unplugged_no_steps_treadmill_and_asymmetry(make_steps: Any) -> None:
    s = SessionState(Target(step_length_m=0.6), asymmetry_alert_pct=15.0)
    s.started_host_t = 0.0
    s.add_steps(make_steps(20, left=0.70, right=0.50), host_t=1.0)
    s.health.box_connected = False
    s.health.treadmill = "trackmaster"
    s.health.treadmill_answering = False
    out = texts(s, 7.0)
    assert "unplugged" in out
    assert "No steps for 6 s - the sensor box is unplugged" in out  # not the walker's doing
    assert "Treadmill not answering" in out and "step lengths flagged" in out
    assert "left steps 33 % longer" in out
    assert current_alerts(s, 7.0)[0].level == "error"


def test_no_steps_counts_from_start() -> None:
    s = SessionState(None)
    s.started_host_t = 100.0
    assert "No steps" not in texts(s, 104.0)
    assert "No steps for 5 s" in texts(s, 105.0)


def test_a_damaged_box_link_is_named_not_blamed_on_the_walker() -> None:
    """The box's frames failing their CRC many times a second (a bad cable; the simulated
    box with a bit flipped in every 40th byte): the dashboard said only "No steps for 7 s
    - is the walker on the belt?". It now names the damage and where to look; a rare bad
    frame is counted on the devices line, not alarmed."""
    s = SessionState(None)
    s.started_host_t = 0.0
    s.health.crc_errors, s.health.crc_errors_per_s = 547, 60.0
    out = current_alerts(s, 7.0)
    assert out[0].level == "error" and "Sensor box data damaged: 60 bad frames/s" in out[0].text
    assert "(547 so far)" in out[0].text and "check the cable" in out[0].text
    assert "No steps for 7 s - the box's data is damaged" in texts(s, 7.0)
    assert "walker" not in texts(s, 7.0)
    s.health.crc_errors_per_s = 0.5
    assert "damaged" not in texts(s, 7.0) and "is the walker on the belt?" in texts(s, 7.0)


def test_a_stopped_belt_is_named_with_how_to_start_it() -> None:
    """The belt reported at 0 km/h: "No steps" says the belt is stopped and how to start it
    - ``+``, the console or ``--speed`` where stride can set the speed and start the belt,
    the console only where it cannot (or the belt's speed comes from the box); a replay
    only says so."""
    s = SessionState(None)
    s.started_host_t = 0.0
    s.health.treadmill = "trackmaster"
    s.belt_mps = 0.0
    out = texts(s, 6.0)
    assert "No steps for 6 s - the treadmill's belt is stopped (0 km/h): press + or " in out
    assert "--speed (e.g. --speed 3.0kmh)" in out and "walker" not in out
    s.health.treadmill_read_only = True
    assert "stopped (0 km/h): start it at the treadmill's console" in texts(s, 6.0)
    assert "--speed" not in texts(s, 6.0)
    s.health.treadmill_read_only, s.health.treadmill_can_start = False, False  # CSAFE's
    assert "stopped (0 km/h): start it at the treadmill's console" in texts(s, 6.0)
    s.health.treadmill, s.health.treadmill_can_start = None, True  # the box's encoder
    assert "stopped (0 km/h): start it at the treadmill's console" in texts(s, 6.0)
    s.recording_s = 6.0  # the recording's seconds, whatever the session's clock says
    s.health.stalled_since = 5.9  # its frames decoded up to then: the box was there
    assert texts(s, 60.0) == "No steps in the recording from 00:00 to 00:06 - the belt was stopped"
    s.recording_s = None
    for moving_or_unknown in (0.8, None):
        s.belt_mps = moving_or_unknown
        assert "is the walker on the belt?" in texts(s, 6.0)
