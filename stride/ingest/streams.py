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
Each protocol also has a silence limit (:func:`silence_limit`): how long its stream may
carry no reading before the belt counts as unknown; and a carry (:func:`carry_bytes`): how
many earlier bytes a reading may need. Both are the same live and replayed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace

from devices.errors import InputError
from devices.registry import load_driver
from devices.registry import reading_parser as driver_reading_parser
from devices.treadmill.base import BeltReading, WireBytes

#: Recorded chunks ``(host_t, direction, data)`` -> the belt readings they complete.
ReadingParser = Callable[[Iterable[WireBytes | tuple[float, str, bytes]]], list[BeltReading]]

#: The silence limit of a stream whose parser or driver states none (s): a serial
#: treadmill polled at 10 Hz that misses ten answers is not answering.
DEFAULT_SILENCE_S = 1.0
#: Earlier bytes parsed with each new chunk where the parser or driver states no carry:
#: more than any serial answer, so one split across chunks is still seen whole.
DEFAULT_CARRY_BYTES = 256

_PARSERS: dict[str, ReadingParser] = {}
_SILENCE: dict[str, float] = {}
_CARRY: dict[str, int] = {}


def register_reading_parser(
    protocol: str,
    parser: ReadingParser,
    *,
    silence_s: float = DEFAULT_SILENCE_S,
    carry_bytes: int = DEFAULT_CARRY_BYTES,
) -> None:
    """Read streams recorded with ``protocol`` with ``parser`` (replacing any before);
    ``silence_s``: seconds without a reading after which its belt is unknown;
    ``carry_bytes``: earlier bytes a reading may need (0: each chunk stands alone)."""
    if not protocol:
        raise InputError("a stream protocol needs a name", fix="e.g. 'ftms-notify'")
    if not (0 < silence_s < math.inf):
        raise InputError(f"silence limit {silence_s!r} s must be > 0", fix="e.g. silence_s=3.0")
    if not (isinstance(carry_bytes, int) and 0 <= carry_bytes <= 1 << 20):
        raise InputError(f"carry {carry_bytes!r} is not 0..1 MiB", fix="e.g. carry_bytes=256")
    _PARSERS[protocol] = parser
    _SILENCE[protocol] = float(silence_s)
    _CARRY[protocol] = carry_bytes


def unregister_reading_parser(protocol: str) -> None:
    """Forget a parser added with :func:`register_reading_parser` (tests, plugins)."""
    _PARSERS.pop(protocol, None)
    _SILENCE.pop(protocol, None)
    _CARRY.pop(protocol, None)


def silence_limit(protocol: str | None) -> float:
    """Seconds a stream of ``protocol`` may carry no reading before its belt is unknown:
    the registered parser's ``silence_s``, else the driver's ``Treadmill.silence_s``, else
    :data:`DEFAULT_SILENCE_S`. The live session and ``stride analyze``/``replay`` all ask
    here, so they flag the same steps."""
    limit = _stream_trait(protocol, _SILENCE, "silence_s", DEFAULT_SILENCE_S)
    return float(limit) if 0 < limit < math.inf else DEFAULT_SILENCE_S


def carry_bytes(protocol: str | None) -> int:
    """Earlier bytes parsed with each new chunk of a ``protocol`` stream: the registered
    parser's ``carry_bytes``, else the driver's ``Treadmill.recording_carry_bytes``, else
    :data:`DEFAULT_CARRY_BYTES` (:class:`IncrementalReadings`, live and replayed alike)."""
    carry = _stream_trait(protocol, _CARRY, "recording_carry_bytes", DEFAULT_CARRY_BYTES)
    return int(carry) if 0 <= carry <= 1 << 20 else DEFAULT_CARRY_BYTES


def belt_columns(protocol: str | None) -> int:
    """Belt columns a ``protocol`` stream's readings give the analysis: 2 for a split-belt
    treadmill's (the driver's ``Treadmill.belts``: left, then right), else 1."""
    return 2 if _stream_trait(protocol, {}, "belts", 1) == 2 else 1


def _stream_trait(
    protocol: str | None, registered: dict[str, float] | dict[str, int], attr: str, default: float
) -> float:
    """A registered parser's value, else the driver class's attribute, else ``default``."""
    if not protocol:
        return default
    if protocol in registered:
        return registered[protocol]
    try:
        value = getattr(load_driver(protocol), attr, default)
    except InputError:  # no driver of that name
        return default
    return value if isinstance(value, int | float) else default


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

    def __init__(self, parse: ReadingParser, *, max_carry: int = DEFAULT_CARRY_BYTES) -> None:
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
        new = [replace(r, host_t=host_t) for r in readings if r.host_t == last]
        total = 0
        keep = 0
        for d in reversed(self._carry):
            if total >= self.max_carry:
                break
            total += len(d)
            keep += 1
        self._carry = self._carry[len(self._carry) - keep :]
        return new
