"""Plain-language alerts from the session state: what a therapist should look at now."""

from __future__ import annotations

from dataclasses import dataclass

from stride.session.state import SessionState

NO_STEPS_S = 5.0
#: Frames failing their CRC per second from which the box's link is called damaged (a
#: healthy link has none; a rare bit error is counted, not alarmed).
DAMAGED_PER_S = 2.0


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
    if h.decoder_stalled:
        out.append(Alert("error", "Bytes arrive but no frames decode - check the baud rate"))
    damaged = h.box_connected and h.crc_errors_per_s >= DAMAGED_PER_S
    if damaged:
        out.append(
            Alert(
                "error",
                f"Sensor box data damaged: {h.crc_errors_per_s:.0f} bad frames/s "
                f"({h.crc_errors} so far) - check the cable and its plugs; steps across "
                "the damage are flagged",
            )
        )
    if h.treadmill and not h.treadmill_answering:
        out.append(
            Alert("error", "Treadmill not answering - belt speed unknown, step lengths flagged")
        )
    since = state.last_step_host_t if state.last_step_host_t is not None else state.started_host_t
    if since is not None and now - since >= NO_STEPS_S and not state.finished:
        why = "the box's data is damaged" if damaged else "is the walker on the belt?"
        out.append(Alert("warning", f"No steps for {now - since:.0f} s - {why}"))
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
