"""FTMS Treadmill Data and RSC Measurement bytes, built from ../shared/docs/protocols.md only.

Section followed: "Bluetooth fitness formats (FTMS treadmills, RSC foot pods)". All
little-endian. No imports from devices/ or sim/. These are parse inputs: what a treadmill
or a foot pod could notify, fields at the edges of their ranges.

FTMS Treadmill Data (0x2ACD): flags uint16; bit 0 inverted (0 = instantaneous speed
present, uint16 0.01 km/h); bit 1 average speed uint16; bit 2 total distance uint24 (m);
bit 3 inclination sint16 (0.1 %) and ramp angle sint16 (0.1 deg); bit 4 elevation gain
2 x uint16 (0.1 m); bits 5/6 pace (width unverified: ``pace_width`` 1 or 2); bit 7 energy
uint16, uint16, uint8; bit 8 heart rate uint8; bit 9 MET uint8; bit 10 elapsed uint16 (s);
bit 11 remaining uint16 (s); bit 12 force sint16 (N) and power sint16 (W); bit 13 (reserved;
a step count uint24 on FitShow controllers).

RSC Measurement (0x2A53): flags uint8; speed uint16 (1/256 m/s); cadence uint8 (1/min);
bit 0: stride length uint16 (0.01 m); bit 1: total distance uint32 (0.1 m); bit 2 running.
"""

from __future__ import annotations

import struct


def ftms_data(
    *,
    speed_001kmh: int | None = None,
    avg_001kmh: int | None = None,
    distance_m: int | None = None,
    incline_01pct: int | None = None,
    ramp_01deg: int = 0,
    elevation: tuple[int, int] | None = None,
    pace: tuple[int, int] | None = None,
    pace_width: int = 1,
    energy: tuple[int, int, int] | None = None,
    heart_rate: int | None = None,
    met_01: int | None = None,
    elapsed_s: int | None = None,
    remaining_s: int | None = None,
    force_power: tuple[int, int] | None = None,
    steps: int | None = None,
) -> bytes:
    flags, body = 0, bytearray()
    if speed_001kmh is None:
        flags |= 1
    else:
        body += struct.pack("<H", speed_001kmh)
    if avg_001kmh is not None:
        flags |= 1 << 1
        body += struct.pack("<H", avg_001kmh)
    if distance_m is not None:
        flags |= 1 << 2
        body += distance_m.to_bytes(3, "little")
    if incline_01pct is not None:
        flags |= 1 << 3
        body += struct.pack("<hh", incline_01pct, ramp_01deg)
    if elevation is not None:
        flags |= 1 << 4
        body += struct.pack("<HH", *elevation)
    if pace is not None:
        flags |= (1 << 5) | (1 << 6)
        fmt = "<BB" if pace_width == 1 else "<HH"
        body += struct.pack(fmt, *pace)
    if energy is not None:
        flags |= 1 << 7
        body += struct.pack("<HHB", *energy)
    if heart_rate is not None:
        flags |= 1 << 8
        body.append(heart_rate)
    if met_01 is not None:
        flags |= 1 << 9
        body.append(met_01)
    if elapsed_s is not None:
        flags |= 1 << 10
        body += struct.pack("<H", elapsed_s)
    if remaining_s is not None:
        flags |= 1 << 11
        body += struct.pack("<H", remaining_s)
    if force_power is not None:
        flags |= 1 << 12
        body += struct.pack("<hh", *force_power)
    if steps is not None:
        flags |= 1 << 13
        body += steps.to_bytes(3, "little")
    return struct.pack("<H", flags) + bytes(body)


def rsc_measurement(
    speed_256: int,
    cadence: int,
    *,
    stride_001m: int | None = None,
    distance_01m: int | None = None,
    running: bool = False,
) -> bytes:
    flags = (1 if stride_001m is not None else 0) | (2 if distance_01m is not None else 0)
    flags |= 4 if running else 0
    out = struct.pack("<BHB", flags, speed_256, cadence)
    if stride_001m is not None:
        out += struct.pack("<H", stride_001m)
    if distance_01m is not None:
        out += struct.pack("<I", distance_01m)
    return out
