"""Where the walker's view listens: ``--view [HOST:]PORT`` parsed, checked and printed.

Pure standard library, so the command line can parse and reject a bad address before any
device is opened or the web library is imported.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from stride.errors import InputError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
_FIX = "give --view PORT or --view HOST:PORT, e.g. --view 8765 or --view 0.0.0.0:8765"


@dataclass(frozen=True)
class ViewAddress:
    """A host and a TCP port (0 = any free port, chosen when the server binds)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def parse_view_address(text: str | None) -> ViewAddress:
    """``"8765"``, ``"0.0.0.0:8765"``, ``"[::1]:8765"``, ``"localhost:8765"``, ``":8765"`` or
    an empty string (the defaults) to a :class:`ViewAddress`; anything else an
    :class:`InputError` naming the problem."""
    text = (text or "").strip()
    if not text:
        return ViewAddress()
    host, port_text = DEFAULT_HOST, text
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or not text[end + 1 :].startswith(":"):
            raise InputError(f"--view {text!r}: an IPv6 address needs [ADDRESS]:PORT", fix=_FIX)
        host, port_text = text[1:end], text[end + 2 :]
    elif ":" in text:
        host, _, port_text = text.rpartition(":")
        if ":" in host:
            raise InputError(f"--view {text!r}: write an IPv6 address as [ADDRESS]:PORT", fix=_FIX)
        host = host or DEFAULT_HOST
    if not (port_text.isascii() and port_text.isdigit()) or not 0 <= int(port_text) <= 65535:
        raise InputError(f"--view {text!r}: the port must be a number from 0 to 65535", fix=_FIX)
    if not host or any(c.isspace() or c in "/?#@" for c in host):
        raise InputError(f"--view {text!r}: {host!r} is not a host name or address", fix=_FIX)
    return ViewAddress(host, int(port_text))


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, ``localhost``)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """The host as a browser on another machine would type it: the machine's name for an
    unspecified address (``0.0.0.0``, ``::``), IPv6 addresses in brackets."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if ip.is_unspecified:
        return socket.gethostname()
    return f"[{host}]" if ip.version == 6 else host
