"""Running Speed and Cadence (RSC 1.0) values of a foot pod: parsers and an encoder.

RSC Measurement (0x2A53), little-endian: flags (uint8); instantaneous speed (uint16,
1/256 m/s); instantaneous cadence (uint8, per minute); if flag bit 0: instantaneous stride
length (uint16, 0.01 m); if bit 1: total distance (uint32, 0.1 m); bit 2: 0 walking,
1 running. Bits 3-7 are reserved: a value with them set is refused, naming the bit.

Cadence is kept as sent. The specification counts foot falls (steps) per minute, and
Stryd and Polar pods send that (about 100-120 when walking); some older pods and watch
integrations send strides (one foot) per minute, half as much. The value alone cannot tell
which; docs/treadmills.md says how to check a pod.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.ble._fields import FieldReader, put
from devices.ble.errors import UnknownFlagsError, ValueOutOfRangeError

STRIDE_PRESENT = 0x01
DISTANCE_PRESENT = 0x02
RUNNING = 0x04
KNOWN_FLAGS = STRIDE_PRESENT | DISTANCE_PRESENT | RUNNING

RSC_FEATURES = (
    "stride length measurement",
    "total distance measurement",
    "walking or running status",
    "calibration procedure",
    "multiple sensor locations",
)


@dataclass(frozen=True)
class RscMeasurement:
    """One RSC Measurement notification (see the module docstring for units)."""

    flags: int
    speed_mps: float
    cadence_spm: int
    stride_length_m: float | None = None
    total_distance_m: float | None = None

    @property
    def running(self) -> bool:
        """Flag bit 2: the pod classifies the motion as running (else walking)."""
        return bool(self.flags & RUNNING)


def parse_rsc_measurement(data: bytes | bytearray | memoryview) -> RscMeasurement:
    """Decode an RSC Measurement value, e.g. ``00 80 02 B4`` -> 2.5 m/s, 180/min."""
    reader = FieldReader(data, "RSC Measurement")
    flags = reader.take("uint8", "the flags")
    reserved = [b for b in range(3, 8) if flags >> b & 1]
    if reserved:
        raise UnknownFlagsError(
            f"RSC Measurement flags {flags:#04x} set reserved bit(s) "
            f"{', '.join(map(str, reserved))}: the fields after them are of unknown layout",
            fix="send us a notification log (docs/treadmills.md) so the layout can be added",
        )
    speed = reader.take("uint16", "the instantaneous speed") / 256
    cadence = reader.take("uint8", "the instantaneous cadence")
    stride = None
    distance = None
    if flags & STRIDE_PRESENT:
        stride = reader.take("uint16", "the instantaneous stride length") / 100
    if flags & DISTANCE_PRESENT:
        distance = reader.take("uint32", "the total distance") / 10
    reader.done()
    return RscMeasurement(flags, speed, cadence, stride, distance)


def encode_rsc_measurement(
    speed_mps: float,
    cadence_spm: int,
    *,
    stride_length_m: float | None = None,
    total_distance_m: float | None = None,
    running: bool = False,
) -> bytes:
    """The RSC Measurement value of these quantities (for tests and tools)."""
    flags = (
        (STRIDE_PRESENT if stride_length_m is not None else 0)
        | (DISTANCE_PRESENT if total_distance_m is not None else 0)
        | (RUNNING if running else 0)
    )
    out = put("uint8", flags) + put("uint16", _fit(speed_mps * 256, 0xFFFF, "speed"))
    out += put("uint8", _fit(cadence_spm, 0xFF, "cadence"))
    if stride_length_m is not None:
        out += put("uint16", _fit(stride_length_m * 100, 0xFFFF, "stride length"))
    if total_distance_m is not None:
        out += put("uint32", _fit(total_distance_m * 10, 0xFFFFFFFF, "total distance"))
    return out


def _fit(value: float, hi: int, what: str) -> int:
    raw = round(value)
    if not 0 <= raw <= hi:
        raise ValueOutOfRangeError(f"RSC {what} {value} does not fit its field")
    return raw


def parse_rsc_feature(data: bytes | bytearray | memoryview) -> list[str]:
    """Decode RSC Feature (0x2A54, uint16 bit field) into the feature names it sets."""
    reader = FieldReader(data, "RSC Feature")
    bits = reader.take("uint16", "the features")
    reader.done()
    return [n for i, n in enumerate(RSC_FEATURES) if bits >> i & 1]
