"""Recorded streams that carry belt readings: which parser reads a stream of a protocol.

A session records every device's bytes as a stream named with its protocol
(``treadmill.rx`` = the bytes a treadmill sent, protocol = the driver's name). To read
belt speeds back, live or from a recording, :func:`reading_parser` finds the parser of a
protocol, in this order:

1. a parser registered here with :func:`register_reading_parser`: how a new stream kind
   is added (e.g. Bluetooth notifications recorded one per chunk with their host times)
   without touching the ingest pipeline;
2. the treadmill driver of that name in :mod:`devices.registry` (plugins included): its
   ``parse_recording``.

A parser takes recorded chunks ``(host_t, direction, data)`` and returns the
:class:`~devices.treadmill.base.BeltReading` they complete, each dated by the chunk that
completed it. :class:`IncrementalReadings` runs such a whole-recording parser chunk by
chunk with the same result, which is how the live session and ``stride replay`` use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from devices.errors import InputError
from devices.registry import reading_parser as driver_reading_parser
from devices.treadmill.base import BeltReading, WireBytes

#: Recorded chunks ``(host_t, direction, data)`` -> the belt readings they complete.
ReadingParser = Callable[[Iterable[WireBytes | tuple[float, str, bytes]]], list[BeltReading]]

_PARSERS: dict[str, ReadingParser] = {}


def register_reading_parser(protocol: str, parser: ReadingParser) -> None:
    """Read streams recorded with ``protocol`` with ``parser`` (replacing any before)."""
    if not protocol:
        raise InputError("a stream protocol needs a name", fix="e.g. 'ftms-notify'")
    _PARSERS[protocol] = parser


def unregister_reading_parser(protocol: str) -> None:
    """Forget a parser added with :func:`register_reading_parser` (tests, plugins)."""
    _PARSERS.pop(protocol, None)


def reading_parser(protocol: str | None) -> ReadingParser | None:
    """The parser of a recorded stream's protocol, or None if no parser or driver knows
    it (the belt is then unknown, and said). A known driver whose library is missing is a
    one-line "backend unavailable" error naming what to install."""
    if not protocol:
        return None
    registered = _PARSERS.get(protocol)
    if registered is not None:
        return registered
    try:
        return driver_reading_parser(protocol)
    except InputError:  # no driver of that name
        return None


class IncrementalReadings:
    """Runs a whole-recording parser chunk by chunk, giving what it gives over the whole.

    Each new chunk is parsed together with the last ``max_carry`` bytes before it (more
    than any answer's length, so an answer split across chunks is still seen whole) and
    only the readings completed by the new chunk are returned: the same readings, with
    the same times, as the batch call.
    """

    def __init__(self, parse: ReadingParser, *, max_carry: int = 256) -> None:
        self.parse = parse
        self.max_carry = max_carry
        self._carry: list[bytes] = []

    def feed(self, data: bytes, host_t: float) -> list[BeltReading]:
        if not data:
            return []
        self._carry.append(data)
        last = len(self._carry) - 1
        # chunk index as the time: readings completed by the new chunk carry index ``last``
        readings = self.parse([(float(i), "rx", d) for i, d in enumerate(self._carry)])
        new = [BeltReading(host_t, r.speeds_mps) for r in readings if r.host_t == last]
        total = 0
        keep = 0
        for d in reversed(self._carry):
            if total >= self.max_carry:
                break
            total += len(d)
            keep += 1
        self._carry = self._carry[-keep:]
        return new
