"""Raw counts per sensor channel, unloaded and loaded: for building and checking a sensor box.

``stride check --port URL`` reads the box for a few seconds while the wearer lifts each foot
and stands on it (or walks), and shows per channel the raw ADC counts now, the unloaded
level (5th percentile), the loaded level (95th percentile) and their contrast, with a
verdict: a channel that never changes is not connected or not under the foot, one at the
top of the ADC range saturates (a smaller divider resistor, docs/hardware.md), one whose
unloaded level is far above zero is pressed all the time or has an offset.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from devices.csvbox import CsvBoxDecoder
from devices.csvlines import CsvLineConfig, CsvStats
from devices.errors import DeviceError
from devices.sensorbox.decoder import StreamDecoder
from devices.sensorbox.events import (
    BeltBlock,
    ErrorEvent,
    HelloEvent,
    SampleBlock,
    StatusEvent,
    error_words,
)
from devices.transport import SerialLike

#: Levels as shares of the ADC range: below ``MIN_CONTRAST`` a channel did not change; an
#: unloaded level above ``HIGH_UNLOADED`` is pressed or offset; a loaded level within
#: ``SATURATION`` of the top saturates.
MIN_CONTRAST = 0.10
HIGH_UNLOADED = 0.25
SATURATION = 0.02
#: At most this many different ERROR messages are kept (a box repeats its own).
MAX_BOX_ERRORS = 10


@dataclass
class ChannelLevels:
    """One channel's raw counts so far."""

    name: str
    chunks: list[NDArray[np.int16]] = field(default_factory=list)

    def add(self, values: NDArray[np.int16]) -> None:
        self.chunks.append(np.asarray(values, dtype=np.int16).copy())

    @property
    def values(self) -> NDArray[np.int16]:
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)

    def summary(self, adc_max: int) -> dict[str, object]:
        """Samples, now, unloaded (p5), loaded (p95), contrast and the verdict."""
        v = self.values
        if v.size == 0:
            return {"channel": self.name, "samples": 0, "verdict": "no samples"}
        unloaded = float(np.percentile(v, 5))
        loaded = float(np.percentile(v, 95))
        contrast = loaded - unloaded
        return {
            "channel": self.name,
            "samples": int(v.size),
            "now": int(v[-1]),
            "min": int(v.min()),
            "max": int(v.max()),
            "unloaded": round(unloaded, 1),
            "loaded": round(loaded, 1),
            "contrast": round(contrast, 1),
            "verdict": verdict(unloaded, loaded, adc_max),
        }


def verdict(unloaded: float, loaded: float, adc_max: int) -> str:
    """What the levels say about a channel (module docstring)."""
    if loaded >= adc_max * (1.0 - SATURATION):
        return "saturates when loaded: use a smaller divider resistor"
    if loaded - unloaded < MIN_CONTRAST * adc_max:
        return "no change: not connected, or never loaded (stand on it)"
    if unloaded > HIGH_UNLOADED * adc_max:
        return "high when unloaded: pressed all the time, or an offset"
    return "ok"


@dataclass
class BoxCheck:
    """The check in progress: the decoder, each channel's counts, the box's own reports."""

    #: The box's decoder, or a CSV board's (:class:`~devices.csvbox.CsvBoxDecoder`).
    decoder: StreamDecoder | CsvBoxDecoder = field(default_factory=StreamDecoder)
    channels: list[ChannelLevels] = field(default_factory=list)
    adc_bits: int = 10
    rate_hz: float = 0.0
    samples: int = 0
    saturated_reports: int = 0
    belt_mps: float | None = None
    bytes_in: int = 0
    sample_bytes: bytearray = field(default_factory=bytearray)
    waited_s: float = 0.0
    interrupted: bool = False  # ended early by Ctrl-C: the levels are those read until then
    named: bool = False  # a HELLO has named the channels
    #: The box's own ERROR frames, each different one once ("code 1 (...): message").
    box_errors: list[str] = field(default_factory=list)
    #: Why the check ended before ``seconds`` of samples, where the box is the reason: its
    #: port closed, it stopped sending, it never sent a HELLO. None: it did not.
    fault: DeviceError | None = None
    last_sample_t: float | None = None  # clock time of the last samples read

    def feed(self, data: bytes, host_t: float) -> None:
        self.bytes_in += len(data)
        before = self.samples
        if len(self.sample_bytes) < 4096:
            self.sample_bytes += data[: 4096 - len(self.sample_bytes)]
        for ev in self.decoder.feed(data, host_t):
            if isinstance(ev, HelloEvent):
                self._hello(ev)
            elif isinstance(ev, SampleBlock):
                self._samples(ev)
            elif isinstance(ev, StatusEvent) and ev.saturated:
                self.saturated_reports += 1
            elif isinstance(ev, BeltBlock) and ev.speed_mps is not None:
                self.belt_mps = ev.speed_mps
            elif isinstance(ev, ErrorEvent):
                self._error(ev)
        if self.samples > before:
            self.last_sample_t = host_t

    def _error(self, ev: ErrorEvent) -> None:
        text = error_words(ev)
        if text not in self.box_errors and len(self.box_errors) < MAX_BOX_ERRORS:
            self.box_errors.append(text)

    def _hello(self, ev: HelloEvent) -> None:
        h = ev.hello
        self.adc_bits = h.adc_bits
        self.rate_hz = float(h.sample_rate_hz)
        names = [c.name for c in h.channels]
        if [c.name for c in self.channels] == names:
            return
        if not self.named and len(self.channels) == len(names):
            # joined mid-stream: the samples before this HELLO are these channels' too
            for ch, name in zip(self.channels, names, strict=True):
                ch.name = name
        else:
            self.channels = [ChannelLevels(n) for n in names]
        self.named = True

    def _samples(self, ev: SampleBlock) -> None:
        values = ev.values
        if len(self.channels) != values.shape[1]:  # samples before any HELLO
            self.channels = [ChannelLevels(f"channel {i}") for i in range(values.shape[1])]
        for i, ch in enumerate(self.channels):
            ch.add(values[:, i])
        self.samples += values.shape[0]

    @property
    def seconds_of_samples(self) -> float:
        return self.samples / self.rate_hz if self.rate_hz > 0 else 0.0

    def report(self) -> dict[str, object]:
        adc_max = (1 << self.adc_bits) - 1
        channels = [c.summary(adc_max) for c in self.channels]
        if not self.named:  # no HELLO: the ADC's range, so every verdict, is unknown
            for c in channels:
                if c["samples"]:
                    c["verdict"] = "unknown: no HELLO gave the ADC range"
        st = self.decoder.stats
        lines = (  # a good line counts as a frame, a bad one as a CRC error
            {"protocol": "csvlines", "lines": st.lines, "bad_lines": st.bad_lines}
            if isinstance(st, CsvStats)
            else {}
        )
        return {
            **lines,
            "adc_bits": self.adc_bits,
            "sample_rate_hz": self.rate_hz,
            "seconds": round(self.seconds_of_samples, 3),
            "channels": channels,
            "frames": st.frames,
            "crc_errors": st.crc_errors,
            "gaps": st.gaps,
            "saturated_reports": self.saturated_reports,
            "belt_speed_mps": self.belt_mps,
            "interrupted": self.interrupted,
            "notes": list(self.decoder.notes),
            "box_errors": list(self.box_errors),
            "fault": None if self.fault is None else self.fault.problem,
        }


def run_check(
    port: SerialLike,
    seconds: float,
    *,
    no_data_s: float = 5.0,
    on_update: Callable[[BoxCheck], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    csv: CsvLineConfig | None = None,
) -> BoxCheck:
    """Read ``port`` until it has given ``seconds`` of samples (device time), or until
    ``no_data_s`` of wall time passed with no sample at all; ``on_update`` is called about
    four times a second for a live display. Ctrl-C ends the reading early: the check
    returns what was read until then (``interrupted``), not nothing. What the box says
    that disagrees with the protocol is in the report's ``notes``, not logged over the
    display. ``csv``: the port is a board printing CSV lines, read with this column map."""
    check = BoxCheck() if csv is None else BoxCheck(decoder=CsvBoxDecoder(csv))
    quiet = logging.getLogger("devices.sensorbox.decoder")
    keep = quiet.propagate
    null = logging.NullHandler()
    quiet.addHandler(null)
    quiet.propagate = False
    start = last_shown = clock()
    try:
        while True:
            data = port.read(max(1, port.in_waiting))
            now = clock()
            if data:
                check.feed(data, now)
            if check.rate_hz > 0 and check.seconds_of_samples >= seconds:
                break
            if check.samples == 0 and now - start >= no_data_s:
                break
            if check.last_sample_t is not None and now - check.last_sample_t >= no_data_s:
                break  # samples stopped arriving
            if now - start >= seconds + no_data_s:  # samples too slow for their HELLO
                break
            if on_update is not None and now - last_shown >= 0.25:
                on_update(check)
                last_shown = now
    except KeyboardInterrupt:
        check.interrupted = True
    except OSError as err:  # serial.SerialException too: the port closed under the check
        check.fault = DeviceError(
            f"the box's port closed after {clock() - start:.1f} s and "
            f"{check.seconds_of_samples:.1f} s of samples ({err})",
            fix="plug the box in again (a loose USB cable or a box that resets) and check again",
        )
    finally:
        quiet.removeHandler(null)
        quiet.propagate = keep
    check.waited_s = clock() - start
    if check.fault is None and not check.interrupted:
        silent_s = 0.0 if check.last_sample_t is None else clock() - check.last_sample_t
        check.fault = _short(check, seconds, silent_s, no_data_s)
    return check


def _short(
    check: BoxCheck, seconds: float, silent_s: float, no_data_s: float
) -> DeviceError | None:
    """Why a check that read samples has fewer than ``seconds`` of them, where the box is
    the reason (a check without any sample is diagnosed from its bytes instead)."""
    if check.samples == 0:
        return None
    if not check.named:
        return DeviceError(
            f"the box sent {check.samples} samples in {check.waited_s:.1f} s but no HELLO: its "
            "channels, sample rate and ADC range are unknown",
            fix="the box must send a HELLO frame at power-up and once a second (docs/protocol.md)",
        )
    if check.seconds_of_samples >= seconds:
        return None
    got = f"{check.seconds_of_samples:.1f} s of samples ({seconds:g} s asked)"
    if check.last_sample_t is not None and silent_s >= no_data_s:
        return DeviceError(
            f"the box stopped sending after {got}: nothing for the last {silent_s:.0f} s",
            fix="check its cable and power, then check again",
        )
    return DeviceError(
        f"the box sent {got} in {check.waited_s:.1f} s: slower than its HELLO's "
        f"{check.rate_hz:g} Hz",
        fix="check the sample rate the box's firmware announces (docs/protocol.md)",
    )
