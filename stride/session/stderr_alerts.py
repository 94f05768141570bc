"""The dashboard's alerts on stderr, for a session without a dashboard (``--no-ui``, or no
terminal: JSON lines on stdout).

Each alert is said once when it appears (``stride: warning: ...`` for the dashboard's red
ones, ``stride: note: ...`` for the others), again when what it says changes beyond its
figures (the reason for no steps, the longer side), and once when it clears (``stride:
note: cleared: ...`` with its last figures, once it stayed away ``CLEARED_AFTER_S``: an
alert at its threshold, such as an asymmetry of 15 %, is not said again and again); never at
every refresh. What already has a line
of its own (the session's notices, the box unplugged, the recording stopped:
:data:`~stride.session.screen.alerts.SAID_ELSEWHERE`) is not said twice, and the advice
names no key (there is none to press).
"""

from __future__ import annotations

import contextlib
import re
from typing import TextIO

from stride.session.screen.alerts import SAID_ELSEWHERE, Alert, current_alerts
from stride.session.state import SessionState

_FIGURE = re.compile(r"\d+(?:\.\d+)?")
#: Session seconds an alert must stay away before it is said to have cleared.
CLEARED_AFTER_S = 3.0
#: Alerts about an event rather than a state (a message the box sent): said, never cleared.
_EVENTS = ("box-error",)
#: What a replay does not say as it plays: the damage its recording holds is said once, its
#: counts over the whole recording, at its end (in the words of ``stride analyze``), and a
#: recording without a stride or a frame ends in ``stride analyze``'s error. As it plays,
#: these alerts' figures (the bytes of the last seconds, the count when the alert appeared,
#: seconds without a step or a frame on the real clock) would follow the replay's speed, and
#: their advice what the walker or the box would do now ("is the walker on the belt?").
_SAID_AT_REPLAYS_END = frozenset({"skipped", "damaged", "no-steps", "not-decoding"})


def _line(alert: Alert, prefix: str = "") -> str:
    text = alert.text[:1].lower() + alert.text[1:]
    level = "warning" if alert.level == "error" and not prefix else "note"
    return f"stride: {level}: {prefix}{text}\n"


class StderrAlerts:
    """Says the dashboard's alerts on ``out`` as they appear, change and clear."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._shown: dict[str, tuple[str, Alert]] = {}  # kind -> (text without figures, alert)
        self._gone: dict[str, float] = {}  # kind -> when it went (shown, not said cleared)
        self._said_events: set[str] = set()

    def update(self, state: SessionState, now: float) -> None:
        """Say what changed since the last call (the state at session time ``now``)."""
        lines: list[str] = []
        shown: dict[str, tuple[str, Alert]] = {}
        for alert in current_alerts(state, now, keys=False):
            if alert.kind in SAID_ELSEWHERE or alert.kind in shown:
                continue
            if state.replay and alert.kind in _SAID_AT_REPLAYS_END:
                continue
            if alert.kind.startswith(_EVENTS):
                if alert.kind not in self._said_events:
                    self._said_events.add(alert.kind)
                    lines.append(_line(alert))
                continue
            shape = _FIGURE.sub("#", alert.text)
            before = self._shown.get(alert.kind)
            if before is None or before[0] != shape:
                lines.append(_line(alert))
            shown[alert.kind] = (shape, alert)
            self._gone.pop(alert.kind, None)
        for kind, (shape, alert) in self._shown.items():
            if kind in shown:
                continue
            since = self._gone.setdefault(kind, now)
            if now - since >= CLEARED_AFTER_S:
                del self._gone[kind]
                lines.append(_line(alert, "cleared: "))
            else:  # still shown as it was, in case it comes back at once
                shown[kind] = (shape, alert)
        self._shown = shown
        if lines:
            with contextlib.suppress(OSError, ValueError):
                self.out.write("".join(lines))
                self.out.flush()
