"""Bytes -> steps for a session: the sensor-box decoder, treadmill readings, the step engine.

The same :class:`SessionPipeline` serves ``stride live``, ``stride demo`` and ``stride
replay``: recorded chunks fed in the recorded order reproduce the live steps exactly.
The step engine (:mod:`stride.session.engine`) wraps the core's block assembler and
streaming analyzer; tests may plug in another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from devices.sensorbox import (
    BeltBlock,
    ErrorEvent,
    Event,
    HelloEvent,
    SampleBlock,
    StatusEvent,
    StreamDecoder,
)
from devices.treadmill.base import BeltReading

BOX_STREAM = "box"
BOX_PROTOCOL = "sensorbox-v1"


class StepEngine(Protocol):
    """Decoded box events and belt readings in, newly completed steps out."""

    def feed(self, events: list[Event], readings: list[BeltReading]) -> list[dict[str, Any]]: ...

    def finish(self) -> dict[str, Any]: ...


ReadingParser = Callable[[Iterable[tuple[float, str, bytes]]], list[BeltReading]]


class IncrementalReadings:
    """Runs a driver's pure ``replay`` chunk by chunk, giving what it gives over the whole.

    The drivers' ``replay`` functions read a whole recording and date each reading by the
    chunk that completed it. Here each new chunk is parsed together with the last
    ``max_carry`` bytes before it (more than any answer's length, so an answer split
    across chunks is still seen whole) and only the readings completed by the new chunk
    are returned: the same readings, with the same times, as the batch call.
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


@dataclass
class BoxInfo:
    """What the box said about itself (HELLO), for the session metadata."""

    sample_rate_hz: int | None = None
    channels: list[str] | None = None
    device_id: str | None = None
    firmware: str | None = None
    adc_bits: int | None = None
    belt_counts_per_m: float | None = None


class SessionPipeline:
    """Decode each stream and hand the events to the step engine (see the module docstring)."""

    def __init__(
        self,
        engine: StepEngine,
        *,
        box_stream: str = BOX_STREAM,
        treadmill_stream: str | None = None,
        treadmill_parser: ReadingParser | None = None,
    ) -> None:
        self.engine = engine
        self.box_stream = box_stream
        self.treadmill_stream = treadmill_stream
        self.decoder = StreamDecoder()
        self._readings = IncrementalReadings(treadmill_parser) if treadmill_parser else None
        self.info = BoxInfo()
        self._belt_mps: float | None = None
        self._errors: list[str] = []
        self.status: StatusEvent | None = None
        self.samples = 0

    # -- Pipeline protocol ---------------------------------------------------------------
    def feed(self, stream: str, data: bytes, host_t: float) -> list[dict[str, Any]]:
        if stream == self.box_stream:
            events = self.decoder.feed(data, host_t)
            self._note(events)
            return self.engine.feed(events, []) if events else []
        if stream == self.treadmill_stream and self._readings is not None:
            readings = self._readings.feed(data, host_t)
            return self.engine.feed([], readings) if readings else []
        return []

    def finish(self) -> dict[str, Any]:
        events = self.decoder.flush()
        self._note(events)
        if events:
            self.engine.feed(events, [])
        return self.engine.finish()

    def counters(self) -> dict[str, int]:
        st = self.decoder.stats
        return {
            "frames": st.frames,
            "crc_errors": st.crc_errors,
            "gaps": st.gaps,
            "bytes": st.bytes_in,
            "discarded_bytes": st.bytes_discarded,
            "frames_lost": st.frames_lost,
        }

    @property
    def belt_mps(self) -> float | None:
        return self._belt_mps

    def describe(self) -> dict[str, Any]:
        i = self.info
        return {
            "sample_rate_hz": i.sample_rate_hz,
            "channels": i.channels,
            "device_id": i.device_id,
            "firmware": i.firmware,
            "adc_bits": i.adc_bits,
            "belt_counts_per_m": i.belt_counts_per_m,
        }

    def box_errors(self) -> list[str]:
        return list(self._errors)

    # -- internals ------------------------------------------------------------------------
    def _note(self, events: list[Event]) -> None:
        for ev in events:
            if isinstance(ev, SampleBlock):
                self.samples += len(ev.t_us)
            elif isinstance(ev, BeltBlock):
                if ev.speed_mps is not None:
                    self._belt_mps = ev.speed_mps
            elif isinstance(ev, HelloEvent):
                h = ev.hello
                if self.info.sample_rate_hz is None:
                    self.info = BoxInfo(
                        sample_rate_hz=h.sample_rate_hz,
                        channels=[_channel_name(c) for c in h.channels],
                        device_id=h.device_id.hex(),
                        firmware=f"{h.firmware[0]}.{h.firmware[1]}",
                        adc_bits=h.adc_bits,
                        belt_counts_per_m=h.belt_counts_per_m,
                    )
            elif isinstance(ev, ErrorEvent):
                if len(self._errors) < 20:
                    self._errors.append(ev.message or f"error code {ev.code}")
            elif isinstance(ev, StatusEvent):
                self.status = ev


def _channel_name(spec: Any) -> str:
    side = getattr(spec, "side", None) or "?"
    place = getattr(spec, "place", None) or f"role{getattr(spec, 'role', 0):#04x}"
    return f"{side}-{place}"
