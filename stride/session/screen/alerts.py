"""Plain-language alerts from the session state: what a therapist should look at now."""

from __future__ import annotations

from dataclasses import dataclass

from stride.session.state import SessionState

NO_STEPS_S = 5.0
#: Frames failing their CRC per second from which the box's link is called damaged (a
#: healthy link has none; a rare bit error is counted, not alarmed).
DAMAGED_PER_S = 2.0


#: A belt the treadmill (or the box's encoder) reports at or below this speed is stopped.
STOPPED_MPS = 0.05


def no_steps_for(state: SessionState, now: float) -> float | None:
    """Seconds without a step (since the start if none came yet), once ``NO_STEPS_S`` or
    more have passed; None before that and after the session ended."""
    since = state.last_step_host_t if state.last_step_host_t is not None else state.started_host_t
    if since is None or now - since < NO_STEPS_S or state.finished:
        return None
    return now - since


def belt_stopped(state: SessionState, *, keys: bool) -> str | None:
    """What to do about a belt reported stopped (0 km/h), None while it moves or its speed
    is unknown: start it at the console, or - where stride can set the treadmill's speed and
    start its belt - with ``+`` (``keys``: a dashboard of a live session) or ``--speed``."""
    v = state.belt_mps
    if v is None or abs(v) > STOPPED_MPS:
        return None
    h = state.health
    if state.recording_s is not None:  # a replay: nothing to start
        return "the belt was stopped"
    if h.treadmill is None or h.treadmill_read_only or not h.treadmill_can_start:
        return "the belt is stopped (0 km/h): start it at the treadmill's console"
    now = "press + or start it at its console" if keys else "start it at its console"
    return (
        f"the treadmill's belt is stopped (0 km/h): {now}, or start the session with "
        "--speed (e.g. --speed 3.0kmh) to have stride start it"
    )


@dataclass(frozen=True)
class Alert:
    level: str  # "error" (red), "warning" (yellow) or "info"
    text: str


def current_alerts(state: SessionState, now: float) -> list[Alert]:
    """Alerts for the state at host time ``now`` (monotonic seconds), most serious first."""
    h = state.health
    out: list[Alert] = []
    if not h.box_connected:
        msg = "Sensor box unplugged or not answering - plug it back in; the session resumes"
        out.append(Alert("error", f"{msg} ({h.box_message})" if h.box_message else msg))
    if h.recording_error:
        out.append(
            Alert("error", f"{h.recording_error} - the session goes on, steps kept in memory")
        )
    what = "lines" if h.csv_lines else "frames"
    if h.decoder_stalled:
        out.append(
            Alert(
                "error",
                f"Sensor box bytes arrive but no {what} decode - wrong baud rate or protocol "
                "(the box restarted in another mode?)",
            )
        )
    damaged = h.box_connected and h.crc_errors_per_s >= DAMAGED_PER_S
    if damaged:
        out.append(
            Alert(
                "error",
                f"Sensor box data damaged: {h.crc_errors_per_s:.0f} bad {what}/s "
                f"({h.crc_errors} so far) - check the cable and its plugs; steps across "
                "the damage are flagged",
            )
        )
    if h.treadmill and not h.treadmill_answering:
        out.append(
            Alert("error", "Treadmill not answering - belt speed unknown, step lengths flagged")
        )
    quiet = no_steps_for(state, now)
    if quiet is not None:
        if damaged:
            why = "the box's data is damaged"
        elif h.decoder_stalled:
            why = "the box's bytes do not decode"
        else:
            stopped = belt_stopped(state, keys=state.recording_s is None)
            why = stopped or "is the walker on the belt?"
        out.append(Alert("warning", f"No steps for {quiet:.0f} s - {why}"))
    roll = state.rolling()
    si = roll.si_step_length
    if si is not None and roll.n_steps >= 10 and abs(si) > state.asymmetry_alert_pct:
        longer = "left" if si > 0 else "right"
        out.append(
            Alert("warning", f"Step lengths asymmetric: {longer} steps {abs(si):.0f} % longer")
        )
    for err in h.box_errors[-2:]:
        out.append(Alert("warning", f"Sensor box reports: {err}"))
    if state.paused:
        out.append(Alert("info", "Scoring paused - press space to resume"))
    with state.lock:
        out.extend(Alert("info", n) for n in state.notices)
    return out
