"""Bytes -> steps for a session: the sensor-box decoder, treadmill readings, the step engine.

The same :class:`SessionPipeline` serves ``stride live``, ``stride demo`` and ``stride
replay``, built by :func:`build_pipeline` from the same three decisions (target, belt
source, the treadmill stream's protocol): recorded chunks fed in the recorded order
reproduce the live steps exactly. The step engine (:class:`~stride.ingest.engine.CoreEngine`)
wraps the block assembler and the streaming analyzer; tests may plug in another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from devices.csvbox import CsvBoxDecoder
from devices.csvlines import CsvLineConfig, CsvStats
from devices.sensorbox import (
    PROTOCOL_NAME,
    BeltBlock,
    ErrorEvent,
    Event,
    HelloEvent,
    SampleBlock,
    StatusEvent,
    StreamDecoder,
)
from devices.treadmill.base import BeltReading
from stride.core.rows import StepRow
from stride.core.targets import Target
from stride.ingest.belt_meter import BeltSpeedMeter
from stride.ingest.belt_source import BOX, NONE, TREADMILL, BeltSource
from stride.ingest.engine import BeltListener, CoreEngine
from stride.ingest.streams import (
    DEFAULT_CARRY_BYTES,
    IncrementalReadings,
    ReadingParser,
    belt_columns,
    carry_bytes,
    reading_parser,
    silence_limit,
)

BOX_STREAM = "box"
BOX_PROTOCOL = PROTOCOL_NAME
#: The bytes a treadmill sent (protocol: the driver's name) and the host sent it.
RX_STREAM = "treadmill.rx"
TX_STREAM = "treadmill.tx"


class StepEngine(Protocol):
    """Decoded box events and belt readings in, newly completed steps out."""

    belt: BeltSource
    belt_listener: BeltListener | None

    def warm(self) -> None: ...

    def feed(self, events: list[Event], readings: list[BeltReading]) -> list[StepRow]: ...

    def finish(self) -> dict[str, Any]: ...


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
        treadmill_carry: int = DEFAULT_CARRY_BYTES,
        decoder: StreamDecoder | CsvBoxDecoder | None = None,
    ) -> None:
        self.engine = engine
        self.belt = engine.belt
        self.box_stream = box_stream
        self.treadmill_stream = treadmill_stream
        #: The box's decoder: the sensor-box protocol's, or CSV lines' (``csvlines``).
        self.decoder = decoder if decoder is not None else StreamDecoder()
        self._readings = (
            IncrementalReadings(treadmill_parser, max_carry=treadmill_carry)
            if treadmill_parser
            else None
        )
        self.info = BoxInfo()
        self._belt = BeltSpeedMeter()
        self._errors: list[str] = []
        self.status: StatusEvent | None = None
        #: Restarts of the box itself (its clock and frame counter back to the start while
        #: the port stayed open), not counting the new stretch after a reopened port.
        self.box_restarts = 0
        #: Seconds of the box's (unwrapped) clock from its first sample to its last restart:
        #: where in a recording it restarted, however the chunks were joined.
        self.restarted_s: float | None = None
        self._first_t_us: int | None = None
        self._reopened = False
        self.samples = 0

    def warm(self) -> None:
        """Compile the analysis kernels now, not at the first step (see the engine)."""
        self.engine.warm()

    # -- Pipeline protocol ---------------------------------------------------------------
    @property
    def chunking_is_free(self) -> bool:
        """Whether joining consecutive chunks of a stream leaves the steps unchanged: the
        box's own belt or none, and no treadmill stream. (A treadmill's clock offset and
        outages are taken per fed chunk from its host time, so there chunks are fed as
        they came, as ``stride replay`` feeds them.)"""
        return self.treadmill_stream is None and self.belt.kind in (BOX, NONE)

    @property
    def belt_listener(self) -> BeltListener | None:
        """Told of every belt sample the analysis is fed (see :mod:`stride.ingest.engine`)."""
        return self.engine.belt_listener

    @belt_listener.setter
    def belt_listener(self, listener: BeltListener | None) -> None:
        self.engine.belt_listener = listener

    def feed(self, stream: str, data: bytes, host_t: float) -> list[StepRow]:
        """The steps one chunk completes. An empty box chunk says the box's port was
        reopened after an unplug (live, and as recorded): a new stretch begins, the
        decoder restarts, so no stride spans the outage."""
        if stream == self.box_stream:
            events = (
                self.decoder.feed(data, host_t) if data else self.decoder.new_connection(host_t)
            )
            self._reopened = self._reopened or not data
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
        """The decoder's counts; for CSV lines a good line is a frame and a line that does
        not parse counts (and is shown) as a CRC error, with ``lines``/``bad_lines`` too."""
        st = self.decoder.stats
        counts = {
            "frames": st.frames,
            "crc_errors": st.crc_errors,
            "gaps": st.gaps,
            "bytes": st.bytes_in,
            "discarded_bytes": st.bytes_discarded,
            "frames_lost": st.frames_lost,
            "restarts": self.box_restarts,
        }
        if isinstance(st, CsvStats):
            counts.update(lines=st.lines, bad_lines=st.bad_lines)
        return counts

    @property
    def belt_mps(self) -> float | None:
        """The box encoder's speed over its last second (the screen's belt), or None."""
        return self._belt.mps

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
                if self._first_t_us is None and len(ev.t_us):
                    self._first_t_us = int(ev.t_us[0])
                if ev.restart and not self._reopened:  # its time first: read with the count
                    self.restarted_s = (int(ev.t_us[0]) - (self._first_t_us or 0)) / 1e6
                    self.box_restarts += 1
                self._reopened = False  # a reopen's restart marks the first block after it
            elif isinstance(ev, BeltBlock):
                if ev.speed_mps is not None:
                    self._belt.add(ev.interval_us, ev.speed_mps)
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


def build_pipeline(
    target: Target | None,
    belt: BeltSource,
    treadmill_protocol: str | None = None,
    csv: CsvLineConfig | None = None,
) -> SessionPipeline:
    """The pipeline of a session: its target, its belt source and, with a treadmill as the
    belt source, the protocol of the recorded ``treadmill.rx`` stream (the driver's name),
    whose parser, silence limit and carry :mod:`stride.ingest.streams` finds. Used live and for a
    recording alike, so both decide the same. ``csv``: the box is a board printing CSV
    lines, read with this column map."""
    parser = reading_parser(treadmill_protocol) if belt.kind == TREADMILL else None
    stale_s, belts = silence_limit(treadmill_protocol), belt_columns(treadmill_protocol)
    engine = CoreEngine(target, belt, stale_s=stale_s, belts=belts)
    return SessionPipeline(
        engine,
        treadmill_stream=RX_STREAM if parser is not None else None,
        treadmill_parser=parser,
        treadmill_carry=carry_bytes(treadmill_protocol),
        decoder=None if csv is None else CsvBoxDecoder(csv),
    )
