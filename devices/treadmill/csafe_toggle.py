"""The CSAFE status byte's bit 7, the frame toggle, checked only on request (``?toggle=check``).

device-protocols.md names bit 7 the frame toggle after one implementation (csafe-fitness) and does
not say when it toggles; csafe-fitness toggles it for every good frame the machine receives.
On that reading, with one answer per request, each good answer's bit 7 differs from the
previous good answer's: the same bit twice means a request was lost on its way to the
machine, or an answer was sent twice. A treadmill that toggles it otherwise (or never) would
be reported wrongly, so the check is opt-in, never the default.
"""

from __future__ import annotations

from devices.errors import InputError

#: What a repeated bit 7 is said as, once (a live session shows the driver's warnings).
REPEATED = (
    "csafe: status bit 7 (the frame toggle) did not change from the previous answer: a "
    "request was lost on its way, or an answer came twice (counted; leave ?toggle=check out "
    "of csafe:PORT if this treadmill does not toggle it for every frame it receives)"
)


class FrameToggle:
    """Bit 7 of the last good answer, compared with the next one's where ``on``."""

    def __init__(self, value: str = "off") -> None:
        key = value.strip().lower()
        if key not in ("off", "check"):
            raise InputError(
                f"unknown CSAFE toggle value {value!r}",
                fix="toggle=check compares the status byte's bit 7 of successive answers; "
                "leave it out (or toggle=off) not to",
            )
        self.on = key == "check"
        self._last: int | None = None  # bit 7 of the last good answer
        self._before: int | None = None  # and of the one before the exchange under way
        self.repeats = 0

    def sent(self) -> None:
        """A request goes out: only an exchange that ends in a good answer keeps the bit."""
        self._last, self._before = None, self._last

    def answered(self, status: int) -> bool:
        """A good answer's status byte; True when its bit 7 repeats the previous one's."""
        self._last = status >> 7
        repeated = self.on and self._last == self._before
        self.repeats += repeated
        return repeated
