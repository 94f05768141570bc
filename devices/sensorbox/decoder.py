"""The streaming decoder of the live path: bytes in any chunking -> typed events, never raises.

``StreamDecoder.feed(data, host_t)`` splits on 0x00, COBS-decodes with the ``cobs`` package,
checks length and CRC, validates the payload for its type, orders frames by seq
(:mod:`devices.sensorbox.sequencer`) and turns them into events. Every byte fed is accounted
for in :class:`DecoderStats`; nothing raises on bad input.
"""

from __future__ import annotations

import logging
import math

import numpy as np
from cobs import cobs

from devices.sensorbox.events import (
    BeltBlock,
    DecoderStats,
    ErrorEvent,
    Event,
    HelloEvent,
    SampleBlock,
    StatusEvent,
)
from devices.sensorbox.frames import (
    BELT,
    MAX_CHANNELS,
    MAX_SAMPLES,
    MAX_WIRE_FRAME,
    MIN_FRAME,
    PROTOCOL_VERSION,
    SAMPLES_HEAD,
    STATUS,
    T_BELT,
    T_ERROR,
    T_HELLO,
    T_SAMPLES,
    T_STATUS,
    Hello,
    crc16,
)
from devices.sensorbox.sequencer import GoodFrame, Released, Sequencer

_KNOWN = frozenset({T_HELLO, T_SAMPLES, T_BELT, T_STATUS, T_ERROR})
#: A SAMPLES period further than this share from the HELLO's sample rate disagrees with it.
RATE_TOLERANCE = 0.01

log = logging.getLogger(__name__)


def payload_ok(ftype: int, payload: bytes, n_channels: int | None) -> str | None:
    """None if ``payload`` is valid for ``ftype``; else the counter name to bump."""
    n = len(payload)
    if ftype == T_SAMPLES:
        if n < SAMPLES_HEAD.size:
            return "malformed"
        c, k, period = SAMPLES_HEAD.unpack_from(payload)
        if not (1 <= c <= MAX_CHANNELS and 1 <= k <= MAX_SAMPLES and period > 0):
            return "malformed"
        if n != SAMPLES_HEAD.size + 2 * c * k:
            return "malformed"
        if n_channels is not None and c != n_channels:
            return "channel_mismatch"
        return None
    if ftype == T_HELLO:
        return None if Hello.parse(payload) is not None else "malformed"
    if ftype == T_BELT:
        return None if n == BELT.size else "malformed"
    if ftype == T_STATUS:
        return None if n == STATUS.size else "malformed"
    if ftype == T_ERROR:
        return None if n >= 1 else "malformed"
    return None


class StreamDecoder:
    """Decode a sensor-box byte stream fed in chunks of any size.

    ``feed(data, host_t)`` returns the events completed by ``data`` (``host_t``: host time the
    chunk arrived, seconds; carried into events for latency and clock alignment).
    ``flush()`` releases frames held for reordering at the end of a stream. Counters live in
    ``stats`` (:class:`DecoderStats`); ``hello`` is the last HELLO seen.

    The bytes before the first delimiter of a fresh decoder are the tail of a frame the
    host joined mid-way: if they do not form a valid frame they count as discarded bytes,
    not as a CRC error.

    ``new_connection()`` says the port was reopened (after an unplug): the bytes after it
    do not continue those before, whatever the box's counters say (a box power-cycled while
    the port was closed lost its HELLO to nobody and may count on from close to where the
    old one stopped). The unfinished frame is discarded and the next frame starts again as
    a restart, exactly as a new HELLO's step back would.
    """

    def __init__(self, reorder_window: int = 4) -> None:
        self.stats = DecoderStats()
        self.hello: Hello | None = None
        self._seq = Sequencer(self.stats, reorder_window)
        self._pending = bytearray()
        self._synced = False
        self._skip = False  # discarding an oversize stretch until the next delimiter
        self._missing = 0  # frames lost since the last SampleBlock
        self._restart = False
        self._last_host: float | None = None  # host time of the last bytes fed
        #: What the box says that disagrees with docs/protocol.md or with itself (a protocol
        #: version other than 1, SAMPLES whose channel count or period differ from the
        #: HELLO's), each said once: also logged as a warning, which a live session shows.
        self.notes: list[str] = []
        #: Notes kept in ``notes`` only, not logged (a look at a recording before it plays:
        #: the replay itself says them).
        self.quiet = False

    @property
    def pending(self) -> int:
        """Bytes received but not yet terminated by a delimiter."""
        return len(self._pending)

    def feed(self, data: bytes, host_t: float) -> list[Event]:
        """Decode ``data``; return the events it completed (in device order). Never raises."""
        st = self.stats
        st.bytes_in += len(data)
        if data:
            self._last_host = host_t
        out: list[Event] = []
        buf = self._pending
        buf += data
        start = 0
        while True:
            end = buf.find(0, start)
            if end < 0:
                break
            chunk = bytes(buf[start:end])
            start = end + 1
            if self._skip:
                self._skip = False
                st.bytes_discarded += len(chunk) + 1
                self._synced = True
                continue
            self._chunk(chunk, host_t, out)
        del buf[:start]
        if len(buf) > MAX_WIRE_FRAME:
            st.bytes_discarded += len(buf)
            st.oversize += 1
            st.resyncs += 1
            buf.clear()
            self._skip = True
        return out

    def new_connection(self, host_t: float) -> list[Event]:
        """The port was reopened at ``host_t``: discard the unfinished frame, release the
        frames held for reordering (returned) and start the next frame as a restart, its
        time the last frame's plus the host time since the last bytes fed (see the class).
        """
        self.stats.bytes_discarded += len(self._pending)
        self._pending.clear()
        self._synced = False
        self._skip = False
        last = host_t if self._last_host is None else self._last_host
        out: list[Event] = []
        for r in self._seq.new_connection(math.floor((host_t - last) * 1e6 + 0.5)):
            self._emit(r, out)
        return out

    def flush(self) -> list[Event]:
        """The end of the stream: release frames held for reordering; the bytes of an
        unfinished frame are discarded (counted: nothing will complete it), so what a
        stream's end skips is counted alike however its bytes were fed (a stretch longer
        than a frame is discarded at a chunk's end, the rest of it only here)."""
        self.stats.bytes_discarded += len(self._pending)
        self._pending.clear()
        self._skip = False
        out: list[Event] = []
        for r in self._seq.flush():
            self._emit(r, out)
        return out

    def _chunk(self, chunk: bytes, host_t: float, out: list[Event]) -> None:
        st = self.stats
        first = not self._synced
        self._synced = True
        if not chunk:
            st.bytes_ok += 1  # idle delimiter
            return
        frame, problem = self._check(chunk)
        if problem is None:
            ftype = frame[0]
            problem = payload_ok(ftype, frame[7:-2], self.hello.n_channels if self.hello else None)
            if problem is None:
                st.bytes_ok += len(chunk) + 1
                st.frames += 1
                if ftype not in _KNOWN:
                    st.unknown_types += 1
                seq = frame[1] | (frame[2] << 8)
                t = int.from_bytes(frame[3:7], "little")
                crc = frame[-2] | (frame[-1] << 8)
                good = GoodFrame(ftype, seq, t, bytes(frame[7:-2]), host_t, crc)
                for r in self._seq.push(good):
                    self._emit(r, out)
                return
            if problem == "channel_mismatch":  # a genuine frame: its bytes were good
                st.frames += 1
                assert self.hello is not None
                self._say(
                    f"sensor box: SAMPLES frames carry {frame[7]} channels but its HELLO "
                    f"announces {self.hello.n_channels}: they are dropped (make the firmware's "
                    "channel map and its SAMPLES frames agree, docs/protocol.md)"
                )
        st.bytes_discarded += len(chunk) + 1
        st.resyncs += 1
        if first and problem in ("cobs_errors", "truncated", "crc_errors"):
            return  # the tail of a frame we joined mid-way
        setattr(st, problem, getattr(st, problem) + 1)

    @staticmethod
    def _check(chunk: bytes) -> tuple[bytes, str | None]:
        try:
            frame: bytes = cobs.decode(chunk)
        except cobs.DecodeError:
            return b"", "cobs_errors"
        if len(frame) < MIN_FRAME:
            return frame, "truncated"
        if crc16(frame[:-2]) != frame[-2] | (frame[-1] << 8):
            return frame, "crc_errors"
        return frame, None

    def _emit(self, r: Released, out: list[Event]) -> None:
        fr = r.frame
        if fr.ftype == T_SAMPLES:
            c, k, period = SAMPLES_HEAD.unpack_from(fr.payload)
            if self.hello is not None:
                self._check_period(period, self.hello.sample_rate_hz)
            values = np.frombuffer(fr.payload, dtype="<i2", offset=4).reshape(k, c)
            t = r.t_us + period * np.arange(k, dtype=np.int64)
            self.stats.samples += k
            out.append(
                SampleBlock(
                    t,
                    values.astype(np.int16),
                    fr.seq,
                    self._missing + r.missing_before,
                    fr.host_t,
                    period,
                    self._restart or r.restart,
                )
            )
            self._missing = 0
            self._restart = False
            return
        self._missing += r.missing_before
        self._restart = self._restart or r.restart
        if fr.ftype == T_HELLO:
            hello = Hello.parse(fr.payload)
            assert hello is not None  # checked before sequencing
            self.hello = hello
            if hello.protocol_version != PROTOCOL_VERSION:
                self._say(
                    f"sensor box speaks protocol version {hello.protocol_version} (firmware "
                    f"{hello.firmware[0]}.{hello.firmware[1]}); stride reads version "
                    f"{PROTOCOL_VERSION} and reads its frames as version {PROTOCOL_VERSION} "
                    "(update stride, or flash the box with the firmware in firmware/)"
                )
            out.append(HelloEvent(hello, fr.seq, r.t_us, fr.host_t))
        elif fr.ftype == T_BELT:
            counts, interval = BELT.unpack(fr.payload)
            cpm = self.hello.belt_counts_per_m if self.hello else 0.0
            speed = counts / cpm / (interval * 1e-6) if cpm > 0 and interval > 0 else None
            out.append(BeltBlock(r.t_us, counts, interval, speed, fr.seq, fr.host_t))
        elif fr.ftype == T_STATUS:
            flags, dropped, mv = STATUS.unpack(fr.payload)
            out.append(StatusEvent(flags, dropped, mv, fr.seq, r.t_us, fr.host_t))
        elif fr.ftype == T_ERROR:
            msg = fr.payload[1:].decode("ascii", "replace")
            out.append(ErrorEvent(fr.payload[0], msg, fr.seq, r.t_us, fr.host_t))

    def _check_period(self, period_us: int, rate_hz: int) -> None:
        """Say once when a SAMPLES period disagrees with the HELLO's sample rate: the samples
        are timed by their frame's period, the analysis by the HELLO's rate."""
        if rate_hz > 0 and abs(period_us * rate_hz - 1e6) > RATE_TOLERANCE * 1e6:
            self._say(
                f"sensor box: SAMPLES frames are {period_us} us apart ({1e6 / period_us:.4g} Hz) "
                f"but its HELLO says {rate_hz} Hz (make the firmware's sample rate and its "
                "SAMPLES period agree, docs/protocol.md)"
            )

    def _say(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)
            if not self.quiet:
                log.warning("%s", message)
