"""Plain-language alerts from the session state: what a therapist should look at now."""

from __future__ import annotations

from dataclasses import dataclass

from stride.session.state import Health, SessionState

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

#: The box counts as silent after this long without bytes (session seconds; a replay's:
#: the recording's seconds without a frame, where no bytes that fail to decode came).
BOX_SILENT_S = 2.0


def fmt_clock(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` from an hour): the session's clock, a replay's in the recording."""
    s = max(0, int(seconds))
    return (
        f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"
        if s >= 3600
        else f"{s // 60:02d}:{s % 60:02d}"
    )


def quiet_since(state: SessionState) -> tuple[float | None, str]:
    """Since when no step came, and what happened then ("" for the last step or the start):
    the last step (the start if none came yet), or, where later, the moment steps could
    come again (:meth:`SessionState.resume`: the belt started, the box came back). The
    session's clock; a replay's: the recording's seconds."""
    if state.recording_s is not None:
        since: float | None = state.last_step_recording_s or 0.0
        resumed = state.resumed_recording_s
    else:
        since = state.last_step_host_t
        since = since if since is not None else state.started_host_t
        resumed = state.resumed_host_t
    if resumed is not None and (since is None or resumed > since):
        return resumed, state.resumed_by
    return since, ""


def no_steps_for(state: SessionState, now: float) -> float | None:
    """Seconds without a step (:func:`quiet_since`), once ``NO_STEPS_S`` or more have
    passed; None before that and after the session ended. A replay counts the recording's
    seconds (those its analysis has reached), whatever its ``--speed``."""
    if state.recording_s is not None:
        now = state.recording_s
    since, _ = quiet_since(state)
    if since is None or now - since < NO_STEPS_S or state.finished:
        return None
    return now - since


def _recorded(state: SessionState, h: Health, what: str, damaged: bool) -> list[Alert]:
    """A replay's alerts about the box's data: what the recording holds and when, in the
    recording's seconds (the rates per second of it, whatever ``--speed``), with no advice
    about a cable or a walker that are not there."""
    out: list[Alert] = []
    now = state.recording_s or 0.0
    at = fmt_clock(now)
    if h.decoder_stalled:
        text = (
            f"Recorded bytes decode to no {what} from {fmt_clock(h.stalled_since)} to {at} "
            "- recorded at a wrong baud rate or from another device"
        )
        out.append(Alert("error", text, "not-decoding"))
    if damaged:
        text = (
            f"Recorded data damaged at {at}: {h.crc_errors_per_s:.0f} bad {what} per "
            f"recorded second ({h.crc_errors} so far); steps across it are flagged"
        )
        out.append(Alert("error", text, "damaged"))
    if h.skipped_recent >= SKIPPED_BYTES:
        text = (
            f"Recorded bytes decode to nothing at {at}: {h.skipped_recent} bytes skipped in "
            f"the {max(1.0, now - h.recent_since):.0f} recorded seconds before "
            f"({h.skipped_bytes} so far) - noise on the line then, or another device's bytes"
        )
        out.append(Alert("error", text, "skipped"))
    return out


def _no_steps_why(state: SessionState, damaged: bool, keys: bool | None) -> str:
    h = state.health
    if state.replay:  # what the recording holds then, nothing to do now
        out = state.recorded_outage
        if out is not None and out[1] > (quiet_since(state)[0] or 0.0):
            return "the sensor box was unplugged or not answering then"
        if damaged:
            return "the box's data was damaged"
        if h.decoder_stalled:
            return "the box's bytes do not decode"
        # the recording holds nothing from the box since (the outage it is in is said once
        # the replay reaches its end: the reopened port's mark)
        if (state.recording_s or 0.0) - h.stalled_since >= BOX_SILENT_S:
            return "the sensor box was unplugged or not answering then"
        return belt_stopped(state, keys=False) or "no walking recorded"
    if not h.box_connected:
        return "the sensor box is unplugged"
    if damaged:
        return "the box's data is damaged"
    if h.decoder_stalled:
        return "the box's bytes do not decode"
    stopped = belt_stopped(state, keys=True if keys is None else keys)
    return stopped or "is the walker on the belt?"


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
    damaged = h.box_connected and h.crc_errors_per_s >= DAMAGED_PER_S
    if state.replay:
        out += _recorded(state, h, what, damaged)
    else:
        out += _live(state, h, what, damaged)
    if h.treadmill and not h.treadmill_answering:
        out.append(Alert("error", TREADMILL_LOST, "treadmill-lost"))
    quiet = no_steps_for(state, now)
    if quiet is not None:
        why = _no_steps_why(state, damaged, keys)
        by = quiet_since(state)[1]
        if state.recording_s is not None:
            since = fmt_clock(state.recording_s - quiet) + (f" ({by})" if by else "")
            text = f"No steps in the recording from {since} to {fmt_clock(state.recording_s)}"
        else:
            text = f"No steps for {quiet:.0f} s" + (f" since {by}" if by else "")
        out.append(Alert("warning", f"{text} - {why}", "no-steps"))
    roll = state.rolling()
    si = roll.si_step_length
    if si is not None and roll.n_steps >= 10 and abs(si) > state.asymmetry_alert_pct:
        longer = "left" if si > 0 else "right"
        text = f"Step lengths asymmetric: {longer} steps {abs(si):.0f} % longer"
        out.append(Alert("warning", text, "asymmetric"))
    said = "Sensor box reported (in the recording)" if state.replay else "Sensor box reports"
    for err in h.box_errors[-2:]:
        out.append(Alert("warning", f"{said}: {err}", f"box-error {err}"))
    if state.paused:
        out.append(Alert("info", "Scoring paused - press space to resume", "paused"))
    with state.lock:
        out.extend(Alert("info", n, "notice") for n in state.notices)
    return out


def _live(state: SessionState, h: Health, what: str, damaged: bool) -> list[Alert]:
    """A live session's alerts about the box's data, with what to check now."""
    out: list[Alert] = []
    if h.decoder_stalled:
        why = "wrong baud rate or protocol (the box restarted in another mode?)"
        out.append(
            Alert("error", f"Sensor box bytes arrive but no {what} decode - {why}", "not-decoding")
        )
    if damaged:
        out.append(
            Alert(
                "error",
                f"Sensor box data damaged: {h.crc_errors_per_s:.0f} bad {what}/s "
                f"({h.crc_errors} so far) - check the cable and its plugs; steps across the "
                "damage are flagged",
                "damaged",
            )
        )
    if h.skipped_recent >= SKIPPED_BYTES:
        fix = "check the cable and its plugs, and that the box sends at --baud"
        out.append(
            Alert(
                "error",
                f"Sensor box bytes decode to nothing: {h.skipped_recent} bytes skipped in the "
                f"last seconds ({h.skipped_bytes} this session) - {fix}",
                "skipped",
            )
        )
    return out
