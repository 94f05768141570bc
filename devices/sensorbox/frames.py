"""Sensor-box protocol v1 (docs/protocol.md): frame layout, channel roles, single-frame encoders.

Every encoder returns the finished wire bytes: the COBS-encoded frame followed by the 0x00
delimiter, exactly what a box sends. Device times may be given unwrapped (any non-negative
int); they are reduced modulo 2**32 as the box's counter would be, and ``seq`` modulo 2**16.
"""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass
from typing import Final

import numpy as np
from cobs import cobs
from numpy.typing import ArrayLike

PROTOCOL_VERSION: Final = 1
#: The protocol name recordings store for a sensor-box stream.
PROTOCOL_NAME: Final = "sensorbox-v1"

T_HELLO: Final = 0x01
T_SAMPLES: Final = 0x02
T_BELT: Final = 0x03
T_STATUS: Final = 0x04
T_ERROR: Final = 0x05

HEADER: Final = struct.Struct("<BHI")  # type, seq, t_us
HEADER_SIZE: Final = 7
CRC_SIZE: Final = 2
MIN_FRAME: Final = HEADER_SIZE + CRC_SIZE  # 9 bytes: a frame with an empty payload
MAX_CHANNELS: Final = 16
MAX_SAMPLES: Final = 64
#: Largest valid decoded frame (SAMPLES with 64 samples x 16 channels) and its COBS size.
MAX_FRAME: Final = HEADER_SIZE + 4 + 2 * MAX_CHANNELS * MAX_SAMPLES + CRC_SIZE
MAX_WIRE_FRAME: Final = MAX_FRAME + MAX_FRAME // 254 + 2

HELLO_FIXED: Final = struct.Struct("<BBB8sHBfB")  # 19 bytes before the channel table
CHANNEL: Final = struct.Struct("<Bhf")  # 7 bytes per channel
SAMPLES_HEAD: Final = struct.Struct("<BBH")
BELT: Final = struct.Struct("<iI")
STATUS: Final = struct.Struct("<HIH")

FLAG_SATURATED: Final = 0x01
FLAG_DROPPED: Final = 0x02
FLAG_ENCODER: Final = 0x04

ERR_OPEN: Final = 1
ERR_SHORTED: Final = 2
ERR_ENCODER: Final = 3
ERR_OTHER: Final = 255

SIDES: Final = {"L": 1, "R": 2}
PLACES: Final = {"heel": 0, "toe": 1, "mid": 2, "lateral": 3, "medial": 4, "foot": 15}
_SIDE_OF: Final = {v: k for k, v in SIDES.items()}
_PLACE_OF: Final = {v: k for k, v in PLACES.items()}


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): ``crc16(b"123456789") == 0x29B1``."""
    return binascii.crc_hqx(data, 0xFFFF)


def role_byte(side: str, place: str) -> int:
    """Role byte of a channel: ``role_byte("L", "heel") == 0x10``, ``("R", "toe") == 0x21``."""
    try:
        return (SIDES[side] << 4) | PLACES[place]
    except KeyError:
        raise ValueError(
            f"unknown channel role {side!r}/{place!r}: side is one of {sorted(SIDES)}, "
            f"place one of {sorted(PLACES)}"
        ) from None


def role_side(role: int) -> str | None:
    """'L', 'R', or None for a side nibble version 1 does not define."""
    return _SIDE_OF.get((role >> 4) & 0x0F)


def role_place(role: int) -> str | None:
    """'heel', 'toe', 'mid', 'lateral', 'medial', 'foot', or None if undefined."""
    return _PLACE_OF.get(role & 0x0F)


@dataclass(frozen=True)
class ChannelSpec:
    """One force channel: its role byte, ADC counts at no load, newtons per count (0 = raw)."""

    role: int
    offset: int = 0
    scale: float = 0.0

    @classmethod
    def of(cls, side: str, place: str, offset: int = 0, scale: float = 0.0) -> ChannelSpec:
        """Build from names: ``ChannelSpec.of("L", "heel")``."""
        return cls(role_byte(side, place), offset, scale)

    @property
    def side(self) -> str | None:
        return role_side(self.role)

    @property
    def place(self) -> str | None:
        return role_place(self.role)

    @property
    def name(self) -> str:
        """``"L-heel"``; unknown nibbles are shown as hex so nothing is hidden."""
        side = self.side or f"side{(self.role >> 4) & 0xF:X}"
        place = self.place or f"place{self.role & 0xF:X}"
        return f"{side}-{place}"


@dataclass(frozen=True)
class Hello:
    """The HELLO payload: who the box is and what its channels mean."""

    channels: tuple[ChannelSpec, ...]
    sample_rate_hz: int = 1000
    adc_bits: int = 10
    belt_counts_per_m: float = 0.0
    device_id: bytes = b"\x00" * 8
    firmware: tuple[int, int] = (1, 0)
    protocol_version: int = PROTOCOL_VERSION

    def __post_init__(self) -> None:
        if not 1 <= len(self.channels) <= MAX_CHANNELS:
            raise ValueError(f"a box has 1..{MAX_CHANNELS} channels, not {len(self.channels)}")
        if len(self.device_id) != 8:
            raise ValueError("device_id must be exactly 8 bytes")

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    def payload(self) -> bytes:
        head = HELLO_FIXED.pack(
            self.protocol_version,
            self.firmware[0],
            self.firmware[1],
            self.device_id,
            self.sample_rate_hz,
            self.adc_bits,
            self.belt_counts_per_m,
            len(self.channels),
        )
        return head + b"".join(CHANNEL.pack(c.role, c.offset, c.scale) for c in self.channels)

    @classmethod
    def parse(cls, payload: bytes) -> Hello | None:
        """The HELLO in ``payload``, or None if its length or channel count is wrong."""
        if len(payload) < HELLO_FIXED.size:
            return None
        ver, fw_major, fw_minor, dev_id, rate, bits, cpm, n = HELLO_FIXED.unpack_from(payload)
        if not 1 <= n <= MAX_CHANNELS or len(payload) != HELLO_FIXED.size + CHANNEL.size * n:
            return None
        chans = tuple(
            ChannelSpec(*CHANNEL.unpack_from(payload, HELLO_FIXED.size + CHANNEL.size * i))
            for i in range(n)
        )
        return cls(chans, rate, bits, cpm, dev_id, (fw_major, fw_minor), ver)


def raw_frame(ftype: int, seq: int, t_us: int, payload: bytes) -> bytes:
    """A decoded frame: header + payload + CRC (before COBS); exposed for tests and tools."""
    body = HEADER.pack(ftype & 0xFF, seq & 0xFFFF, t_us & 0xFFFFFFFF) + payload
    return body + struct.pack("<H", crc16(body))


def wire(frame: bytes) -> bytes:
    """COBS-encode one decoded frame and append the 0x00 delimiter."""
    return cobs.encode(frame) + b"\x00"


def encode_frame(ftype: int, seq: int, t_us: int, payload: bytes) -> bytes:
    """Wire bytes of a frame of any type (also unknown ones, for forward-compatibility tests)."""
    return wire(raw_frame(ftype, seq, t_us, payload))


def encode_hello(seq: int, t_us: int, hello: Hello) -> bytes:
    """Wire bytes of a HELLO frame."""
    return encode_frame(T_HELLO, seq, t_us, hello.payload())


def samples_payload(period_us: int, values: ArrayLike) -> bytes:
    """SAMPLES payload for ``values`` of shape (N, C), int16 (validated)."""
    v = np.asarray(values)
    if v.ndim != 2 or not 1 <= v.shape[0] <= MAX_SAMPLES or not 1 <= v.shape[1] <= MAX_CHANNELS:
        raise ValueError(
            f"values must have shape (N, C) with N in 1..{MAX_SAMPLES} and C in "
            f"1..{MAX_CHANNELS}, got {v.shape}"
        )
    if not 0 < period_us <= 0xFFFF:
        raise ValueError(f"sample period must be 1..65535 us, got {period_us}")
    v16 = _as_int16(v)
    return SAMPLES_HEAD.pack(v.shape[1], v.shape[0], period_us) + v16.astype("<i2").tobytes()


def encode_samples(seq: int, t_us: int, period_us: int, values: ArrayLike) -> bytes:
    """Wire bytes of a SAMPLES frame; ``t_us`` is the time of the first sample."""
    return encode_frame(T_SAMPLES, seq, t_us, samples_payload(period_us, values))


def encode_belt(seq: int, t_us: int, counts: int, interval_us: int) -> bytes:
    """Wire bytes of a BELT frame; ``t_us`` is the end of the counting interval."""
    return encode_frame(T_BELT, seq, t_us, BELT.pack(counts, interval_us))


def encode_status(seq: int, t_us: int, flags: int, dropped: int, supply_mv: int) -> bytes:
    """Wire bytes of a STATUS frame (flags: FLAG_SATURATED | FLAG_DROPPED | FLAG_ENCODER)."""
    return encode_frame(T_STATUS, seq, t_us, STATUS.pack(flags, dropped & 0xFFFFFFFF, supply_mv))


def encode_error(seq: int, t_us: int, code: int, message: str) -> bytes:
    """Wire bytes of an ERROR frame; non-ASCII characters are replaced by '?'."""
    text = message.encode("ascii", "replace")
    return encode_frame(T_ERROR, seq, t_us, bytes([code & 0xFF]) + text)


def _as_int16(v: np.ndarray) -> np.ndarray:
    """int16 view of integer input; refuses values that would silently wrap."""
    if v.dtype == np.int16:
        return v
    if not np.issubdtype(v.dtype, np.integer):
        raise ValueError(f"sample values must be integers (int16), got dtype {v.dtype}")
    if v.size and (v.min() < -32768 or v.max() > 32767):
        raise ValueError("sample values must fit in int16 (-32768..32767)")
    return v.astype(np.int16)
