"""Plain-language alerts from the session state: what a therapist should look at now."""

from __future__ import annotations

from dataclasses import dataclass

from stride.session.state import SessionState

NO_STEPS_S = 5.0
#: Frames failing their CRC per second from which the box's link is called damaged (a
#: healthy link has none; a rare bit error is counted, not alarmed).
DAMAGED_PER_S = 2.0


#: Bytes of the box's stream skipped over the last seconds (decoding to no frame or line,
#: or to CRC errors) from which the user is told: more than a frame cut at the port's
#: opening or reopening, which is counted, not alarmed.
SKIPPED_BYTES = 1024


#: A treadmill silent past its driver's limit. What a reset looks like on the wire is not
#: documented for any driver (docs/device-protocols.md), so the reset is named as a
#: possibility, never inferred.
TREADMILL_LOST = (
    "Treadmill not answering - belt speed unknown, step lengths flagged; check its cable, "
    "and whether it was switched off or reset (a reset treadmill may come back stopped)"
)

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
    #: What the alert is about (``no-steps``, ``damaged``, ...), whatever its figures say;
    #: ``notice`` for the session's notices, which are said on their own without a screen.
    kind: str = ""


#: The kinds of alert that already have a line of their own on stderr without a dashboard
#: (a notice when the box is unplugged, a warning when the recording stops).
SAID_ELSEWHERE = frozenset({"box-lost", "recording", "notice"})


def current_alerts(state: SessionState, now: float, *, keys: bool | None = None) -> list[Alert]:
    """Alerts for the state at host time ``now`` (monotonic seconds), most serious first.
    ``keys``: whether the advice may name the dashboard's keys (default: live, not replay;
    False without a dashboard)."""
    h = state.health
    out: list[Alert] = []
    if not h.box_connected:
        msg = "Sensor box unplugged or not answering - plug it back in; the session resumes"
        text = f"{msg} ({h.box_message})" if h.box_message else msg
        out.append(Alert("error", text, "box-lost"))
    if h.recording_error:
        text = f"{h.recording_error} - the session goes on, steps kept in memory"
        out.append(Alert("error", text, "recording"))
    what = "lines" if h.csv_lines else "frames"
    if h.decoder_stalled:
        why = (
            "recorded at a wrong baud rate or from another device"
            if state.replay
            else "wrong baud rate or protocol (the box restarted in another mode?)"
        )
        out.append(
            Alert("error", f"Sensor box bytes arrive but no {what} decode - {why}", "not-decoding")
        )
    damaged = h.box_connected and h.crc_errors_per_s >= DAMAGED_PER_S
    # a replay's advice is about the recording: there is no cable to check now
    cable = "recorded so (its cable then?)" if state.replay else "check the cable and its plugs"
    if damaged:
        out.append(
            Alert(
                "error",
                f"Sensor box data damaged: {h.crc_errors_per_s:.0f} bad {what}/s "
                f"({h.crc_errors} so far) - {cable}; steps across the damage are flagged",
                "damaged",
            )
        )
    if h.skipped_recent >= SKIPPED_BYTES:
        fix = (
            "the recording holds another device's bytes, or the box's at another baud rate"
            if state.replay
            else "check the cable and its plugs, and that the box sends at --baud"
        )
        out.append(
            Alert(
                "error",
                f"Sensor box bytes decode to nothing: {h.skipped_recent} bytes skipped in the "
                f"last seconds ({h.skipped_bytes} this session) - {fix}",
                "skipped",
            )
        )
    if h.treadmill and not h.treadmill_answering:
        out.append(Alert("error", TREADMILL_LOST, "treadmill-lost"))
    quiet = no_steps_for(state, now)
    if quiet is not None:
        if not h.box_connected:
            why = "the sensor box is unplugged"
        elif damaged:
            why = "the box's data is damaged"
        elif h.decoder_stalled:
            why = "the box's bytes do not decode"
        else:
            stopped = belt_stopped(state, keys=state.recording_s is None if keys is None else keys)
            why = stopped or "is the walker on the belt?"
        out.append(Alert("warning", f"No steps for {quiet:.0f} s - {why}", "no-steps"))
    roll = state.rolling()
    si = roll.si_step_length
    if si is not None and roll.n_steps >= 10 and abs(si) > state.asymmetry_alert_pct:
        longer = "left" if si > 0 else "right"
        text = f"Step lengths asymmetric: {longer} steps {abs(si):.0f} % longer"
        out.append(Alert("warning", text, "asymmetric"))
    for err in h.box_errors[-2:]:
        out.append(Alert("warning", f"Sensor box reports: {err}", f"box-error {err}"))
    if state.paused:
        out.append(Alert("info", "Scoring paused - press space to resume", "paused"))
    with state.lock:
        out.extend(Alert("info", n, "notice") for n in state.notices)
    return out
