"""Little-endian field reading for characteristic values, with errors that name the field."""

from __future__ import annotations

from devices.ble.errors import ExtraBytesError, TruncatedValueError

#: width in bytes and signedness of each field type of the GATT Specification Supplement
WIDTHS: dict[str, tuple[int, bool]] = {
    "uint8": (1, False),
    "uint16": (2, False),
    "sint16": (2, True),
    "uint24": (3, False),
    "uint32": (4, False),
}


class FieldReader:
    """Reads fields in order from one characteristic value (``what`` names it in errors)."""

    def __init__(self, data: bytes | bytearray | memoryview, what: str) -> None:
        self.data = bytes(data)
        self.what = what
        self.pos = 0

    def take(self, kind: str, field: str) -> int:
        """The next field of type ``kind`` (e.g. ``"uint16"``); truncation names ``field``."""
        width, signed = WIDTHS[kind]
        end = self.pos + width
        if end > len(self.data):
            raise TruncatedValueError(
                f"{self.what} of {len(self.data)} bytes ends inside {field} "
                f"({kind} at byte {self.pos}): {self.data.hex(' ')}",
                fix="the device sent a cut-off notification; it is skipped and counted",
            )
        value = int.from_bytes(self.data[self.pos : end], "little", signed=signed)
        self.pos = end
        return value

    def done(self) -> None:
        """Refuse bytes the flags did not announce (a silent misparse otherwise)."""
        extra = len(self.data) - self.pos
        if extra:
            raise ExtraBytesError(
                f"{self.what} has {extra} byte(s) after the fields its flags announce: "
                f"{self.data.hex(' ')}",
                fix="send us a notification log (docs/treadmills.md) so the layout can be added",
            )


def put(kind: str, value: int) -> bytes:
    """Encode one field (the inverse of :meth:`FieldReader.take`)."""
    width, signed = WIDTHS[kind]
    return int(value).to_bytes(width, "little", signed=signed)
