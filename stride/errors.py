"""The toolkit's exceptions, under the name users import (defined in :mod:`devices.errors`)."""

from devices.errors import (
    DeviceError,
    DeviceTimeoutError,
    FileSystemError,
    InputError,
    ProtocolError,
    StrideError,
)

__all__ = [
    "DeviceError",
    "DeviceTimeoutError",
    "FileSystemError",
    "InputError",
    "ProtocolError",
    "StrideError",
]
