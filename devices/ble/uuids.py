"""Bluetooth SIG 16-bit UUIDs the fitness drivers use, and their 128-bit spelling.

Both GATT libraries accept the full 128-bit string form; comparisons use :func:`full_uuid`
so ``"2acd"``, ``0x2ACD`` and ``"00002ACD-0000-1000-8000-00805F9B34FB"`` are the same.
"""

from __future__ import annotations

from devices.errors import InputError

BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"

FTMS_SERVICE = 0x1826
FTMS_FEATURE = 0x2ACC
TREADMILL_DATA = 0x2ACD
TRAINING_STATUS = 0x2AD3
SUPPORTED_SPEED_RANGE = 0x2AD4
SUPPORTED_INCLINATION_RANGE = 0x2AD5
FTMS_CONTROL_POINT = 0x2AD9
FTMS_STATUS = 0x2ADA

RSC_SERVICE = 0x1814
RSC_MEASUREMENT = 0x2A53
RSC_FEATURE = 0x2A54

NAMES = {
    FTMS_SERVICE: "Fitness Machine",
    RSC_SERVICE: "Running Speed and Cadence",
    FTMS_FEATURE: "Fitness Machine Feature",
    TREADMILL_DATA: "Treadmill Data",
    SUPPORTED_SPEED_RANGE: "Supported Speed Range",
    SUPPORTED_INCLINATION_RANGE: "Supported Inclination Range",
    FTMS_CONTROL_POINT: "Fitness Machine Control Point",
    FTMS_STATUS: "Fitness Machine Status",
    RSC_MEASUREMENT: "RSC Measurement",
    RSC_FEATURE: "RSC Feature",
}


def full_uuid(uuid: int | str) -> str:
    """The lower-case 128-bit form of a 16-bit number or any spelling of a UUID."""
    if isinstance(uuid, int):
        if not 0 <= uuid <= 0xFFFF:
            raise InputError(f"{uuid:#x} is not a 16-bit UUID")
        return f"0000{uuid:04x}{BASE_SUFFIX}"
    text = uuid.strip().lower()
    if text.startswith("0x"):
        text = text[2:]
    if len(text) == 4:
        return full_uuid(int(text, 16))
    if len(text) == 36 and text.count("-") == 4:
        return text
    raise InputError(f"{uuid!r} is not a UUID", fix="write e.g. 2acd or a 128-bit UUID")


def short_uuid(uuid: int | str) -> int | None:
    """The 16-bit number of a SIG-base UUID, or None for a vendor (128-bit) UUID."""
    full = full_uuid(uuid)
    if full.startswith("0000") and full.endswith(BASE_SUFFIX):
        return int(full[4:8], 16)
    return None
