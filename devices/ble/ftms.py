"""Fitness Machine Service (FTMS 1.0) values of a treadmill: parsers and encoders.

Byte layouts are those of the Bluetooth SIG GATT Specification Supplement (GSS), the
document FTMS 1.0.1 points to for every field (section 4.4). All little-endian.

Treadmill Data (0x2ACD): flags (uint16), then each field whose flag is set, in bit order:

======  ==========================================  ===========================  =========
bit     field(s)                                    type                         unit
======  ==========================================  ===========================  =========
0 (*)   instantaneous speed                         uint16                       0.01 km/h
1       average speed                               uint16                       0.01 km/h
2       total distance                              uint24                       1 m
3       inclination, ramp angle setting             sint16, sint16               0.1 %, 0.1°
4       positive, negative elevation gain           uint16, uint16               0.1 m
5       instantaneous pace                          uint16                       s per 500 m
6       average pace                                uint16                       s per 500 m
7       total energy, per hour, per minute          uint16, uint16, uint8        kcal
8       heart rate                                  uint8                        1/min
9       metabolic equivalent                        uint8                        0.1 MET
10      elapsed time                                uint16                       s
11      remaining time                              uint16                       s
12      force on belt, power output                 sint16, sint16               N, W
13 (v)  step count                                  uint24                       steps
======  ==========================================  ===========================  =========

(*) bit 0 is "More Data" and inverted: 0 means the instantaneous speed IS present.
(v) bit 13 is reserved by the SIG; FitShow controllers and others send a step count there
(pyftms reads it the same way). Bits 14 and 15 are reserved: a value with them set is
refused, naming the bit, because the layout of what follows is then unknown.

Pace (bits 5 and 6): the original SIG XML (2017) defined uint8 in 0.1 km/min, which pyftms
and qdomyos-zwift follow. The current GSS (bluetooth-SIG/public, gss/org.bluetooth.
characteristic.treadmill_data.yaml, checked at commit 22c4a7a7) defines both as "Pace (Time
per 500 meters)", uint16, unit second, as does bluetooth-sig-python. We follow the current
GSS: ``instantaneous_pace``/``average_pace`` are seconds per 500 m. A treadmill that sends
the old one-byte pace makes every later field one byte off; the parser then reports the
length mismatch (:class:`~devices.ble.errors.TruncatedValueError`, naming the pace width
and the option below) instead of misreading. The width is unverified
(docs/device-protocols.md), so the old layout is read only when asked: ``pace="uint8"``
(the driver's ``ftms:NAME?pace=uint8``) reads both pace fields as uint8 in 0.1 km/min, as
``instantaneous_pace_km_per_min``/``average_pace_km_per_min``; a value one byte longer per
pace field is then refused the same way, naming the option to leave out.

Control point, status, ranges and features: :func:`control_point`,
:func:`parse_control_response`, :func:`parse_machine_status`, :func:`parse_speed_range`,
:func:`parse_inclination_range`, :func:`parse_feature`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from devices.ble._fields import WIDTHS, FieldReader, put
from devices.ble._ftms_control import (
    CONTROL_OPS,
    RESULTS,
    STATUS_OPS,
    ControlResponse,
    MachineStatus,
    control_point,
    parse_control_response,
    parse_machine_status,
)
from devices.ble._ftms_ranges import (
    Features,
    InclinationRange,
    SpeedRange,
    parse_feature,
    parse_inclination_range,
    parse_speed_range,
)
from devices.ble.errors import (
    ExtraBytesError,
    TruncatedValueError,
    UnknownFlagsError,
    ValueOutOfRangeError,
)
from devices.units import KMH

__all__ = [
    "CONTROL_OPS",
    "FIELDS",
    "RESULTS",
    "STATUS_OPS",
    "ControlResponse",
    "Features",
    "InclinationRange",
    "MachineStatus",
    "SpeedRange",
    "TreadmillData",
    "control_point",
    "encode_treadmill_data",
    "parse_control_response",
    "parse_feature",
    "parse_inclination_range",
    "parse_machine_status",
    "parse_speed_range",
    "parse_treadmill_data",
]

#: flag bit -> ((field name, GSS type, divisor), ...), in wire order.
FIELDS: tuple[tuple[int, tuple[tuple[str, str, int], ...]], ...] = (
    (0, (("instantaneous_speed_kmh", "uint16", 100),)),
    (1, (("average_speed_kmh", "uint16", 100),)),
    (2, (("total_distance_m", "uint24", 1),)),
    (3, (("inclination_pct", "sint16", 10), ("ramp_angle_deg", "sint16", 10))),
    (
        4,
        (
            ("positive_elevation_gain_m", "uint16", 10),
            ("negative_elevation_gain_m", "uint16", 10),
        ),
    ),
    (5, (("instantaneous_pace", "uint16", 1),)),
    (6, (("average_pace", "uint16", 1),)),
    (
        7,
        (
            ("total_energy_kcal", "uint16", 1),
            ("energy_per_hour_kcal", "uint16", 1),
            ("energy_per_minute_kcal", "uint8", 1),
        ),
    ),
    (8, (("heart_rate_bpm", "uint8", 1),)),
    (9, (("metabolic_equivalent", "uint8", 10),)),
    (10, (("elapsed_time_s", "uint16", 1),)),
    (11, (("remaining_time_s", "uint16", 1),)),
    (12, (("force_on_belt_n", "sint16", 1), ("power_output_w", "sint16", 1))),
    (13, (("step_count", "uint24", 1),)),
)
RESERVED_BITS = (14, 15)

#: ``pace=`` -> the pace fields (bits 5 and 6): the current GSS's uint16 (the default), or
#: the 2017 XML's uint8 in 0.1 km/min, read only when asked (the width is unverified).
PACE_FIELDS: dict[str, dict[int, tuple[tuple[str, str, int], ...]]] = {
    "uint16": dict(FIELDS[5:7]),
    "uint8": {
        5: (("instantaneous_pace_km_per_min", "uint8", 10),),
        6: (("average_pace_km_per_min", "uint8", 10),),
    },
}


def layout(pace: str = "uint16") -> tuple[tuple[int, tuple[tuple[str, str, int], ...]], ...]:
    """The Treadmill Data fields in wire order, their pace fields ``pace`` wide."""
    if pace not in PACE_FIELDS:
        raise ValueOutOfRangeError(
            f"unknown FTMS pace width {pace!r}: {' or '.join(PACE_FIELDS)} (uint16 unless asked)"
        )
    return tuple((bit, PACE_FIELDS[pace].get(bit, group)) for bit, group in FIELDS)


@dataclass(frozen=True)
class TreadmillData:
    """One Treadmill Data notification; a field whose flag is absent is None.

    Units are in the names; ``instantaneous_pace``/``average_pace`` are seconds per 500 m
    (current GSS, see the module docstring); ``step_count`` comes from reserved bit 13.
    """

    flags: int
    instantaneous_speed_kmh: float | None = None
    average_speed_kmh: float | None = None
    total_distance_m: int | None = None
    inclination_pct: float | None = None
    ramp_angle_deg: float | None = None
    positive_elevation_gain_m: float | None = None
    negative_elevation_gain_m: float | None = None
    instantaneous_pace: int | None = None
    average_pace: int | None = None
    instantaneous_pace_km_per_min: float | None = None  # pace="uint8" only
    average_pace_km_per_min: float | None = None
    total_energy_kcal: int | None = None
    energy_per_hour_kcal: int | None = None
    energy_per_minute_kcal: int | None = None
    heart_rate_bpm: int | None = None
    metabolic_equivalent: float | None = None
    elapsed_time_s: int | None = None
    remaining_time_s: int | None = None
    force_on_belt_n: int | None = None
    power_output_w: int | None = None
    step_count: int | None = None

    @property
    def speed_mps(self) -> float | None:
        """The instantaneous belt speed in m/s (None when this notification has none)."""
        v = self.instantaneous_speed_kmh
        return None if v is None else v * KMH

    def present(self) -> dict[str, Any]:
        """The fields this notification carries, by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "flags" and getattr(self, f.name) is not None
        }


def _present(flags: int, bit: int) -> bool:
    return not flags & 1 if bit == 0 else bool(flags >> bit & 1)


def parse_treadmill_data(
    data: bytes | bytearray | memoryview, *, pace: str = "uint16"
) -> TreadmillData:
    """Decode a Treadmill Data (0x2ACD) value, its pace fields ``pace`` wide (uint16, the
    current GSS; uint8 only when asked, see the module docstring). Raises a
    :class:`~devices.errors.ProtocolError` subclass on truncation, extra bytes or reserved
    flag bits (naming the bit)."""
    fields_ = layout(pace)
    reader = FieldReader(data, "Treadmill Data")
    flags = reader.take("uint16", "the flags")
    reserved = [b for b in RESERVED_BITS if flags >> b & 1]
    if reserved:
        names = ", ".join(str(b) for b in reserved)
        raise UnknownFlagsError(
            f"Treadmill Data flags {flags:#06x} set reserved bit(s) {names}: the fields "
            "after them are of unknown layout",
            fix="send us a notification log (docs/treadmills.md) so the layout can be added",
        )
    _refuse_other_pace_width(flags, len(reader.data), pace, fields_)
    values: dict[str, Any] = {}
    for bit, group in fields_:
        if not _present(flags, bit):
            continue
        for name, kind, divisor in group:
            raw = reader.take(kind, name.replace("_", " "))
            values[name] = raw / divisor if divisor != 1 else raw
    reader.done()
    return TreadmillData(flags=flags, **values)


def _refuse_other_pace_width(flags: int, size: int, pace: str, fields_: Any) -> None:
    """A value exactly one byte short (long) per pace field sends pace as uint8 (the 2017
    XML, pyftms, qdomyos-zwift) where uint16 is read (or the other way round): the width
    is unverified (docs/device-protocols.md), so the value is refused saying so, naming
    the option that reads the other width, not misread."""
    paces = [b for b in (5, 6) if flags >> b & 1]
    if not paces:
        return
    full = 2 + sum(WIDTHS[kind][0] for bit, group in fields_ if _present(flags, bit)
                   for _, kind, _ in group)  # fmt: skip
    step = -1 if pace == "uint16" else 1
    if size != full + step * len(paces):
        return
    bits = ", ".join(map(str, paces))
    if pace == "uint16":
        raise TruncatedValueError(
            f"Treadmill Data of {size} bytes with pace (flag bit(s) {bits}) is one byte short "
            "per pace field: this treadmill seems to send pace as uint8 (0.1 km/min), not the "
            "uint16 stride reads; the width is unverified, so the notification is skipped and "
            "counted, not misread",
            fix="if it follows the 2017 FTMS XML, read pace as uint8 with ftms:NAME?pace=uint8 "
            "(docs/treadmills.md); either way send us a notification log",
        )
    raise ExtraBytesError(
        f"Treadmill Data of {size} bytes with pace (flag bit(s) {bits}) is one byte long per "
        "pace field: this treadmill sends pace as uint16 (the current GSS), not the uint8 "
        "?pace=uint8 asked for; the notification is skipped and counted, not misread",
        fix="leave ?pace=uint8 out of ftms:NAME",
    )


def encode_treadmill_data(*, pace: str = "uint16", **values: float | int) -> bytes:
    """The Treadmill Data value carrying ``values`` (field names of :class:`TreadmillData`;
    a group such as inclination + ramp angle must be given whole), its pace fields ``pace``
    wide. For tests and tools."""
    fields_ = layout(pace)
    known = {name for _, group in fields_ for name, _, _ in group}
    unknown = set(values) - known
    if unknown:
        raise ValueOutOfRangeError(f"unknown Treadmill Data field(s): {sorted(unknown)}")
    flags = 0 if "instantaneous_speed_kmh" in values else 1
    body = b""
    for bit, group in fields_:
        given = [name in values for name, _, _ in group]
        if not any(given):
            continue
        if not all(given):
            missing = [name for (name, _, _), g in zip(group, given, strict=True) if not g]
            raise ValueOutOfRangeError(f"Treadmill Data field(s) {missing} travel with bit {bit}")
        if bit:
            flags |= 1 << bit
        for name, kind, divisor in group:
            body += put(kind, _raw(name, kind, float(values[name]) * divisor))
    return put("uint16", flags) + body


def _raw(name: str, kind: str, scaled: float) -> int:
    width, signed = WIDTHS[kind]
    lo, hi = (
        (-(1 << (8 * width - 1)), (1 << (8 * width - 1)) - 1)
        if signed
        else (0, (1 << 8 * width) - 1)
    )
    if not math.isfinite(scaled) or not lo <= round(scaled) <= hi:
        raise ValueOutOfRangeError(f"{name} = {scaled} does not fit {kind}")
    return round(scaled)
