"""Errors of the Bluetooth parsers and drivers, inside the toolkit's hierarchy.

Each derives from :mod:`devices.errors` (so ``ProtocolError``/``DeviceError``/``InputError``
handlers catch it) and names what was wrong in one line.
"""

from __future__ import annotations

from devices.errors import DeviceError, ProtocolError


class TruncatedValueError(ProtocolError):
    """A characteristic value shorter than its flags say it is."""


class ExtraBytesError(ProtocolError):
    """A characteristic value longer than its flags say it is (a misparse would follow)."""


class UnknownFlagsError(ProtocolError):
    """Reserved flag bits set: the layout of what follows is unknown, so nothing is guessed."""


class ValueOutOfRangeError(ProtocolError):
    """A field whose value the specification does not allow (or a device range that is
    empty)."""


class ControlPointError(DeviceError):
    """The fitness machine answered a control point request with something else than
    success. ``result`` holds the FTMS result code."""

    def __init__(self, problem: str, *, result: int, fix: str | None = None) -> None:
        super().__init__(problem, fix=fix)
        self.result = result


class OpCodeNotSupportedError(ControlPointError):
    """Result 0x02: the machine does not implement this request."""


class InvalidParameterError(ControlPointError):
    """Result 0x03: the machine refused the request's value."""


class OperationFailedError(ControlPointError):
    """Result 0x04: the machine tried and failed."""


class ControlNotPermittedError(ControlPointError):
    """Result 0x05: the machine does not let this client control it (control not
    requested, refused, or taken by another app or the console)."""


class NotThatDeviceError(DeviceError):
    """The device connected to does not offer the service the driver needs."""


class BluetoothUnavailableError(DeviceError):
    """No usable Bluetooth: adapter missing or off, system service not running, or the
    Bluetooth library not installed."""
