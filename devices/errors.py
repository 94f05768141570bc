"""The toolkit's exception hierarchy.

It lives in ``devices`` because that is the lowest layer: ``sim`` and ``stride`` both import
it, and ``sim`` must never import ``stride``. Users import it as ``stride.errors``.

Every error carries the problem and, where one is known, the fix; ``str()`` joins them into
the one line the command line prints. Each class also derives from the matching built-in, so
callers that only know ``ValueError``/``OSError``/``TimeoutError`` still catch it.
"""

from __future__ import annotations


class StrideError(Exception):
    """Base of every error the toolkit raises on purpose (bad input, device trouble)."""

    def __init__(self, problem: str, *, fix: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.problem} ({self.fix})" if self.fix else self.problem


class InputError(StrideError, ValueError):
    """A file, argument or setting the toolkit cannot use as given."""


class FileSystemError(StrideError, OSError):
    """A file or folder that could not be read or written: a full disk, a read-only mount,
    no permission, a name too long (see :func:`devices.files.fs_error`)."""


class DeviceError(StrideError, OSError):
    """A port or device that cannot be opened, or that misbehaves."""


class DeviceTimeoutError(DeviceError, TimeoutError):
    """A device that did not answer in time."""


class ProtocolError(DeviceError):
    """Bytes from a device that do not follow the protocol expected of it."""
