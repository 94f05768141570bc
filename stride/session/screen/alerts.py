"""Plain-language alerts from the session state: what a therapist should look at now."""

from __future__ import annotations

from dataclasses import dataclass

from stride.session.state import SessionState

NO_STEPS_S = 5.0


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
    if h.treadmill and not h.treadmill_answering:
        out.append(
            Alert("error", "Treadmill not answering - belt speed unknown, step lengths flagged")
        )
    since = state.last_step_host_t if state.last_step_host_t is not None else state.started_host_t
    if since is not None and now - since >= NO_STEPS_S and not state.finished:
        out.append(
            Alert("warning", f"No steps for {now - since:.0f} s - is the walker on the belt?")
        )
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
